import type { SliceImage } from '../dicom/slice-image.ts';
import type { Box } from '../model/prompts.ts';
import { normaliseBox } from '../model/prompts.ts';
import type { Window } from '../model/segmenter.ts';
import { resolveWindow, windowTo8Bit } from '../model/window.ts';

/** The part of a slice the quality estimate looks at, windowed to 8 bits the way the model sees it. */
export interface QualityRegion {
  /** Row-major 8-bit grey levels, `rows * columns` long. */
  data: Uint8Array;
  rows: number;
  columns: number;
  /** Where the region lies on the slice (pixel indices, inclusive). */
  box: Box;
  window: Window;
}

/** Below this many pixels a side, the region is grown (within the slice) to this size. */
export const MIN_REGION_SIDE = 48;

/**
 * The box's neighbourhood: the box grown on every side by `marginFraction` of its longer side (at
 * least `minMargin` pixels), then to MIN_REGION_SIDE where the slice allows, clamped to the slice.
 * Windowed with the model's window for the whole slice (src/model/window.ts: the caller's, CT's fixed
 * HU window, or the MR percentiles of the slice), so the grey levels are the model's.
 */
export function qualityRegion(
  slice: SliceImage,
  box: Box,
  options: { window?: Window; marginFraction?: number; minMargin?: number } = {},
): QualityRegion {
  const b = normaliseBox(box, slice.rows, slice.columns);
  const side = Math.max(b.x1 - b.x0, b.y1 - b.y0) + 1;
  const margin = Math.max(options.minMargin ?? 16, Math.round((options.marginFraction ?? 0.25) * side));
  const grow = (lo: number, hi: number, size: number): [number, number] => {
    let a = Math.max(0, Math.floor(lo) - margin);
    let z = Math.min(size - 1, Math.ceil(hi) + margin);
    const want = Math.min(size, MIN_REGION_SIDE);
    while (z - a + 1 < want) {
      if (a > 0) a--;
      if (z - a + 1 < want && z < size - 1) z++;
    }
    return [a, z];
  };
  const [x0, x1] = grow(b.x0, b.x1, slice.columns);
  const [y0, y1] = grow(b.y0, b.y1, slice.rows);
  const window = resolveWindow(slice, options.window);
  const columns = x1 - x0 + 1;
  const rows = y1 - y0 + 1;
  const values = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const from = (y0 + r) * slice.columns + x0;
    values.set(slice.values.subarray(from, from + columns), r * columns);
  }
  const data = windowTo8Bit({ ...slice, rows, columns, values }, window);
  return { data, rows, columns, box: { x0, y0, x1, y1 }, window };
}

/**
 * The strips through a box along each axis, outside the box, windowed like the region: `vertical`
 * holds the pixels above and below the box within its columns, `horizontal` those left and right of
 * it within its rows. Ghosts of what lies in the box are displaced along the phase-encoding
 * direction, so they land in one of these strips.
 */
export function boxStrips(
  slice: SliceImage,
  box: Box,
  window: Window,
): { vertical: Uint8Array; horizontal: Uint8Array } {
  const b = normaliseBox(box, slice.rows, slice.columns);
  const x0 = Math.floor(b.x0);
  const x1 = Math.ceil(b.x1);
  const y0 = Math.floor(b.y0);
  const y1 = Math.ceil(b.y1);
  // Every STRIP_STEP-th row and column: a percentile of the strip needs no more, and it keeps the
  // estimate within its time budget on 512 x 512 slices.
  const vertical: number[] = [];
  const horizontal: number[] = [];
  for (let r = 0; r < slice.rows; r += STRIP_STEP) {
    const row = r * slice.columns;
    if (r < y0 || r > y1) {
      for (let c = x0; c <= x1; c += STRIP_STEP) vertical.push(slice.values[row + c]);
    } else {
      for (let c = 0; c < slice.columns; c += STRIP_STEP)
        if (c < x0 || c > x1) horizontal.push(slice.values[row + c]);
    }
  }
  const to8 = (values: number[]) =>
    windowTo8Bit({ ...slice, rows: 1, columns: values.length, values: Float32Array.from(values) }, window);
  return { vertical: to8(vertical), horizontal: to8(horizontal) };
}

/** Rows and columns of the strips sampled (see boxStrips). */
const STRIP_STEP = 2;
