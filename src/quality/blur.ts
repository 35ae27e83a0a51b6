import type { QualityRegion } from './region.ts';

/** Length of the re-blur filter (Crété-Roffet et al. use 9). */
const REBLUR = 9;

/**
 * Blur, 0 (sharp) to 1 (flat): Crété-Roffet, Dolmiere, Ladret and Nicolas's no-reference re-blur
 * measure (2007, "The blur effect: perception and estimation with a new no-reference perceptual blur
 * metric"). The image is blurred again with a 9-tap mean along one axis; a sharp image loses much of
 * its neighbour-to-neighbour variation by that, an already blurred one little. Per axis:
 * b = (S_F - S_V) / S_F, S_F the sum of |I(p) - I(p - 1)| and S_V the sum of the variation lost,
 * max(0, |I(p) - I(p - 1)| - |B(p) - B(p - 1)|); the result is the larger of the two axes' b.
 * NaN when the region has no variation at all.
 */
export function blurLevel(region: QualityRegion): number {
  const vertical = reblurAlong(region, true);
  const horizontal = reblurAlong(region, false);
  if (Number.isNaN(vertical)) return horizontal;
  if (Number.isNaN(horizontal)) return vertical;
  return Math.max(vertical, horizontal);
}

function reblurAlong(region: QualityRegion, vertical: boolean): number {
  const { data, rows, columns } = region;
  const lines = vertical ? columns : rows;
  const length = vertical ? rows : columns;
  const step = vertical ? columns : 1;
  const lineStep = vertical ? 1 : columns;
  if (length < REBLUR + 2) return Number.NaN;
  const half = (REBLUR - 1) / 2;
  const blurred = new Float64Array(length);
  let sumF = 0;
  let sumV = 0;
  for (let line = 0; line < lines; line++) {
    const start = line * lineStep;
    // Running 9-tap mean, the ends replicated.
    let window = 0;
    for (let k = -half; k <= half; k++) window += data[start + clampIndex(k, length) * step];
    for (let p = 0; p < length; p++) {
      blurred[p] = window / REBLUR;
      window +=
        data[start + clampIndex(p + half + 1, length) * step] -
        data[start + clampIndex(p - half, length) * step];
    }
    for (let p = 1; p < length; p++) {
      const dF = Math.abs(data[start + p * step] - data[start + (p - 1) * step]);
      const dB = Math.abs(blurred[p] - blurred[p - 1]);
      sumF += dF;
      if (dF > dB) sumV += dF - dB;
    }
  }
  return sumF > 0 ? (sumF - sumV) / sumF : Number.NaN;
}

function clampIndex(i: number, length: number): number {
  return i < 0 ? 0 : i >= length ? length - 1 : i;
}
