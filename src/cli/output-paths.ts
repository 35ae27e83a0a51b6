import { readdirSync, statSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { OutputWriteError, writeFilesAtomic } from './files.ts';

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

/**
 * `path` must be a folder to create or fill, not an existing file. With `mustBeEmpty` (a written DICOM
 * series: files mixed into another series would read as one corrupt series) it must also hold nothing.
 */
export function checkOutputFolder(path: string, flag: string, options: { mustBeEmpty?: boolean } = {}): void {
  const found = kind(path);
  if (found === 'file') {
    throw new InputError(
      'output-is-file',
      `${flag} ${path} is a file; it must name a folder for the results.`,
    );
  }
  if (options.mustBeEmpty && found === 'folder' && readdirSync(path).length > 0) {
    throw new InputError(
      'output-folder-not-empty',
      `The output folder ${path} already holds files.`,
      `Pass a new or empty folder as ${flag}.`,
    );
  }
}

/** A file-system failure while writing an output, reported as the user's output path being unusable. */
export function outputUnwritable(path: string, flag: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new InputError(
    'output-unwritable',
    `Cannot write ${path} (${flag}): ${code}.`,
    'Choose a location you can write to.',
    {
      cause: error,
    },
  );
}

/**
 * A run's output files, all or none (writeFilesAtomic), with a failure to write reported as the user's
 * output path (named by its flag) being unusable.
 */
export function writeOutputs(files: Array<{ path: string; data: Uint8Array | string; flag: string }>): void {
  try {
    writeFilesAtomic(files);
  } catch (error) {
    if (!(error instanceof OutputWriteError)) throw error;
    const flag = files.find((f) => f.path === error.path)?.flag ?? '--out';
    throw outputUnwritable(error.path, flag, error.cause);
  }
}
