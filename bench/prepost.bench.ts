/**
 * Pre- and postprocessing cost of the model runtime on a 512 x 512 CT slice, without inference:
 * per box (prompt tensors + logits -> mask on the slice grid, target <= 15 ms) and per slice
 * (8-bit window + the contract's image preprocessing, paid once per slice before the encoder).
 */

import { loadavg } from 'node:os';
import { contractFor } from '../src/model/contract.ts';
import type { ContractName } from '../src/model/manifest.ts';
import { buildDecoderPrompt } from '../src/model/prompts.ts';
import { resolveWindow, windowTo8Bit } from '../src/model/window.ts';
import { timeSync } from './latency.ts';
import { type BenchReport, percentile } from './report.ts';
import { syntheticCtSlice } from './synthetic-slice.ts';

const SIDE = 512;
const BOX_RUNS = 200;
const SLICE_RUNS = 20;

/** Logits shaped like a decoder's: a blob around the box, negative elsewhere. */
function syntheticLogits(): Float32Array {
  const logits = new Float32Array(256 * 256);
  for (let y = 0; y < 256; y++)
    for (let x = 0; x < 256; x++) logits[y * 256 + x] = 8 - Math.hypot(x - 120, y - 130) / 6;
  return logits;
}

export default async function (): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const slice = syntheticCtSlice('1.2.3');
  const logits = syntheticLogits();
  const rows: BenchReport['rows'] = [];
  for (const name of ['sam', 'medsam'] as ContractName[]) {
    const contract = contractFor(name);
    let sink = 0;
    const perBox = timeSync(BOX_RUNS, () => {
      const p = buildDecoderPrompt(
        { box: { x0: 300, y0: 320, x1: 180, y1: 140 } },
        SIDE,
        SIDE,
        contract.toInputFrame(SIDE, SIDE),
      );
      const mask = contract.postprocess(logits, SIDE, SIDE);
      sink += mask[SIDE * 200 + 200] + p.n;
    });
    const perSlice = timeSync(SLICE_RUNS, () => {
      const image = contract.prepareImage(windowTo8Bit(slice, resolveWindow(slice)), SIDE, SIDE);
      sink += image[0];
    });
    rows.push(
      {
        contract: name,
        stage: 'per box: prompt + postprocess',
        runs: BOX_RUNS,
        p50_ms: percentile(perBox, 50),
        p95_ms: percentile(perBox, 95),
      },
      {
        contract: name,
        stage: 'per slice: window + image preprocess',
        runs: SLICE_RUNS,
        p50_ms: percentile(perSlice, 50),
        p95_ms: percentile(perSlice, 95),
      },
    );
    if (Number.isNaN(sink)) throw new Error('unreachable');
  }
  return {
    title: 'Runtime pre- and postprocessing, 512 x 512 slice',
    columns: ['contract', 'stage', 'runs', 'p50_ms', 'p95_ms'],
    rows,
    notes: [
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run (2 cores, shared with other work: a load above 2 inflates every time).`,
      'Target: per-box pre + post <= 15 ms on this 2-core machine (the decoder run itself is in decoder-latency).',
      'Per box: box -> prompt tensors in the 1024 frame, then low-res logits [256x256] -> mask [512x512] (sam: 256->1024, crop, ->512 composed into one separable pass per axis; medsam: sigmoid, ->512).',
      'Per slice: modality values -> 8-bit window -> [1,3,1024,1024] float input; paid once per slice, before the encoder.',
      'Single thread, synthetic slice and logits (timings do not depend on pixel values).',
    ],
  };
}
