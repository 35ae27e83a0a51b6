/**
 * Boxes from masks: the prompt for the next slice in propagation, and the box around a ground-truth
 * structure in evaluate and the robustness benchmark. Pixel indices, x = column, y = row, inclusive.
 */
import type { Box } from './prompts.ts';

/** Bounding box of the non-zero pixels, inclusive, and their count. */
export interface MaskBox extends Box {
  area: number;
}

export function maskBoundingBox(mask: Uint8Array, rows: number, columns: number): MaskBox | null {
  let x0 = columns;
  let y0 = rows;
  let x1 = -1;
  let y1 = -1;
  let area = 0;
  for (let y = 0; y < rows; y++) {
    const row = y * columns;
    for (let x = 0; x < columns; x++) {
      if (mask[row + x] === 0) continue;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return area === 0 ? null : { x0, y0, x1, y1, area };
}

/**
 * The box that prompts the next slice during propagation: the previous mask's bounding box grown by
 * `margin` pixels on every side and clamped to the image.
 */
export function grownBox(box: MaskBox, margin: number, rows: number, columns: number): Box {
  return {
    x0: Math.max(0, box.x0 - margin),
    y0: Math.max(0, box.y0 - margin),
    x1: Math.min(columns - 1, box.x1 + margin),
    y1: Math.min(rows - 1, box.y1 + margin),
  };
}

/** Tight bounding box of a mask grown by `margin` and clamped to the slice; undefined when empty. */
export function boxAroundMask(
  mask: Uint8Array,
  rows: number,
  columns: number,
  margin: number,
): Box | undefined {
  const box = maskBoundingBox(mask, rows, columns);
  return box ? grownBox(box, margin, rows, columns) : undefined;
}
