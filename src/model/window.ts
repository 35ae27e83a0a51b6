import type { SliceImage } from '../dicom/slice-image.ts';
import { InputError } from '../errors.ts';
import { percentileOfSorted } from './percentile.ts';
import type { Window } from './segmenter.ts';

/** MedSAM's abdomen window, the CT default (HU). */
export const CT_DEFAULT_WINDOW: Window = { low: -160, high: 240 };

/** MR (and any modality without a fixed unit): these percentiles of the non-zero pixels, as MedSAM does. */
export const MR_PERCENTILES: [number, number] = [0.5, 99.5];

/**
 * The window the model sees for this slice: the caller's if given, CT's fixed HU window, else the
 * MR percentile window computed from the slice itself (so it is deterministic per slice and can key a cache).
 */
export function resolveWindow(slice: SliceImage, requested?: Window): Window {
  if (requested) {
    if (
      !Number.isFinite(requested.low) ||
      !Number.isFinite(requested.high) ||
      requested.high <= requested.low
    ) {
      throw new InputError(
        'invalid-window',
        `Window [${requested.low}, ${requested.high}] is not a window: its high end must be above its low end.`,
        'Pass a window as low,high in modality units (HU for CT), e.g. -160,240.',
      );
    }
    return requested;
  }
  if (slice.modality.trim().toUpperCase() === 'CT') return CT_DEFAULT_WINDOW;
  return percentileWindow(slice.values, MR_PERCENTILES[0], MR_PERCENTILES[1]);
}

/**
 * Percentiles of the non-zero values with NumPy's default (linear) interpolation. An image without
 * non-zero pixels gets [0, 0], which windows every pixel to 0.
 */
export function percentileWindow(values: Float32Array, lowPercent: number, highPercent: number): Window {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0 && !Number.isNaN(values[i])) count++;
  if (count === 0) return { low: 0, high: 0 };
  const nonZero = new Float32Array(count);
  let k = 0;
  for (let i = 0; i < values.length; i++)
    if (values[i] !== 0 && !Number.isNaN(values[i])) nonZero[k++] = values[i];
  nonZero.sort();
  return { low: percentileOfSorted(nonZero, lowPercent), high: percentileOfSorted(nonZero, highPercent) };
}

/**
 * Modality values -> 8 bits: floor((clip(v, low, high) - low) / (high - low) * 255), MedSAM's uint8
 * truncation. MONOCHROME1 is inverted after windowing so that bright still means dense to the model.
 */
export function windowTo8Bit(slice: SliceImage, window: Window): Uint8Array {
  const { values } = slice;
  const out = new Uint8Array(values.length);
  const span = window.high - window.low;
  const invert = slice.photometric === 'MONOCHROME1';
  if (span > 0) {
    // Same operation order as the reference ((v - low) / span * 255, in doubles), so that the floor
    // lands on the same integer at exact boundaries.
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const clipped = v < window.low ? window.low : Math.min(v, window.high);
      out[i] = Math.floor(((clipped - window.low) / span) * 255);
    }
  }
  if (invert) for (let i = 0; i < out.length; i++) out[i] = 255 - out[i];
  return out;
}
