/**
 * Latency helpers shared by the benchmarks (decoder-latency, fft-modes, webgpu, prepost, image-quality):
 * deterministic random feeds and warm-up-then-time loops. No runtime is imported here, so a benchmark
 * that must stay free of onnxruntime-node (the bundled WebGPU benchmark) can use them too.
 */
import type { GraphSpec, ModelManifest } from '../src/model/manifest.ts';
import type { ModelSession, TensorData } from '../src/model/session.ts';

export function randomTensor(dims: number[], seed: number): TensorData {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return { data, dims };
}

/** `warmup` untimed runs, then `runs` timed ones (ms each, as the caller waits for the outputs). */
export async function measure(
  session: ModelSession,
  feeds: Record<string, TensorData>,
  runs: number,
  warmup = 3,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  return times;
}

/** `warmup` untimed calls of a synchronous `fn` (JIT, memoised work), then `runs` timed ones (ms each). */
export function timeSync(runs: number, fn: () => void, warmup = 5): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times;
}

/** Random values for every input a graph declares (a symbolic dim, i.e. N, becomes 2). */
export function randomFeeds(graph: GraphSpec): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  for (const [i, input] of graph.inputs.entries()) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : 2));
    feeds[input.name] = randomTensor(dims, i + 1);
  }
  return feeds;
}

/**
 * Decoder feeds: random embeddings and robust features (the decoder's cost does not depend on their
 * values) and one box prompt (N = 2 points), as a user's box gives, with no mask input.
 */
export function feedsFor(manifest: ModelManifest): Record<string, TensorData> {
  const feeds = randomFeeds(manifest.graphs.decoder);
  feeds.point_coords = { data: Float32Array.from([200, 300, 600, 700]), dims: [1, 2, 2] };
  feeds.point_labels = { data: Float32Array.from([2, 3]), dims: [1, 2] };
  feeds.has_mask_input = { data: Float32Array.from([0]), dims: [1] };
  feeds.mask_input = { data: new Float32Array(256 * 256), dims: [1, 1, 256, 256] };
  return feeds;
}
