import type { QualityRegion } from './region.ts';

/**
 * Noise level in 8-bit grey levels: Immerkær's Laplacian-difference estimate (Immerkær 1996, "Fast
 * noise variance estimation"), made robust. The mask
 *
 *     1 -2  1
 *    -2  4 -2
 *     1 -2  1
 *
 * (the difference of two Laplacians) cancels flat areas, ramps and most of the smooth anatomy; on white
 * Gaussian noise of standard deviation s its response has standard deviation 6 s. Immerkær averages
 * |response|; here the median of |response| is taken instead (s = median / (6 · 0.6745)), which edges
 * and small structures, a minority of the pixels, cannot move. Pixels whose 3 x 3 neighbourhood touches
 * 0 or 255 are left out: there the window has clipped the noise away (air in CT, bone), and clipped
 * areas would read as noise-free. NaN when fewer than 64 pixels are left.
 */
export function noiseLevel(region: QualityRegion): number {
  const { data, rows, columns } = region;
  // |response| <= 16 · 255.
  const histogram = new Uint32Array(16 * 255 + 1);
  let count = 0;
  for (let r = 1; r < rows - 1; r++) {
    const up = (r - 1) * columns;
    const mid = r * columns;
    const down = (r + 1) * columns;
    for (let c = 1; c < columns - 1; c++) {
      const a = data[up + c - 1];
      const b = data[up + c];
      const d = data[up + c + 1];
      const e = data[mid + c - 1];
      const f = data[mid + c];
      const g = data[mid + c + 1];
      const h = data[down + c - 1];
      const i = data[down + c];
      const j = data[down + c + 1];
      // Saturated somewhere in the neighbourhood: min == 0 or max == 255.
      if (
        a === 0 ||
        b === 0 ||
        d === 0 ||
        e === 0 ||
        f === 0 ||
        g === 0 ||
        h === 0 ||
        i === 0 ||
        j === 0 ||
        a === 255 ||
        b === 255 ||
        d === 255 ||
        e === 255 ||
        f === 255 ||
        g === 255 ||
        h === 255 ||
        i === 255 ||
        j === 255
      )
        continue;
      const response = a + d + h + j - 2 * (b + e + g + i) + 4 * f;
      histogram[response < 0 ? -response : response]++;
      count++;
    }
  }
  if (count < 64) return Number.NaN;
  return histogramMedian(histogram, count) / (6 * 0.6745);
}

/** The median of integer values given by their histogram, interpolated within its bin. */
export function histogramMedian(histogram: Uint32Array, count: number): number {
  const half = count / 2;
  let below = 0;
  for (let v = 0; v < histogram.length; v++) {
    const n = histogram[v];
    if (below + n >= half) {
      // The bin [v - 0.5, v + 0.5) holds the median; place it by linear interpolation inside.
      return v - 0.5 + (half - below) / n;
    }
    below += n;
  }
  return histogram.length - 1;
}
