import type { Command } from 'commander';
import { parseDicom } from '../../dicom/dataset.ts';
import { parseServiceRoot } from '../../dicom/dicomweb/urls.ts';
import { readDicomFile } from '../../dicom/series-node.ts';
import { DicomError, UsageError } from '../../errors.ts';
import { type DicomWebFlags, dicomWebClients, storeFiles, withDicomWebTimeout } from '../dicomweb.ts';

/**
 * `robustmedsam stow FILE... --to URL`: stores DICOM files (a SEG whose store failed, say) in a PACS
 * with STOW-RS. Every file is read and checked first, so a bad one stops the command before anything
 * is sent. Storing the same SOP Instance again is what a retry does; the PACS keeps one instance.
 */
export async function runStow(files: string[], options: { to: string } & DicomWebFlags): Promise<void> {
  if (files.length === 0) throw new UsageError('no-files', 'Name at least one DICOM file to store.');
  const client = dicomWebClients(options)(parseServiceRoot(options.to, '--to'));
  const instances = files.map((path) => {
    const bytes = new Uint8Array(readDicomFile(path).bytes);
    const sopInstanceUID = parseDicom(bytes, path).dataset.SOPInstanceUID;
    if (typeof sopInstanceUID !== 'string' || !sopInstanceUID) {
      throw new DicomError(
        'missing-sop-instance-uid',
        `${path} has no SOP Instance UID: it cannot be stored.`,
      );
    }
    return { path, sopInstanceUID, bytes };
  });
  const seen = new Map<string, string>();
  for (const instance of instances) {
    const other = seen.get(instance.sopInstanceUID);
    if (other) {
      throw new UsageError(
        'duplicate-instance',
        `${other} and ${instance.path} hold the same SOP Instance UID ${instance.sopInstanceUID}.`,
        'Store one of them.',
      );
    }
    seen.set(instance.sopInstanceUID, instance.path);
  }
  await storeFiles(client, instances);
}

export function register(program: Command): void {
  const command = program
    .command('stow')
    .description('Store DICOM files (a SEG, say) in a PACS with STOW-RS, e.g. to retry a store that failed.')
    .argument('<files...>', 'DICOM files to store')
    .requiredOption('--to <url>', 'the PACS: its DICOMweb root, e.g. http://HOST:8042/dicom-web');
  withDicomWebTimeout(command).action(runStow);
}
