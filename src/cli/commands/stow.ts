import type { Command } from 'commander';
import { readDicomFile } from '../../dicom/series-node.ts';
import { UsageError } from '../../errors.ts';
import { type DicomWebFlags, storeFiles, stowTarget, withDicomWebTimeout } from '../dicomweb.ts';

/**
 * `robustmedsam stow FILE... --to URL`: stores DICOM files (a SEG whose store failed, say) in a PACS
 * with STOW-RS. Storing the same SOP Instance again is what a retry does; the PACS keeps one instance.
 */
export async function runStow(files: string[], options: { to: string } & DicomWebFlags): Promise<void> {
  if (files.length === 0) throw new UsageError('no-files', 'Name at least one DICOM file to store.');
  const target = stowTarget(options.to, '--to', options);
  await storeFiles(
    target,
    files.map((path) => ({ path, bytes: new Uint8Array(readDicomFile(path).bytes) })),
  );
}

export function register(program: Command): void {
  const command = program
    .command('stow')
    .description('Store DICOM files (a SEG, say) in a PACS with STOW-RS, e.g. to retry a store that failed.')
    .argument('<files...>', 'DICOM files to store')
    .requiredOption(
      '--to <url>',
      "the PACS's DICOMweb root (http://HOST:8042/dicom-web), or a study URL under it to store into that study only",
    );
  withDicomWebTimeout(command).action(runStow);
}
