/**
 * How far a reduced-precision model folder (int8, fp16) moves the masks of its fp32 twin, on the
 * fidelity cases (bench/fidelity-cases.ts): each folder's encoder and decoder in onnxruntime-node, one
 * folder at a time (two ViT-B sessions side by side need many GB), every truth structure boxed.
 * Used by the int8-encoder and fp16-fidelity benchmarks.
 */
import { loadModelFolder } from '../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../src/model/model-segmenter.ts';
import { dice } from '../src/robustness/metrics.ts';
import { relRms } from '../test/helpers/rel-rms.ts';
import { type FidelityCase, fidelityCases, truthBoxes } from './fidelity-cases.ts';
import { repoPath } from './report.ts';

/**
 * A low-res logit this close to 0 is "undecided": the mask's boundary runs through such pixels, and
 * any rounding may flip them. The share of the fp32 mask made of them says how steep the logits are.
 */
export const UNDECIDED_LOGIT = 0.05;

export interface BoxComparison {
  sample: string;
  slice: number;
  structure: string;
  /** Mask Dice, variant vs fp32, on the slice grid. */
  dice: number;
  /** Relative RMS error of each encoder output, variant vs fp32, on this slice. */
  encoderRelRms: Record<string, number>;
  /** max |low-res logit difference|, variant vs fp32. */
  logitsMaxDiff: number;
  /** Share of the fp32 low-res mask whose logits lie within UNDECIDED_LOGIT of 0. */
  undecidedShare: number;
  referenceDiceVsTruth: number;
  variantDiceVsTruth: number;
}

interface FolderRun {
  tensors: Record<string, Float32Array>;
  boxes: Array<{ mask: Uint8Array; logits: Float32Array } | null>;
}

async function runFolder(dir: string, cases: FidelityCase[], log: (line: string) => void) {
  const segmenter = new ModelSegmenter(await loadModelFolder(dir));
  const runs: FolderRun[] = [];
  try {
    for (const item of cases) {
      const encoded = await segmenter.encoderOutputs(item.slice);
      const tensors: Record<string, Float32Array> = {};
      for (const [name, t] of Object.entries(encoded.tensors)) tensors[name] = Float32Array.from(t.data);
      const boxes: FolderRun['boxes'] = [];
      for (const box of truthBoxes(item)) {
        const result = box ? await segmenter.segment(item.slice, { box }) : null;
        boxes.push(result && { mask: result.mask, logits: result.lowResLogits });
      }
      runs.push({ tensors, boxes });
      log(`${repoPath(dir)}: ${item.sample} slice ${item.index} done`);
    }
  } finally {
    await segmenter.dispose();
  }
  return runs;
}

function logitStats(reference: Float32Array, variant: Float32Array) {
  let maxDiff = 0;
  let positive = 0;
  let undecided = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(reference[i] - variant[i]));
    if (reference[i] > 0) {
      positive++;
      if (reference[i] < UNDECIDED_LOGIT) undecided++;
    } else if (reference[i] > -UNDECIDED_LOGIT) undecided++;
  }
  return { maxDiff, undecidedShare: positive ? undecided / positive : 0 };
}

/** Every truth box of `slicesPerSample` slices per sample, segmented by both folders. */
export async function compareWithFp32(
  fp32Dir: string,
  variantDir: string,
  slicesPerSample: number,
  log: (line: string) => void = console.log,
): Promise<{ boxes: BoxComparison[]; minutes: number }> {
  const started = performance.now();
  const cases = fidelityCases(slicesPerSample);
  const reference = await runFolder(fp32Dir, cases, log);
  const variant = await runFolder(variantDir, cases, log);
  const boxes: BoxComparison[] = [];
  for (const [c, item] of cases.entries()) {
    const [a, b] = [reference[c], variant[c]];
    const encoderRelRms: Record<string, number> = {};
    for (const name of Object.keys(a.tensors)) encoderRelRms[name] = relRms(a.tensors[name], b.tensors[name]);
    for (const [s, truth] of item.truth.entries()) {
      const [ra, rb] = [a.boxes[s], b.boxes[s]];
      if (!ra || !rb) continue;
      const logits = logitStats(ra.logits, rb.logits);
      boxes.push({
        sample: item.sample,
        slice: item.index,
        structure: item.labels[s],
        dice: dice(ra.mask, rb.mask),
        encoderRelRms,
        logitsMaxDiff: logits.maxDiff,
        undecidedShare: logits.undecidedShare,
        referenceDiceVsTruth: dice(truth, ra.mask),
        variantDiceVsTruth: dice(truth, rb.mask),
      });
    }
  }
  return { boxes, minutes: (performance.now() - started) / 60_000 };
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
