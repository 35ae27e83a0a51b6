/**
 * Node-only: sessions on onnxruntime-node (native CPU). Never import this file from browser code.
 */
import * as ort from 'onnxruntime-node';
import { createOrtSession, type SessionFactory } from './session.ts';

export interface NodeSessionOptions {
  /** Threads per operator; onnxruntime's default (the physical cores) when absent. */
  intraOpNumThreads?: number;
}

export function nodeSessionFactory(options: NodeSessionOptions = {}): SessionFactory {
  const threads = options.intraOpNumThreads;
  const backend = `onnxruntime-node cpu${threads ? ` (${threads} threads)` : ''}`;
  return (graph, role) =>
    createOrtSession(
      ort,
      graph,
      role,
      {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        ...(threads ? { intraOpNumThreads: threads } : {}),
      },
      backend,
    );
}
