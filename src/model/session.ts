import type { InferenceSession, Tensor } from 'onnxruntime-web'; // types only: the same in onnxruntime-node
import { ModelError } from '../errors.ts';
import type { GraphSpec } from './manifest.ts';

/** A float32 tensor crossing the runtime's border with onnxruntime. */
export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

/** What a graph declares about one input or output (shape empty when the runtime does not say). */
export interface ValueInfo {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

/**
 * One loaded ONNX graph, whatever runs it (onnxruntime-node in Node, onnxruntime-web in a browser or a
 * worker). Everything above this file sees only this interface.
 */
export interface ModelSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Where it runs, e.g. 'onnxruntime-node cpu' or 'onnxruntime-web wasm (2 threads)'. */
  readonly backend: string;
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

/**
 * Makes a session from a graph's bytes; `role` names the graph in errors. `spec` is the graph's entry in
 * model.json, for factories that choose where a graph runs from it (session-web.ts: largestTensorBytes).
 */
export type SessionFactory = (
  graph: Uint8Array,
  role: 'encoder' | 'decoder',
  spec?: GraphSpec,
) => Promise<ModelSession>;

/** The part of an onnxruntime package (node or web: both re-export onnxruntime-common) used here. */
export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;
}

/** The one implementation of ModelSession, over either onnxruntime package. */
export async function createOrtSession(
  ort: OrtModule,
  graph: Uint8Array,
  role: string,
  options: InferenceSession.SessionOptions,
  backend: string,
): Promise<ModelSession> {
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(graph, options);
  } catch (error) {
    throw new ModelError(
      'graph-unloadable',
      `The ${role} graph cannot be loaded by ${backend}: ${firstLine(error)}`,
      'The file is not a valid ONNX graph for this onnxruntime; re-export the model folder.',
      { cause: error },
    );
  }
  const describe = (
    names: readonly string[],
    metadata: readonly InferenceSession.ValueMetadata[] | undefined,
  ) =>
    names.map((name): ValueInfo => {
      const m = metadata?.find((v) => v.name === name);
      return m?.isTensor ? { name, type: m.type, shape: [...m.shape] } : { name, type: 'unknown', shape: [] };
    });
  return {
    inputs: describe(session.inputNames, session.inputMetadata),
    outputs: describe(session.outputNames, session.outputMetadata),
    backend,
    async run(feeds) {
      const ortFeeds: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
      const results = await session.run(ortFeeds);
      const out: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(results)) {
        if (t.type !== 'float32') {
          throw new ModelError(
            'graph-io-mismatch',
            `The ${role} graph's output "${name}" is ${t.type}, not float32.`,
          );
        }
        out[name] = { data: t.data as Float32Array, dims: [...t.dims] };
      }
      return out;
    },
    release: () => session.release(),
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
