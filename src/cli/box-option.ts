import { UsageError } from '../errors.ts';
import type { Box } from '../model/prompts.ts';

/**
 * `--box x0,y0,x1,y1`: two opposite corners in pixel columns/rows of the slice, any order. Only the
 * syntax is checked here; whether the box lies in the image is the segmenter's check (normaliseBox).
 */
export function parseBox(text: string): Box {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v))) {
    throw new UsageError(
      'invalid-box',
      `--box must be four numbers x0,y0,x1,y1 (pixel column and row of two opposite corners), got "${text}".`,
      'For example --box 120,200,260,330.',
    );
  }
  const [x0, y0, x1, y1] = values;
  return { x0, y0, x1, y1 };
}
