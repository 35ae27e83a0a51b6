/**
 * Overlap and surface metrics between two binary masks on one slice grid (nonzero = inside).
 *
 * Conventions (MONAI / DeepMind surface-distance, in millimetres from PixelSpacing):
 * - Surface: the inside pixels with at least one 4-neighbour outside the mask or outside the image;
 *   a pixel is a point at its centre, distances are Euclidean in mm with the row and column spacing.
 * - HD95: max of the two directed 95th percentiles (surface of A to surface of B, and back), percentile
 *   by linear interpolation between order statistics (numpy's default).
 * - NSD (normalised surface Dice, Nikolov et al. 2021): the fraction of both surfaces' points lying
 *   within `toleranceMm` of the other surface.
 * Empty masks:
 * - both empty: Dice 1, IoU 1, HD95 0, NSD 1 (the prediction is exactly right);
 * - exactly one empty: Dice 0, IoU 0, HD95 +Infinity (no surface to measure to; JSON writes it as
 *   null, CSV as "inf"), NSD 0.
 */

import { percentile } from '../model/percentile.ts';

export interface MaskGrid {
  rows: number;
  columns: number;
  /** [row spacing, column spacing] in mm, PixelSpacing order. */
  pixelSpacing: [number, number];
}

export interface MaskMetrics {
  dice: number;
  iou: number;
  /** 95% Hausdorff distance in mm; Infinity when exactly one mask is empty. */
  hd95: number;
  /** Normalised surface distance (surface Dice) at `toleranceMm`, in [0, 1]. */
  nsd: number;
  truthArea: number;
  predictedArea: number;
}

/** Tolerance of the surface Dice when the caller gives none: 2 mm, a common organ-level tolerance. */
export const DEFAULT_NSD_TOLERANCE_MM = 2;

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new RangeError(`masks differ in size: ${a.length} and ${b.length} pixels`);
  }
}

function overlapCounts(a: ArrayLike<number>, b: ArrayLike<number>) {
  checkSameLength(a, b);
  let areaA = 0;
  let areaB = 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) {
    const inA = a[i] !== 0;
    const inB = b[i] !== 0;
    if (inA) areaA++;
    if (inB) areaB++;
    if (inA && inB) both++;
  }
  return { areaA, areaB, both };
}

/** Dice = 2|A∩B| / (|A| + |B|); 1 when both masks are empty. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { areaA, areaB, both } = overlapCounts(a, b);
  return areaA + areaB === 0 ? 1 : (2 * both) / (areaA + areaB);
}

/** IoU (Jaccard) = |A∩B| / |A∪B|; 1 when both masks are empty. */
export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { areaA, areaB, both } = overlapCounts(a, b);
  const union = areaA + areaB - both;
  return union === 0 ? 1 : both / union;
}

function checkGrid(grid: MaskGrid, mask: ArrayLike<number>): void {
  if (mask.length !== grid.rows * grid.columns) {
    throw new RangeError(`mask has ${mask.length} pixels; the grid is ${grid.rows}x${grid.columns}`);
  }
  const [dy, dx] = grid.pixelSpacing;
  if (!(dy > 0 && dx > 0)) throw new RangeError(`pixel spacing must be positive, got ${dy}\\${dx}`);
}

/** Indices of the surface pixels of `mask` (see the module comment). */
export function surfacePixels(mask: ArrayLike<number>, grid: MaskGrid): number[] {
  const { rows, columns } = grid;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      if (mask[i] === 0) continue;
      if (
        r === 0 ||
        c === 0 ||
        r === rows - 1 ||
        c === columns - 1 ||
        mask[i - 1] === 0 ||
        mask[i + 1] === 0 ||
        mask[i - columns] === 0 ||
        mask[i + columns] === 0
      ) {
        out.push(i);
      }
    }
  }
  return out;
}

/**
 * Exact squared Euclidean distance (mm²) from every pixel to the nearest of `sites`, by the separable
 * lower-envelope algorithm of Felzenszwalb and Huttenlocher (2012), which handles anisotropic spacing
 * by weighting each axis.
 */
function squaredDistanceToSites(sites: number[], grid: MaskGrid): Float64Array {
  const { rows, columns } = grid;
  const [dy, dx] = grid.pixelSpacing;
  const field = new Float64Array(rows * columns).fill(Number.POSITIVE_INFINITY);
  for (const i of sites) field[i] = 0;
  const longest = Math.max(rows, columns);
  const f = new Float64Array(longest);
  const d = new Float64Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  const pass = (n: number, w2: number) => {
    // 1-D transform of f[0..n) into d[0..n): d(q) = min_p f(p) + w2 (q - p)^2.
    let k = 0;
    let first = -1;
    for (let q = 0; q < n; q++) {
      if (f[q] !== Number.POSITIVE_INFINITY) {
        first = q;
        break;
      }
    }
    if (first < 0) {
      d.fill(Number.POSITIVE_INFINITY, 0, n);
      return;
    }
    v[0] = first;
    z[0] = Number.NEGATIVE_INFINITY;
    z[1] = Number.POSITIVE_INFINITY;
    for (let q = first + 1; q < n; q++) {
      if (f[q] === Number.POSITIVE_INFINITY) continue;
      // Pop parabolas hidden by the new one; z[0] = -Infinity stops the loop at the first.
      let p = v[k];
      let s = (f[q] + w2 * q * q - (f[p] + w2 * p * p)) / (2 * w2 * (q - p));
      while (s <= z[k]) {
        k--;
        p = v[k];
        s = (f[q] + w2 * q * q - (f[p] + w2 * p * p)) / (2 * w2 * (q - p));
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Number.POSITIVE_INFINITY;
    }
    k = 0;
    for (let q = 0; q < n; q++) {
      while (z[k + 1] < q) k++;
      const p = v[k];
      d[q] = w2 * (q - p) * (q - p) + f[p];
    }
  };
  for (let c = 0; c < columns; c++) {
    for (let r = 0; r < rows; r++) f[r] = field[r * columns + c];
    pass(rows, dy * dy);
    for (let r = 0; r < rows; r++) field[r * columns + c] = d[r];
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) f[c] = field[r * columns + c];
    pass(columns, dx * dx);
    for (let c = 0; c < columns; c++) field[r * columns + c] = d[c];
  }
  return field;
}

/** Distances (mm) from each surface pixel of `from` to the surface of `to`. */
function directedSurfaceDistances(from: number[], to: number[], grid: MaskGrid): Float64Array {
  const field = squaredDistanceToSites(to, grid);
  const out = new Float64Array(from.length);
  for (let j = 0; j < from.length; j++) out[j] = Math.sqrt(field[from[j]]);
  return out;
}

/** The median (mean of the middle two for an even count; NaN for none): Dice summaries everywhere. */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

/** 95% Hausdorff distance in mm (see the module comment for the empty cases). */
export function hausdorff95(a: ArrayLike<number>, b: ArrayLike<number>, grid: MaskGrid): number {
  return surfaceMetrics(a, b, grid, DEFAULT_NSD_TOLERANCE_MM).hd95;
}

/** Normalised surface distance (surface Dice) at `toleranceMm`. */
export function normalisedSurfaceDistance(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  grid: MaskGrid,
  toleranceMm = DEFAULT_NSD_TOLERANCE_MM,
): number {
  return surfaceMetrics(a, b, grid, toleranceMm).nsd;
}

function surfaceMetrics(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  grid: MaskGrid,
  toleranceMm: number,
): { hd95: number; nsd: number } {
  checkGrid(grid, a);
  checkGrid(grid, b);
  if (!(toleranceMm >= 0)) throw new RangeError(`NSD tolerance must be >= 0 mm, got ${toleranceMm}`);
  const surfaceA = surfacePixels(a, grid);
  const surfaceB = surfacePixels(b, grid);
  if (surfaceA.length === 0 && surfaceB.length === 0) return { hd95: 0, nsd: 1 };
  if (surfaceA.length === 0 || surfaceB.length === 0) return { hd95: Number.POSITIVE_INFINITY, nsd: 0 };
  const ab = directedSurfaceDistances(surfaceA, surfaceB, grid);
  const ba = directedSurfaceDistances(surfaceB, surfaceA, grid);
  const hd95 = Math.max(percentile(ab, 95), percentile(ba, 95));
  // A small epsilon so that a distance equal to the tolerance (up to float error) counts as within it.
  const limit = toleranceMm + 1e-9;
  let within = 0;
  for (const distance of ab) if (distance <= limit) within++;
  for (const distance of ba) if (distance <= limit) within++;
  return { hd95, nsd: within / (ab.length + ba.length) };
}

/** Every metric at once, truth first (the order only matters for the areas reported). */
export function compareMasks(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  grid: MaskGrid,
  toleranceMm = DEFAULT_NSD_TOLERANCE_MM,
): MaskMetrics {
  const { areaA, areaB, both } = overlapCounts(truth, predicted);
  const union = areaA + areaB - both;
  const { hd95, nsd } = surfaceMetrics(truth, predicted, grid, toleranceMm);
  return {
    dice: areaA + areaB === 0 ? 1 : (2 * both) / (areaA + areaB),
    iou: union === 0 ? 1 : both / union,
    hd95,
    nsd,
    truthArea: areaA,
    predictedArea: areaB,
  };
}
