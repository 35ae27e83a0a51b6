/**
 * How every command reads its --series folder: one policy for unreadable files (an error naming the
 * file, unless --skip-unreadable leaves them out) and every warning (files left out, gaps, uneven
 * spacing) printed, so no command changes a series without saying so.
 */
import type { Command } from 'commander';
import { loadImageCodecs } from '../dicom/codecs-node.ts';
import type { Series } from '../dicom/series.ts';
import { readSeriesFromDirectory } from '../dicom/series-node.ts';

export const SKIP_UNREADABLE_FLAG = '--skip-unreadable';

/** Adds the --skip-unreadable flag to a command that reads a series. */
export function withSkipUnreadable(command: Command): Command {
  return command.option(
    SKIP_UNREADABLE_FLAG,
    'leave out files of the series folder that cannot be read as DICOM images, reporting each (default: such a file is an error)',
  );
}

/** Reads the series folder (JPEG 2000 and JPEG-LS too) and prints its warnings to stderr. */
export async function readSeriesForCommand(
  dir: string,
  options: { skipUnreadable?: boolean },
): Promise<Series> {
  await loadImageCodecs();
  const series = readSeriesFromDirectory(dir, { skipUnreadable: options.skipUnreadable === true });
  for (const warning of series.warnings) process.stderr.write(`robustmedsam: warning: ${warning}\n`);
  return series;
}
