/**
 * Where a user would click after a box: an include point on something the box's mask left out, and an
 * exclude point on the mask itself. Pixel indices (x = column, y = row) on one slice.
 */
import type { Box } from '../../src/model/prompts.ts';

export interface ClickTargets {
  /** Inside the box, with no mask pixel within 3 px: the mask left it out. */
  include: { x: number; y: number };
  /** On the mask, 3 px inside its lower edge, in the box's middle column (or the nearest one that has mask). */
  exclude: { x: number; y: number };
}

export function clickTargets(mask: Uint8Array, box: Box, rows: number, columns: number): ClickTargets {
  const x0 = Math.ceil(Math.min(box.x0, box.x1));
  const x1 = Math.floor(Math.max(box.x0, box.x1));
  const y0 = Math.ceil(Math.min(box.y0, box.y1));
  const y1 = Math.floor(Math.max(box.y0, box.y1));
  const at = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < columns && y < rows ? mask[y * columns + x] : 0;
  const clear = (x: number, y: number) => {
    for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) if (at(x + dx, y + dy)) return false;
    return true;
  };
  let include: ClickTargets['include'] | null = null;
  for (let y = y0 + 4; y <= y1 - 4 && !include; y++) {
    for (let x = x0 + 4; x <= x1 - 4 && !include; x++) if (clear(x, y)) include = { x, y };
  }
  let exclude: ClickTargets['exclude'] | null = null;
  const middle = Math.round((x0 + x1) / 2);
  for (let d = 0; d <= (x1 - x0) / 2 && !exclude; d++) {
    for (const x of [middle - d, middle + d]) {
      for (let y = y1; y > y0 + 3 && !exclude; y--) if (at(x, y) && at(x, y - 3)) exclude = { x, y: y - 3 };
      if (exclude) break;
    }
  }
  if (!include || !exclude) throw new Error(`no click targets in box ${JSON.stringify(box)}`);
  return { include, exclude };
}
