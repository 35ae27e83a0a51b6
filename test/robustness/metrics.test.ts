import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/model/percentile.ts';
import {
  compareMasks,
  dice,
  hausdorff95,
  iou,
  type MaskGrid,
  normalisedSurfaceDistance,
  surfacePixels,
} from '../../src/robustness/metrics.ts';
import { Rng } from '../../src/robustness/random.ts';

function rectMask(grid: MaskGrid, r0: number, c0: number, r1: number, c1: number): Uint8Array {
  const mask = new Uint8Array(grid.rows * grid.columns);
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) mask[r * grid.columns + c] = 1;
  return mask;
}

/** Brute force over all surface pairs: the definition, with no distance transform. */
function bruteForce(a: Uint8Array, b: Uint8Array, grid: MaskGrid, tolerance: number) {
  const sa = surfacePixels(a, grid);
  const sb = surfacePixels(b, grid);
  const [dy, dx] = grid.pixelSpacing;
  const directed = (from: number[], to: number[]) =>
    Float64Array.from(from, (i) => {
      let best = Number.POSITIVE_INFINITY;
      for (const j of to) {
        const ry = (Math.floor(i / grid.columns) - Math.floor(j / grid.columns)) * dy;
        const rx = ((i % grid.columns) - (j % grid.columns)) * dx;
        best = Math.min(best, Math.hypot(ry, rx));
      }
      return best;
    });
  const ab = directed(sa, sb);
  const ba = directed(sb, sa);
  const within = [...ab, ...ba].filter((d) => d <= tolerance + 1e-9).length;
  return { hd95: Math.max(percentile(ab, 95), percentile(ba, 95)), nsd: within / (ab.length + ba.length) };
}

describe('overlap metrics on hand-made masks', () => {
  const grid: MaskGrid = { rows: 10, columns: 10, pixelSpacing: [1, 1] };

  it('gives Dice and IoU of two overlapping rectangles by hand count', () => {
    // 4x4 = 16 pixels and 4x4 shifted by 2 columns: overlap 4x2 = 8.
    const a = rectMask(grid, 2, 2, 5, 5);
    const b = rectMask(grid, 2, 4, 5, 7);
    expect(dice(a, b)).toBeCloseTo((2 * 8) / 32, 12);
    expect(iou(a, b)).toBeCloseTo(8 / 24, 12);
  });

  it('gives 1 for identical masks and 0 for disjoint ones', () => {
    const a = rectMask(grid, 1, 1, 3, 3);
    expect(dice(a, a)).toBe(1);
    expect(iou(a, a)).toBe(1);
    expect(hausdorff95(a, a, grid)).toBe(0);
    expect(normalisedSurfaceDistance(a, a, grid, 0)).toBe(1);
    const b = rectMask(grid, 6, 6, 8, 8);
    expect(dice(a, b)).toBe(0);
    expect(iou(a, b)).toBe(0);
  });

  it('defines the empty cases: both empty is perfect, one empty is the worst', () => {
    const empty = new Uint8Array(100);
    const a = rectMask(grid, 1, 1, 3, 3);
    expect(compareMasks(empty, empty, grid)).toEqual({
      dice: 1,
      iou: 1,
      hd95: 0,
      nsd: 1,
      truthArea: 0,
      predictedArea: 0,
    });
    for (const [t, p] of [
      [a, empty],
      [empty, a],
    ]) {
      const m = compareMasks(t, p, grid);
      expect(m.dice).toBe(0);
      expect(m.iou).toBe(0);
      expect(m.hd95).toBe(Number.POSITIVE_INFINITY);
      expect(m.nsd).toBe(0);
    }
  });

  it('rejects masks of different sizes', () => {
    expect(() => dice(new Uint8Array(4), new Uint8Array(5))).toThrow(/differ in size/);
    expect(() => hausdorff95(new Uint8Array(4), new Uint8Array(4), grid)).toThrow(/grid is 10x10/);
  });
});

describe('surface metrics in millimetres', () => {
  it('measures a shifted square in mm along the spacing of its axis', () => {
    const grid: MaskGrid = { rows: 12, columns: 12, pixelSpacing: [2, 0.5] };
    const a = rectMask(grid, 2, 2, 6, 6);
    const shiftedColumns = rectMask(grid, 2, 5, 6, 9); // 3 columns x 0.5 mm
    const shiftedRows = rectMask(grid, 5, 2, 9, 6); // 3 rows x 2 mm
    expect(hausdorff95(a, shiftedColumns, grid)).toBeCloseTo(1.5, 12);
    expect(hausdorff95(a, shiftedRows, grid)).toBeCloseTo(6, 12);
    // All surface points lie within 1.5 mm of the other surface when shifted by 1.5 mm along columns.
    expect(normalisedSurfaceDistance(a, shiftedColumns, grid, 1.5)).toBe(1);
    expect(normalisedSurfaceDistance(a, shiftedRows, grid, 1.5)).toBeLessThan(1);
  });

  it('equals a brute-force evaluation of the definition on random blobs', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const grid: MaskGrid = {
        rows: rng.integer(5, 24),
        columns: rng.integer(5, 24),
        pixelSpacing: [rng.uniformRange(0.3, 3), rng.uniformRange(0.3, 3)],
      };
      const blob = () => {
        const m = new Uint8Array(grid.rows * grid.columns);
        const cr = rng.uniformRange(0, grid.rows);
        const cc = rng.uniformRange(0, grid.columns);
        const radius = rng.uniformRange(1, 8);
        for (let r = 0; r < grid.rows; r++)
          for (let c = 0; c < grid.columns; c++)
            if ((r - cr) ** 2 + (c - cc) ** 2 < radius ** 2 || rng.uniform() < 0.05)
              m[r * grid.columns + c] = 1;
        return m;
      };
      const a = blob();
      const b = blob();
      const tolerance = rng.uniformRange(0, 4);
      const expected = bruteForce(a, b, grid, tolerance);
      const got = compareMasks(a, b, grid, tolerance);
      if (!Number.isFinite(expected.hd95)) continue;
      expect(got.hd95).toBeCloseTo(expected.hd95, 9);
      expect(got.nsd).toBeCloseTo(expected.nsd, 12);
    }
  });

  it('uses numpy-style linear percentiles', () => {
    expect(percentile(Float64Array.from([1, 2, 3, 4]), 50)).toBe(2.5);
    expect(percentile(Float64Array.from([0, 10]), 95)).toBeCloseTo(9.5, 12);
  });
});
