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
import { folderModelSource, loadModelFolder } from '../src/model/model-folder-node.ts';
import { openGraph, readManifest } from '../src/model/model-loader.ts';
import { ModelSegmenter } from '../src/model/model-segmenter.ts';
import type { SessionFactory } from '../src/model/session.ts';
import { nodeSessionFactory } from '../src/model/session-node.ts';
import { webSessionFactory } from '../src/model/session-web.ts';
import { dice } from '../src/robustness/metrics.ts';
import { relRms } from '../test/helpers/rel-rms.ts';
import { BOX_MARGIN, type FidelityCase, fidelityCases, truthBoxes } from './fidelity-cases.ts';
import { measure, randomFeeds } from './latency.ts';
import { type BenchReport, percentile, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const SLICES_PER_SAMPLE = Number(process.env.BENCH_INT8_SLICES ?? 4);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** One model at a time (two ViT-B sessions side by side need many GB): encoder outputs and masks. */
async function runCases(dir: string, cases: FidelityCase[]) {
  const segmenter = new ModelSegmenter(await loadModelFolder(dir));
  const results: Array<{ tensors: Record<string, Float32Array>; masks: Array<Uint8Array | null> }> = [];
  try {
    for (const item of cases) {
      const encoded = await segmenter.encoderOutputs(item.slice);
      const tensors: Record<string, Float32Array> = {};
      for (const [name, t] of Object.entries(encoded.tensors)) tensors[name] = Float32Array.from(t.data);
      const masks: Array<Uint8Array | null> = [];
      for (const box of truthBoxes(item)) {
        masks.push(box ? (await segmenter.segment(item.slice, { box })).mask : null);
      }
      results.push({ tensors, masks });
      console.log(`int8 bench ${repoPath(dir)}: ${item.sample} slice ${item.index} done`);
    }
  } finally {
    await segmenter.dispose();
  }
  return results;
}

async function fidelity(fp32Dir: string, int8Dir: string) {
  const cases = fidelityCases(SLICES_PER_SAMPLE);
  const full = await runCases(fp32Dir, cases);
  const int8 = await runCases(int8Dir, cases);
  const rows: BenchReport['rows'] = [];
  const all = { dice: [] as number[], embeddings: [] as number[], robust: [] as number[] };
  for (const [c, item] of cases.entries()) {
    const [a, b] = [full[c], int8[c]];
    const errors: Record<string, number> = {};
    for (const name of Object.keys(a.tensors)) errors[name] = relRms(a.tensors[name], b.tensors[name]);
    all.embeddings.push(errors.image_embeddings);
    if (errors.robust_features !== undefined) all.robust.push(errors.robust_features);
    for (const [s, truthMask] of item.truth.entries()) {
      const [ma, mb] = [a.masks[s], b.masks[s]];
      if (!ma || !mb) continue;
      const d = dice(ma, mb);
      all.dice.push(d);
      rows.push({
        sample: item.sample,
        slice: item.index,
        structure: item.labels[s],
        embeddings_rel_rms: errors.image_embeddings.toFixed(4),
        robust_features_rel_rms: errors.robust_features?.toFixed(4) ?? '-',
        mask_dice_int8_vs_fp32: d.toFixed(4),
        fp32_dice_vs_truth: dice(truthMask, ma).toFixed(3),
        int8_dice_vs_truth: dice(truthMask, mb).toFixed(3),
      });
    }
  }
  return { rows, all };
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
  const started = performance.now();
  const { rows: fidelityRows, all } = await fidelity(fp32Dir, int8Dir);
  const fidelityMinutes = (performance.now() - started) / 60_000;
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
