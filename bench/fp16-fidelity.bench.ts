/**
 * The `--precision fp16` folder against fp32, full-size ViT-B robust model with random weights
 * (bench/vit-b-model.ts: the fp32 folder and its fp16 twin, --fft matmul; fp16 stores the encoder's
 * weights as float16, the decoder is the fp32 graph). Both in onnxruntime-node (CPU): the rounding, not
 * the backend, is what moves the masks (WebGPU vs wasm: bench/results/webgpu-fp16.md).
 *
 * Every truth structure on BENCH_FP16_SLICES (default 4) slices per bundled sample, boxed as `evaluate`
 * boxes it: mask Dice fp16 vs fp32 (target >= 0.998), the encoder outputs' relative RMS error, the
 * low-res logits' largest change and how much of the fp32 mask is undecided (|logit| < 0.05).
 */
import { loadavg } from 'node:os';
import { BOX_MARGIN } from './fidelity-cases.ts';
import { compareWithFp32, mean, UNDECIDED_LOGIT } from './precision-fidelity.ts';
import { type BenchReport, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const SLICES_PER_SAMPLE = Number(process.env.BENCH_FP16_SLICES ?? 4);
const DICE_TARGET = 0.998;

export default async function (): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const fp32Dir = vitBModelFolder('robust', 'matmul');
  const fp16Dir = vitBModelFolder('robust', 'matmul', 'fp16');
  const { boxes, minutes } = await compareWithFp32(fp32Dir, fp16Dir, SLICES_PER_SAMPLE, (line) =>
    console.log(`fp16 bench ${line}`),
  );
  const dices = boxes.map((b) => b.dice);
  const below = boxes.filter((b) => b.dice < DICE_TARGET);
  const rows: BenchReport['rows'] = [
    {
      part: 'summary',
      boxes: boxes.length,
      mask_dice_min: Math.min(...dices).toFixed(4),
      mask_dice_mean: mean(dices).toFixed(4),
      boxes_below_target: below.length,
      undecided_pct: `${(100 * Math.min(...boxes.map((b) => b.undecidedShare))).toFixed(1)}-${(100 * Math.max(...boxes.map((b) => b.undecidedShare))).toFixed(1)}`,
    },
    ...boxes.map((b) => ({
      part: 'box',
      sample: b.sample,
      slice: b.slice,
      structure: b.structure,
      mask_dice_fp16_vs_fp32: b.dice.toFixed(4),
      embeddings_rel_rms: b.encoderRelRms.image_embeddings.toExponential(2),
      robust_features_rel_rms: b.encoderRelRms.robust_features?.toExponential(2) ?? '-',
      logits_max_diff: b.logitsMaxDiff.toFixed(3),
      undecided_pct: (100 * b.undecidedShare).toFixed(1),
    })),
  ];
  return {
    title:
      'fp16 model folder vs fp32 on the bundled samples (ViT-B robust, random weights, onnxruntime-node)',
    columns: [
      'part',
      'boxes',
      'mask_dice_min',
      'mask_dice_mean',
      'boxes_below_target',
      'sample',
      'slice',
      'structure',
      'mask_dice_fp16_vs_fp32',
      'embeddings_rel_rms',
      'robust_features_rel_rms',
      'logits_max_diff',
      'undecided_pct',
    ],
    rows,
    notes: [
      `fp32: ${repoPath(fp32Dir)}; fp16: ${repoPath(fp16Dir)} (export/, random weights seed 0, --fft matmul; the encoder's weights stored as float16 and cast to float32, the decoder the fp32 graph).`,
      `Target: mask Dice fp16 vs fp32 >= ${DICE_TARGET}. ${below.length} of ${boxes.length} boxes below it${below.length ? `: ${below.map((b) => `${b.sample} slice ${b.slice} ${b.structure} ${b.dice.toFixed(4)}`).join('; ')}` : ''}.`,
      `Cases: ${SLICES_PER_SAMPLE} slices per sample spread over those with truth, every truth structure boxed (bounding box + ${BOX_MARGIN} px); onnxruntime-node, one folder at a time (${minutes.toFixed(1)} min).`,
      `undecided_pct: share of the fp32 low-res mask whose logits lie within ${UNDECIDED_LOGIT} of 0, where any rounding may flip a pixel: random weights give flat logits, so a small change moves much of the boundary. How steep trained weights' logits are is not measured here (no real checkpoint).`,
      `1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after (2 cores).`,
    ],
  };
}
