import { runDegrade } from '../../src/cli/commands/degrade.ts';

/**
 * A copy of a series degraded by one of our corruptions, written to `out` by the same code as
 * `robustmedsam degrade` (its JSON summary, meant for a terminal, is kept off the test output).
 */
export async function degradedCopy(
  series: string,
  out: string,
  corruption: string,
  severity: number,
): Promise<void> {
  const print = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    await runDegrade({ series, corruption, severity: String(severity), seed: '0', out });
  } finally {
    process.stdout.write = print;
  }
}
