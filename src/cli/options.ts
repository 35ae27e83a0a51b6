/** Parsing of command-line option values shared by the commands, with errors that name the flag. */
import { UsageError } from '../errors.ts';
import type { Window } from '../model/segmenter.ts';

/** Strict integer flag parsing: "3" is 3, "3.5", "3x" and "" are errors naming the flag. */
export function parseInteger(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new UsageError(
      'invalid-number',
      `${flag} must be an integer, got "${text}".`,
      `For example ${flag} 20.`,
    );
  }
  return Number(text.trim());
}

/** "low,high" in modality units, e.g. "-160,240". */
export function parseWindow(text: string): Window {
  const parts = text.split(',').map((p) => p.trim());
  const [low, high] = parts.map(Number);
  if (
    parts.length !== 2 ||
    parts.some((p) => p === '') ||
    !Number.isFinite(low) ||
    !Number.isFinite(high) ||
    high <= low
  ) {
    throw new UsageError(
      'invalid-window',
      `--window must be low,high with low < high in modality units, got "${text}".`,
      'For CT in HU, e.g. --window -160,240.',
    );
  }
  return { low, high };
}

/** Severities as "1-5", "3" or "1,3,5". */
export function parseSeverities(text: string): number[] {
  const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const values = range
    ? Array.from(
        { length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) },
        (_, i) => Number(range[1]) + i,
      )
    : text.split(',').map((p) => parseInteger(p, '--severities'));
  if (values.length === 0 || values.some((v) => v < 1 || v > 5)) {
    throw new UsageError(
      'invalid-severity',
      `--severities must name levels from 1 to 5, like 1-5 or 1,3,5; got "${text}".`,
    );
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** A comma-separated list, blanks dropped. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
