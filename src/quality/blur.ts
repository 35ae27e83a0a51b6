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

/**
 * One axis. The 9-tap running mean B needs no buffer: B(p) - B(p - 1) = (I(p + 4) - I(p - 5)) / 9, the
 * indices clamped to the line (ends replicated). Lines are walked row by row on both axes, so memory is
 * read in order.
 */
function reblurAlong(region: QualityRegion, vertical: boolean): number {
  const { data, rows, columns } = region;
  const length = vertical ? rows : columns;
  if (length < REBLUR + 2) return Number.NaN;
  const half = (REBLUR - 1) / 2;
  let sumF = 0;
  // Sums of 9 x the lost variation, in integers.
  let sumV9 = 0;
  if (vertical) {
    for (let r = 1; r < rows; r++) {
      const here = r * columns;
      const before = here - columns;
      const ahead = Math.min(r + half, rows - 1) * columns;
      const behind = Math.max(r - half - 1, 0) * columns;
      for (let c = 0; c < columns; c++) {
        const dF = Math.abs(data[here + c] - data[before + c]);
        const dB9 = Math.abs(data[ahead + c] - data[behind + c]);
        sumF += dF;
        const lost = REBLUR * dF - dB9;
        if (lost > 0) sumV9 += lost;
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const line = r * columns;
      for (let p = 1; p < columns; p++) {
        const dF = Math.abs(data[line + p] - data[line + p - 1]);
        const dB9 = Math.abs(
          data[line + Math.min(p + half, columns - 1)] - data[line + Math.max(p - half - 1, 0)],
        );
        sumF += dF;
        const lost = REBLUR * dF - dB9;
        if (lost > 0) sumV9 += lost;
      }
    }
  }
  return sumF > 0 ? (sumF - sumV9 / REBLUR) / sumF : Number.NaN;
}
