/**
 * int8 encoder against fp32, full-size ViT-B robust model with random weights (bench/vit-b-model.ts:
 * the fp32 folder, and its encoder quantized by `export quantize`; the decoder is the same fp32 graph).
 *
 * 1. Fidelity on the bundled samples (sample-dicom/: CT abdomen, MR brain), onnxruntime-node: for each
 *    chosen slice, the encoder outputs' relative RMS error int8 vs fp32 (image_embeddings,
 *    robust_features), and for each truth structure on it a box (truth bounding box + 5 px, as
 *    `evaluate` makes) segmented with both: mask Dice int8 vs fp32 (target >= 0.98).
 * 2. Encoder time, fp32 vs int8, in onnxruntime-node and onnxruntime-web wasm (2 threads, in Node).
 *
 * BENCH_INT8_SLICES (default 4) slices per sample; BENCH_RUNS (default 3) timed encoder runs each.
 */

import { loadavg } from 'node:os';
import { folderModelSource } from '../src/model/model-folder-node.ts';
import { openGraph, readManifest } from '../src/model/model-loader.ts';
import type { SessionFactory } from '../src/model/session.ts';
import { nodeSessionFactory } from '../src/model/session-node.ts';
import { webSessionFactory } from '../src/model/session-web.ts';
import { BOX_MARGIN } from './fidelity-cases.ts';
import { measure, randomFeeds } from './latency.ts';
import { compareWithFp32, mean } from './precision-fidelity.ts';
import { type BenchReport, percentile, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const SLICES_PER_SAMPLE = Number(process.env.BENCH_INT8_SLICES ?? 4);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function fidelity(fp32Dir: string, int8Dir: string) {
  const { boxes, minutes } = await compareWithFp32(fp32Dir, int8Dir, SLICES_PER_SAMPLE, (line) =>
    console.log(`int8 bench ${line}`),
  );
  const rows: BenchReport['rows'] = boxes.map((b) => ({
    sample: b.sample,
    slice: b.slice,
    structure: b.structure,
    embeddings_rel_rms: b.encoderRelRms.image_embeddings.toFixed(4),
    robust_features_rel_rms: b.encoderRelRms.robust_features?.toFixed(4) ?? '-',
    mask_dice_int8_vs_fp32: b.dice.toFixed(4),
    fp32_dice_vs_truth: b.referenceDiceVsTruth.toFixed(3),
    int8_dice_vs_truth: b.variantDiceVsTruth.toFixed(3),
  }));
  // One entry per slice for the encoder errors (every box of a slice shares them).
  const perSlice = [...new Map(boxes.map((b) => [`${b.sample}/${b.slice}`, b.encoderRelRms])).values()];
  const all = {
    dice: boxes.map((b) => b.dice),
    embeddings: perSlice.map((e) => e.image_embeddings),
    robust: perSlice.flatMap((e) => (e.robust_features === undefined ? [] : [e.robust_features])),
  };
  return { rows, all, minutes };
}

async function encoderTimes(fp32Dir: string, int8Dir: string) {
  const web = await webSessionFactory({ numThreads: 2 });
  const backends: Array<[string, SessionFactory]> = [
    ['onnxruntime-node', nodeSessionFactory()],
    ['onnxruntime-web', web.factory],
  ];
  const rows: BenchReport['rows'] = [];
  for (const [runtime, factory] of backends) {
    for (const [precision, dir] of [
      ['fp32', fp32Dir],
      ['int8', int8Dir],
    ] as const) {
      const source = folderModelSource(dir);
      const manifest = await readManifest(source);
      const session = await openGraph(source, manifest, 'encoder', factory);
      const times = await measure(session, randomFeeds(manifest.graphs.encoder), RUNS, 1);
      await session.release();
      const row = {
        runtime,
        backend: session.backend,
        precision,
        encoder_MB: (manifest.graphs.encoder.bytes / 1e6).toFixed(0),
        runs: RUNS,
        p50_ms: Math.round(percentile(times, 50)),
        min_ms: Math.round(Math.min(...times)),
        max_ms: Math.round(Math.max(...times)),
      };
      console.log(`int8 bench encoder ${JSON.stringify(row)}`);
      rows.push(row);
    }
  }
  return rows;
}

export default async function (): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const fp32Dir = vitBModelFolder('robust', 'matmul');
  const int8Dir = vitBModelFolder('robust', 'matmul', 'int8');
  const int8Manifest = await readManifest(folderModelSource(int8Dir));
  const { rows: fidelityRows, all, minutes: fidelityMinutes } = await fidelity(fp32Dir, int8Dir);
  const loadMid = loadavg()[0];
  const timeRows = await encoderTimes(fp32Dir, int8Dir);
  const speed = (runtime: string) => {
    const [a, b] = ['fp32', 'int8'].map((p) =>
      timeRows.find((r) => r.runtime === runtime && r.precision === p),
    );
    return a && b ? (Number(a.p50_ms) / Number(b.p50_ms)).toFixed(2) : '?';
  };
  const minDice = Math.min(...all.dice);
  const rows: BenchReport['rows'] = [
    ...timeRows.map((r) => ({ part: 'encoder time', ...r })),
    {
      part: 'fidelity summary',
      boxes: all.dice.length,
      mask_dice_mean: mean(all.dice).toFixed(4),
      mask_dice_min: minDice.toFixed(4),
      boxes_below_0_98: all.dice.filter((d) => d < 0.98).length,
      embeddings_rel_rms_mean: mean(all.embeddings).toFixed(4),
      robust_features_rel_rms_mean: all.robust.length ? mean(all.robust).toFixed(4) : '-',
    },
    ...fidelityRows.map((r) => ({ part: 'fidelity', ...r })),
  ];
  return {
    title:
      'int8 encoder vs fp32: fidelity on the bundled samples and encoder time (ViT-B robust, random weights)',
    columns: [
      'part',
      'runtime',
      'backend',
      'precision',
      'encoder_MB',
      'runs',
      'p50_ms',
      'min_ms',
      'max_ms',
      'boxes',
      'mask_dice_mean',
      'mask_dice_min',
      'boxes_below_0_98',
      'embeddings_rel_rms_mean',
      'robust_features_rel_rms_mean',
      'sample',
      'slice',
      'structure',
      'embeddings_rel_rms',
      'robust_features_rel_rms',
      'mask_dice_int8_vs_fp32',
      'fp32_dice_vs_truth',
      'int8_dice_vs_truth',
    ],
    rows,
    notes: [
      `fp32: ${repoPath(fp32Dir)}; int8: ${repoPath(int8Dir)} (\`export quantize\`: ${Object.entries(
        int8Manifest.quantization?.nodes ?? {},
      )
        .map(([op, n]) => `${n} ${op}`)
        .join(
          ', ',
        )} as ${int8Manifest.quantization?.weights} weights and ${int8Manifest.quantization?.activations} activations; decoder fp32, identical).`,
      `Encoder speed-up fp32/int8 (p50): onnxruntime-node ${speed('onnxruntime-node')}x, onnxruntime-web wasm ${speed('onnxruntime-web')}x. One warm-up run, then ${RUNS} timed runs of the encoder session alone on a random image.`,
      `Fidelity: ${SLICES_PER_SAMPLE} slices per sample spread over those with truth, every truth structure on them boxed (bounding box + ${BOX_MARGIN} px); onnxruntime-node, one model at a time (${fidelityMinutes.toFixed(1)} min). Dice vs truth is shown for scale only: with random weights neither mask resembles the organ.`,
      'Target: mask Dice int8 vs fp32 >= 0.98. No fidelity image (a real CT with trained weights) exists in the repository: the samples are the synthetic phantoms, and the weights are random, so these figures bound how much the int8 rounding moves the masks, not how good either mask is.',
      `1-minute load average ${loadBefore.toFixed(1)} before, ${loadMid.toFixed(1)} between the parts and ${loadavg()[0].toFixed(1)} after (2 cores, shared with other work: a load above 2 inflates every time, fp32 and int8 alike).`,
    ],
  };
}
