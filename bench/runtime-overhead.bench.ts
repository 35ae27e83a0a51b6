/**
 * The runtime's overhead around the encoder: what ModelSegmenter.encode spends besides the encoder
 * session run itself (8-bit window, contract preprocessing to the [1,3,1024,1024] input, output checks,
 * cache insertion), as a share of the encoder run. Full-size ViT-B random-weight encoder on
 * onnxruntime-node, 512 x 512 CT slice. Target: overhead <= 10% of the encoder run.
 */

import { loadavg } from 'node:os';
import { loadModelFolder } from '../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../src/model/model-segmenter.ts';
import type { ModelSession } from '../src/model/session.ts';
import { type BenchReport, percentile, repoPath } from './report.ts';
import { syntheticCtSlice } from './synthetic-slice.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Times the session's own run calls, so that the rest of encode() is the overhead. */
function timed(session: ModelSession, sink: number[]): ModelSession {
  return {
    ...session,
    run: async (feeds) => {
      const t = performance.now();
      const out = await session.run(feeds);
      sink.push(performance.now() - t);
      return out;
    },
  };
}

export default async function (): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const folder = vitBModelFolder('robust');
  const model = await loadModelFolder(folder);
  const encoderTimes: number[] = [];
  const segmenter = new ModelSegmenter({ ...model, encoder: timed(model.encoder, encoderTimes) });
  await segmenter.encode(syntheticCtSlice('warm-up')); // first run: onnxruntime allocations and JIT
  encoderTimes.length = 0;
  const totals: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await segmenter.encode(syntheticCtSlice(`bench.${i}`));
    totals.push(performance.now() - t);
  }
  await segmenter.dispose();
  const overheads = totals.map((t, i) => t - encoderTimes[i]);
  const shares = overheads.map((o, i) => (100 * o) / encoderTimes[i]);
  return {
    title: 'Runtime overhead around the encoder run (ViT-B, onnxruntime-node, 512 x 512 CT)',
    columns: ['measure', 'runs', 'p50', 'max'],
    rows: [
      { measure: 'encode() total, ms', runs: RUNS, p50: percentile(totals, 50), max: Math.max(...totals) },
      {
        measure: 'encoder session run, ms',
        runs: RUNS,
        p50: percentile(encoderTimes, 50),
        max: Math.max(...encoderTimes),
      },
      { measure: 'overhead, ms', runs: RUNS, p50: percentile(overheads, 50), max: Math.max(...overheads) },
      {
        measure: 'overhead, % of encoder run',
        runs: RUNS,
        p50: percentile(shares, 50),
        max: Math.max(...shares),
      },
    ],
    notes: [
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run (2 cores, shared with other work: a load above 2 inflates every time).`,
      `Model folder: ${repoPath(folder)} (${model.manifest.provenance.config}, encoder ${(model.manifest.graphs.encoder.bytes / 1e6).toFixed(0)} MB, contract ${model.manifest.contract}); made by bench/vit-b-model.ts with export/ (random weights), never committed.`,
      'Overhead = encode() wall time - encoder session run: 8-bit window, contract preprocessing (512 -> 1024 antialiased resize, normalisation, padding), output shape checks, embedding cache insertion. Each run is a new slice (cache miss); one warm-up run first.',
      'Target: overhead <= 10% of the encoder run. onnxruntime-web wasm encoder runs (15-25 s each here) are not repeated here: the overhead does not depend on the backend.',
    ],
  };
}
