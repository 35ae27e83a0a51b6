/**
 * The fidelity cases of the precision benchmarks (int8-encoder, webgpu-fp16): slices of the bundled
 * samples (sample-dicom/: CT abdomen, MR brain) that hold truth, each truth structure on them boxed as
 * `evaluate` boxes it (bounding box + 5 px). No fidelity image (a real CT with trained weights) exists in
 * the repository, so these are the cases a variant is compared with fp32 on.
 */
import { join } from 'node:path';
import { masksForSeries, parseSegmentation } from '../src/dicom/seg-reader.ts';
import { readDicomFile, readSeriesFromDirectory } from '../src/dicom/series-node.ts';
import type { SliceImage } from '../src/dicom/slice-image.ts';
import { boxAroundMask } from '../src/model/mask-box.ts';
import type { Box } from '../src/model/prompts.ts';
import { REPO_ROOT } from '../test/helpers/tools.ts';

export const FIDELITY_SAMPLES = ['ct-abdomen', 'mr-brain'];
/** Pixels added around a truth structure's bounding box, as `evaluate` does. */
export const BOX_MARGIN = 5;

export interface FidelityCase {
  sample: string;
  index: number;
  slice: SliceImage;
  labels: string[];
  truth: Uint8Array[];
}

/** `count` items spread evenly over `items`. */
function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, i) => items[Math.round(((i + 0.5) * items.length) / count - 0.5)]);
}

/** `slicesPerSample` slices of each sample, spread over those holding truth, with their truth masks. */
export function fidelityCases(slicesPerSample: number): FidelityCase[] {
  const cases: FidelityCase[] = [];
  for (const sample of FIDELITY_SAMPLES) {
    const root = join(REPO_ROOT, 'sample-dicom');
    const series = readSeriesFromDirectory(join(root, sample));
    const truth = parseSegmentation(readDicomFile(join(root, `${sample}-truth.seg.dcm`)).bytes, sample);
    const { masks } = masksForSeries(truth, series);
    const pixels = series.geometry.rows * series.geometry.columns;
    const labels = truth.segments.map((s) => s.label);
    const withTruth = series.slices
      .map((slice, index) => ({
        sample,
        slice,
        index,
        labels,
        truth: masks.map((m) => m.subarray(index * pixels, (index + 1) * pixels)),
      }))
      .filter((s) => s.truth.some((m) => m.some((v) => v !== 0)));
    cases.push(...spread(withTruth, slicesPerSample));
  }
  return cases;
}

/** The box of each truth structure on the case's slice (undefined where the structure is absent). */
export const truthBoxes = (item: FidelityCase): Array<Box | undefined> =>
  item.truth.map((mask) => boxAroundMask(mask, item.slice.rows, item.slice.columns, BOX_MARGIN));
