/**
 * How every command reads its --series (a folder, or a DICOMweb series URL) and other DICOM inputs
 * (--truth: a file, or a DICOMweb instance URL). One policy for unreadable files (an error naming the
 * file or instance, unless --skip-unreadable leaves them out) and every warning (files left out, gaps,
 * uneven spacing) printed, so no command changes a series without saying so. A series from a server
 * goes through the same readSeries as files: same sorting, same checks.
 */
import type { Command } from 'commander';
import { loadImageCodecs } from '../dicom/codecs-node.ts';
import { isDicomWebUrl, parseInstanceUrl, parseSeriesUrl } from '../dicom/dicomweb/urls.ts';
import { type DicomFileBytes, readSeries, type Series } from '../dicom/series.ts';
import { readDicomFile, readSeriesFromDirectory } from '../dicom/series-node.ts';
import { type DicomWebFlags, dicomWebClients, downloadSeries, withDicomWebTimeout } from './dicomweb.ts';

export const SKIP_UNREADABLE_FLAG = '--skip-unreadable';

export interface SeriesInputFlags extends DicomWebFlags {
  skipUnreadable?: boolean;
}

/** Adds --skip-unreadable and --dicomweb-timeout to a command that reads a series. */
export function withSeriesInput(command: Command): Command {
  return withDicomWebTimeout(
    command.option(
      SKIP_UNREADABLE_FLAG,
      'leave out files of the series that cannot be read as DICOM images, reporting each (default: such a file is an error)',
    ),
  );
}

/** The help text of a --series option. */
export const SERIES_HELP =
  'folder holding the DICOM files of one CT or MR series, or its DICOMweb URL (http(s)://HOST/ROOT/studies/UID/series/UID)';

/** Reads the series (JPEG 2000 and JPEG-LS too) from a folder or a server and prints its warnings. */
export async function readSeriesForCommand(source: string, flags: SeriesInputFlags): Promise<Series> {
  await loadImageCodecs();
  const skipUnreadable = flags.skipUnreadable === true;
  let series: Series;
  if (isDicomWebUrl(source)) {
    const ref = parseSeriesUrl(source, '--series');
    const client = dicomWebClients(flags)(ref.root);
    series = readSeries(await downloadSeries(client, ref), { skipUnreadable });
  } else {
    series = readSeriesFromDirectory(source, { skipUnreadable });
  }
  for (const warning of series.warnings) process.stderr.write(`robustmedsam: warning: ${warning}\n`);
  return series;
}

/** One DICOM object from a file, or from a DICOMweb instance URL (named after its flag in errors). */
export async function readDicomInput(
  source: string,
  flag: string,
  flags: DicomWebFlags,
): Promise<DicomFileBytes> {
  if (!isDicomWebUrl(source)) return readDicomFile(source);
  const ref = parseInstanceUrl(source, flag);
  const bytes = await dicomWebClients(flags)(ref.root).retrieveInstance(ref);
  return { name: source, bytes };
}
