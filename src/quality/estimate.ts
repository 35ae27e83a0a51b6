import type { SliceImage } from '../dicom/slice-image.ts';
import type { Box } from '../model/prompts.ts';
import type { Window } from '../model/segmenter.ts';
import { blurLevel } from './blur.ts';
import { QUALITY_THRESHOLDS, type QualityMeasure, WARNING_SEVERITY } from './calibration.ts';
import { ghostingLevel } from './ghosting.ts';
import { noiseLevel } from './noise.ts';
import { boxStrips, qualityRegion } from './region.ts';
import { severityOf } from './severity.ts';

/** One measure: its raw value (null where it cannot be measured) and its severity 0-5. */
export interface QualityScore {
  value: number | null;
  severity: number;
}

export interface QualityWarning {
  degradation: QualityMeasure;
  /** Estimated severity, 3-5 (on the 1-5 scale of src/robustness). */
  severity: number;
  message: string;
}

export interface ImageQuality {
  /** Noise standard deviation in 8-bit grey levels of the model's window. */
  noise: QualityScore;
  /** Crété-Roffet re-blur measure, 0 sharp to 1 flat. */
  blur: QualityScore;
  /** Streak level along one axis over the other, in 8-bit grey levels. */
  ghosting: QualityScore;
  /** The worst measure above severity 2, when there is one. */
  warning?: QualityWarning;
}

export interface QualityOptions {
  /** The window the model uses (default: the modality's, as src/model/window.ts resolves it). */
  window?: Window;
}

/** Regions smaller than this a side (the slice is that small) are not measured. */
export const MIN_MEASURABLE_SIDE = 32;

/** How each degradation is named to a user: "the image looks …". */
export const DEGRADATION_WORDS: Record<QualityMeasure, string> = {
  noise: 'noisy',
  blur: 'blurred',
  ghosting: 'motion-ghosted',
};

/**
 * How degraded the slice looks around the box, with no model: noise, blur and motion ghosting, each
 * with a severity on the 1-5 scale of our own corruptions (src/robustness), calibrated so that the
 * same severity means the same on CT and MR (src/quality/calibration.ts). Measured on the slice's
 * modality values windowed to 8 bits exactly as the model sees them.
 */
export function estimateImageQuality(
  slice: SliceImage,
  box: Box,
  options: QualityOptions = {},
): ImageQuality {
  const region = qualityRegion(slice, box, { window: options.window });
  // Too small to say anything about (a thumbnail or a scout): nothing is measured, nothing warns.
  const measurable = region.rows >= MIN_MEASURABLE_SIDE && region.columns >= MIN_MEASURABLE_SIDE;
  const values: Record<QualityMeasure, number> = measurable
    ? {
        noise: noiseLevel(region),
        blur: blurLevel(region),
        ghosting: ghostingLevel(boxStrips(slice, box, region.window)),
      }
    : { noise: Number.NaN, blur: Number.NaN, ghosting: Number.NaN };
  const score = (measure: QualityMeasure): QualityScore => ({
    value: Number.isNaN(values[measure]) ? null : values[measure],
    severity: severityOf(values[measure], QUALITY_THRESHOLDS[measure]),
  });
  const result: ImageQuality = { noise: score('noise'), blur: score('blur'), ghosting: score('ghosting') };
  let worst: QualityMeasure | undefined;
  for (const measure of ['noise', 'blur', 'ghosting'] as const) {
    if (
      result[measure].severity >= WARNING_SEVERITY &&
      (!worst || result[measure].severity > result[worst].severity)
    )
      worst = measure;
  }
  if (worst) {
    const severity = result[worst].severity;
    result.warning = {
      degradation: worst,
      severity,
      message: `The image around the box looks ${DEGRADATION_WORDS[worst]} (about severity ${severity} of 5); check the mask with care.`,
    };
  }
  return result;
}
