/**
 * Decoder latency per box on a full-size (ViT-B shapes) random-weight robust decoder: onnxruntime-web
 * wasm (in Node, the browser's CPU path) and onnxruntime-node. Inputs are random embeddings and robust
 * features (the decoder's cost does not depend on their values) and a box prompt, as a user's box gives.
 * Target: p50 <= 40 ms in wasm on this 2-core machine.
 */

import { folderModelSource } from '../src/model/model-folder-node.ts';
import { openGraph, readManifest } from '../src/model/model-loader.ts';
import type { ModelSession, SessionFactory, TensorData } from '../src/model/session.ts';
import { nodeSessionFactory } from '../src/model/session-node.ts';
import { webSessionFactory } from '../src/model/session-web.ts';
import { type BenchReport, percentile } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const WARMUP = 3;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

function randomTensor(dims: number[], seed: number): TensorData {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return { data, dims };
}

async function measure(session: ModelSession, feeds: Record<string, TensorData>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  return times;
}

export default async function (): Promise<BenchReport> {
  const folder = vitBModelFolder('robust');
  const source = folderModelSource(folder);
  const manifest = await readManifest(source);
  const feeds: Record<string, TensorData> = {};
  for (const [i, input] of manifest.graphs.decoder.inputs.entries()) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : 2)); // N = 2: a box
    feeds[input.name] = randomTensor(dims, i + 1);
  }
  feeds.point_coords = { data: Float32Array.from([200, 300, 600, 700]), dims: [1, 2, 2] };
  feeds.point_labels = { data: Float32Array.from([2, 3]), dims: [1, 2] };
  feeds.has_mask_input = { data: Float32Array.from([0]), dims: [1] };
  feeds.mask_input = { data: new Float32Array(256 * 256), dims: [1, 1, 256, 256] };

  const web = await webSessionFactory({ numThreads: 2 });
  const backends: Array<[string, SessionFactory]> = [
    ['onnxruntime-node', nodeSessionFactory()],
    ['onnxruntime-web', web.factory],
  ];
  const rows: BenchReport['rows'] = [];
  for (const [name, factory] of backends) {
    const session = await openGraph(source, manifest, 'decoder', factory);
    const times = await measure(session, feeds);
    rows.push({
      runtime: name,
      backend: session.backend,
      runs: RUNS,
      p50_ms: percentile(times, 50),
      p95_ms: percentile(times, 95),
      min_ms: Math.min(...times),
    });
    await session.release();
  }
  return {
    title: 'Decoder latency per box, ViT-B robust decoder (random weights)',
    columns: ['runtime', 'backend', 'runs', 'p50_ms', 'p95_ms', 'min_ms'],
    rows,
    notes: [
      `Model folder: ${folder} (${manifest.provenance.config}, ${manifest.decoderKind} decoder, ${manifest.precision}, decoder ${(manifest.graphs.decoder.bytes / 1e6).toFixed(1)} MB); made by bench/vit-b-model.ts with export/ (random weights, fixed seed), never committed.`,
      `One box prompt (N = 2 points), no mask input; ${WARMUP} warm-up runs, then ${RUNS} timed runs of the decoder session alone.`,
      'Target: wasm p50 <= 40 ms on this 2-core machine (SAM ViT-B decoder measured ~74 ms in wasm here).',
      'Per-box pre + post (prompt tensors, logits -> mask) is in bench/results/prepost.md and adds ~2 ms.',
    ],
  };
}
