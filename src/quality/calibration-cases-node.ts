import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { masksForSeries, parseSegmentation } from '../dicom/seg-reader.ts';
import { readSeriesFromDirectory } from '../dicom/series-node.ts';
import type { SliceImage } from '../dicom/slice-image.ts';
import { boxAroundMask } from '../model/mask-box.ts';
import type { Box } from '../model/prompts.ts';
import type { Severity } from '../robustness/catalogue.ts';
import { degradeSlice } from '../robustness/degrade-slice.ts';

/**
 * The cases the quality estimate is calibrated and tested on: slices of the bundled samples with
 * organs on them, one box per truth structure (its bounding box plus 5 pixels, as `evaluate` draws
 * them), each slice clean and through our own corruptions (src/robustness, the exact functions).
 */

export const QUALITY_DEGRADATIONS = ['gauss_noise', 'gaussian_blur', 'step_motion'] as const;
export type QualityDegradation = (typeof QUALITY_DEGRADATIONS)[number];

export interface SampleSlices {
  sample: 'ct-abdomen' | 'mr-brain';
  index: number;
  slice: SliceImage;
  boxes: Box[];
}

/** The chosen slices of a bundled sample (under `samplesDir`), with a box per structure on each. */
export function sampleSlices(
  samplesDir: string,
  sample: SampleSlices['sample'],
  indices: number[],
): SampleSlices[] {
  const series = readSeriesFromDirectory(join(samplesDir, sample));
  const truthPath = join(samplesDir, `${sample}-truth.seg.dcm`);
  const { masks } = masksForSeries(parseSegmentation(readFileSync(truthPath), truthPath), series);
  const pixels = series.geometry.rows * series.geometry.columns;
  return indices.map((index) => {
    const slice = series.slices[index];
    const boxes = masks
      .map((m) =>
        boxAroundMask(m.subarray(index * pixels, (index + 1) * pixels), slice.rows, slice.columns, 5),
      )
      .filter((b): b is Box => b !== undefined);
    return { sample, index, slice, boxes };
  });
}

/** The slice through one degradation (severity 0: the clean slice). */
export function degraded(
  item: SampleSlices,
  degradation: QualityDegradation,
  severity: 0 | Severity,
  seed: number,
): SliceImage {
  if (severity === 0) return item.slice;
  return degradeSlice(item.slice, { name: degradation, severity, seed, sliceIndex: item.index }).slice;
}
