/**
 * Decoder latency per box on full-size (ViT-B shapes) random-weight decoders, the robust one (the fused
 * model's) and the plain SAM one (the baselines'): onnxruntime-web wasm (in Node, the browser's CPU
 * path) and onnxruntime-node. Inputs are random embeddings and robust features (the decoder's cost does
 * not depend on their values) and a box prompt, as a user's box gives.
 * Target: p50 <= 40 ms in wasm on this 2-core machine.
 */

import { loadavg } from 'node:os';
import { folderModelSource } from '../src/model/model-folder-node.ts';
import { openGraph, readManifest } from '../src/model/model-loader.ts';
import type { SessionFactory } from '../src/model/session.ts';
import { nodeSessionFactory } from '../src/model/session-node.ts';
import { webSessionFactory } from '../src/model/session-web.ts';
import { feedsFor, measure } from './latency.ts';
import { type BenchReport, percentile, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const WARMUP = 3;
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

export default async function (): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const web = await webSessionFactory({ numThreads: 2 });
  const backends: Array<[string, SessionFactory]> = [
    ['onnxruntime-node', nodeSessionFactory()],
    ['onnxruntime-web', web.factory],
  ];
  const rows: BenchReport['rows'] = [];
  const notes: string[] = [];
  for (const kind of ['robust', 'sam'] as const) {
    const folder = vitBModelFolder(kind);
    const source = folderModelSource(folder);
    const manifest = await readManifest(source);
    const feeds = feedsFor(manifest);
    notes.push(
      `${kind} decoder: ${repoPath(folder)} (${manifest.provenance.config}, ${manifest.precision}, decoder graph ${(manifest.graphs.decoder.bytes / 1e6).toFixed(1)} MB).`,
    );
    for (const [name, factory] of backends) {
      const session = await openGraph(source, manifest, 'decoder', factory);
      const times = await measure(session, feeds, RUNS, WARMUP);
      rows.push({
        decoder: kind,
        runtime: name,
        backend: session.backend,
        runs: RUNS,
        p50_ms: percentile(times, 50),
        p95_ms: percentile(times, 95),
        min_ms: Math.min(...times),
      });
      await session.release();
    }
  }
  return {
    title: 'Decoder latency per box, ViT-B decoders (random weights)',
    columns: ['decoder', 'runtime', 'backend', 'runs', 'p50_ms', 'p95_ms', 'min_ms'],
    rows,
    notes: [
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run (2 cores, shared with other work: a load above 2 inflates every time).`,
      ...notes,
      'Model folders are made by bench/vit-b-model.ts with export/ (random weights, seed 0) under out/bench-models (git-ignored), never committed.',
      `One box prompt (N = 2 points), no mask input; ${WARMUP} warm-up runs, then ${RUNS} timed runs of the decoder session alone.`,
      'Target: wasm p50 <= 40 ms on this 2-core machine (SAM ViT-B decoder measured ~74 ms in wasm here).',
      'Per-box pre + post (prompt tensors, logits -> mask) is in bench/results/prepost.md and adds ~2 ms.',
      "The sam rows run under the same load as the robust rows: their ratio is the robust decoder's own extra cost (its Fourier mask-feature block on 32 x 256 x 256 features: DFT matrix products, selective-kernel convolutions, per-image normalisation).",
    ],
  };
}
