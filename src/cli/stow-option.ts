/**
 * The --stow [URL] option of the commands that write a SEG: after the SEG is on disk it is stored
 * with STOW-RS to URL (any DICOMweb URL of the server: its root or a resource under it), or, without
 * URL, to the server the --series came from.
 */
import type { Command } from 'commander';
import { isDicomWebUrl } from '../dicom/dicomweb/urls.ts';
import { UsageError } from '../errors.ts';
import { type DicomWebFlags, type StowTarget, stowTarget } from './dicomweb.ts';

export function withStow(command: Command, what: string): Command {
  return command.option(
    '--stow [url]',
    `after writing ${what}, store it in a PACS with STOW-RS: at URL (a DICOMweb root, or a study URL), or without URL in the study --series came from; exit code 6 if the store fails (the file stays)`,
  );
}

/** Where to store, checked (URL, credentials) before any work; undefined without --stow. */
export function stowTargetFor(
  options: { stow?: string | boolean; series: string } & DicomWebFlags,
): StowTarget | undefined {
  if (options.stow === undefined || options.stow === false) return undefined;
  if (options.stow === true) {
    if (!isDicomWebUrl(options.series)) {
      throw new UsageError(
        'stow-needs-url',
        '--stow without a URL stores where the series came from, but --series is a folder.',
        'Give the PACS: --stow http(s)://HOST/ROOT (its DICOMweb root).',
      );
    }
    // The series' own study: the server checks the SEG belongs there.
    return stowTarget(options.series, '--series', options);
  }
  return stowTarget(options.stow, '--stow', options);
}
