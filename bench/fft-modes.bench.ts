/**
 * The robust decoder's Fourier blocks exported two ways (`npm run export -- onnx --fft dft-op|matmul`):
 * ONNX DFT nodes (radix-2 FFTs in onnxruntime's CPU kernel) against constant DFT matrix products, per box
 * on the full-size (ViT-B) random-weight decoder, in onnxruntime-node and onnxruntime-web wasm (in Node).
 * The four sessions take turns run by run, so that the load of a shared machine falls on all of them alike.
 */

import { loadavg } from 'node:os';
import type { FftMode } from '../src/model/manifest.ts';
import { folderModelSource } from '../src/model/model-folder-node.ts';
import { openGraph, readManifest } from '../src/model/model-loader.ts';
import type { ModelSession, SessionFactory, TensorData } from '../src/model/session.ts';
import { nodeSessionFactory } from '../src/model/session-node.ts';
import { webSessionFactory } from '../src/model/session-web.ts';
import { feedsFor } from './latency.ts';
import { type BenchReport, percentile, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const WARMUP = 2;
const RUNS = Number(process.env.BENCH_RUNS ?? 8);
const MODES: FftMode[] = ['dft-op', 'matmul'];

interface Contender {
  fft: FftMode;
  runtime: string;
  session: ModelSession;
  feeds: Record<string, TensorData>;
  times: number[];
}

export default async function (): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const web = await webSessionFactory({ webgpu: false, numThreads: 2 });
  const runtimes: Array<[string, SessionFactory]> = [
    ['onnxruntime-node', nodeSessionFactory()],
    ['onnxruntime-web', web.factory],
  ];
  const contenders: Contender[] = [];
  const notes: string[] = [];
  for (const fft of MODES) {
    const folder = vitBModelFolder('robust', fft);
    const source = folderModelSource(folder);
    const manifest = await readManifest(source);
    notes.push(
      `${fft}: ${repoPath(folder)} (decoder graph ${(manifest.graphs.decoder.bytes / 1e6).toFixed(1)} MB).`,
    );
    for (const [runtime, factory] of runtimes) {
      const session = await openGraph(source, manifest, 'decoder', factory);
      contenders.push({ fft, runtime, session, feeds: feedsFor(manifest), times: [] });
    }
  }
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const c of contenders) {
      const t = performance.now();
      await c.session.run(c.feeds);
      if (i >= WARMUP) c.times.push(performance.now() - t);
    }
  }
  const rows: BenchReport['rows'] = [];
  for (const c of contenders) {
    rows.push({
      fft: c.fft,
      runtime: c.runtime,
      backend: c.session.backend,
      runs: RUNS,
      p50_ms: percentile(c.times, 50),
      p95_ms: percentile(c.times, 95),
      min_ms: Math.min(...c.times),
    });
    await c.session.release();
  }
  return {
    title:
      'Robust decoder per box: Fourier blocks as ONNX DFT nodes vs DFT matrix products (ViT-B, random weights)',
    columns: ['fft', 'runtime', 'backend', 'runs', 'p50_ms', 'p95_ms', 'min_ms'],
    rows,
    notes: [
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run (2 cores, shared with other work: a load above 2 inflates every time).`,
      ...notes,
      `One box prompt (N = 2 points), no mask input; ${WARMUP} warm-up rounds, then ${RUNS} timed rounds, each round running the four sessions in turn.`,
      'Both forms compute the same function (test/export/fft-modes.test.ts: logits within 1e-4 of each other and of torch.fft).',
    ],
  };
}
