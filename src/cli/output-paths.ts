import { statSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from './files.ts';

/**
 * Output flags (--out, --mask-out) checked before any work is done, and writes whose file-system
 * errors come back as typed errors naming the flag, not as a stack trace after a long run.
 */

function kind(path: string): 'file' | 'folder' | 'none' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'none';
  }
}

/** `path` must be a file to create or replace, not an existing folder. */
export function checkOutputFile(path: string, flag: string): void {
  if (kind(path) === 'folder') {
    throw new InputError(
      'output-is-folder',
      `${flag} ${path} is a folder; it must name the file to write.`,
      `For example ${flag} ${path.replace(/\/+$/, '')}/result${flag === '--mask-out' ? '.npy' : '.seg.dcm'}.`,
    );
  }
}

/** `path` must be a folder to create or fill, not an existing file. */
export function checkOutputFolder(path: string, flag: string): void {
  if (kind(path) === 'file') {
    throw new InputError(
      'output-is-file',
      `${flag} ${path} is a file; it must name a folder for the results.`,
    );
  }
}

/** writeFileAtomic, with a failure to write reported as the user's output path being unusable. */
export function writeOutput(path: string, data: Uint8Array | string, flag: string): void {
  try {
    writeFileAtomic(path, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InputError(
      'output-unwritable',
      `Cannot write ${path} (${flag}): ${code}.`,
      'Choose a location you can write to.',
      { cause: error },
    );
  }
}
