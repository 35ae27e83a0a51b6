import { UsageError } from '../errors.ts';
import type { Box } from '../model/prompts.ts';

/**
 * Prompt flags of the commands. `--box x0,y0,x1,y1`: two opposite corners in pixel columns/rows of the slice, any order. Only the
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

/** `--point x,y` / `--exclude x,y`: a pixel column and row of the slice (pixel centres, like --box). */
export function parsePoint(text: string, flag: string): { x: number; y: number } {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v))) {
    throw new UsageError(
      'invalid-point',
      `${flag} must be two numbers x,y (pixel column and row), got "${text}".`,
      `For example ${flag} 180,240; repeat the flag for more points.`,
    );
  }
  return { x: values[0], y: values[1] };
}

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
