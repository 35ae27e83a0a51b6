import { masksForSeries, type ParsedSegmentation, parseSegmentation } from '../dicom/seg-reader.ts';
import type { DicomFileBytes, Series } from '../dicom/series.ts';
import { InputError } from '../errors.ts';
import type { EvaluationSlice } from './evaluation.ts';

/** A series, its truth SEG, and the slices (with truth) an evaluation runs on.  */
export interface EvaluationInput {
  series: Series;
  truth: ParsedSegmentation;
  /** Segment labels of the truth, in SegmentSequence order. */
  structures: string[];
  slices: EvaluationSlice[];
  /** How many (slice, structure) pairs hold truth: the number of boxes to segment. */
  boxes: number;
}

/** The truth SEG read onto `series`, and the slices (all with truth, or the wanted ones) to evaluate. */
export function loadEvaluationInput(
  series: Series,
  truthFile: DicomFileBytes,
  wantedSlices?: number[],
): EvaluationInput {
  const truth = parseSegmentation(truthFile.bytes, truthFile.name);
  const { masks } = masksForSeries(truth, series);
  const count = series.slices.length;
  if (wantedSlices) {
    const outside = wantedSlices.filter((i) => i < 0 || i >= count);
    if (outside.length) {
      throw new InputError(
        'slice-out-of-range',
        `--slices names ${outside.join(', ')}, but the series has ${count} slices (0 to ${count - 1}).`,
      );
    }
  }
  const pixels = series.geometry.rows * series.geometry.columns;
  const slices: EvaluationSlice[] = [];
  let boxes = 0;
  series.slices.forEach((slice, index) => {
    if (wantedSlices && !wantedSlices.includes(index)) return;
    const sliceTruth = masks.map((m) => m.subarray(index * pixels, (index + 1) * pixels));
    const present = sliceTruth.filter((m) => m.some((v) => v !== 0)).length;
    if (present === 0) return;
    boxes += present;
    slices.push({ index, slice, truth: sliceTruth });
  });
  if (boxes === 0) {
    throw new InputError(
      'no-truth',
      `${truthFile.name} marks no pixel on the chosen slices: nothing to evaluate.`,
    );
  }
  return { series, truth, structures: truth.segments.map((s) => s.label), slices, boxes };
}
