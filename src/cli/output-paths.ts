import { readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { OutputWriteError, outputObstacle, writeFilesAtomic } from './files.ts';

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

/**
 * `path` must be a file to create or a regular file to replace: never a folder, a symbolic link or a
 * device (outputs are renamed into place, which would replace them).
 */
export function checkOutputFile(path: string, flag: string): void {
  const obstacle = outputObstacle(path);
  if (obstacle === 'a folder') {
    throw new InputError(
      'output-is-folder',
      `${flag} ${path} is a folder; it must name the file to write.`,
      `For example ${flag} ${path.replace(/\/+$/, '')}/result${flag === '--mask-out' ? '.npy' : '.seg.dcm'}.`,
    );
  }
  if (obstacle) {
    throw new InputError(
      'output-not-regular-file',
      `${flag} ${path} is ${obstacle}; outputs only create or replace regular files.`,
      obstacle === 'a symbolic link'
        ? `Pass the path the link points to, or remove the link first.`
        : `Pass the path of a file to write.`,
    );
  }
}

/** Two output flags of one run must name two files (the second would overwrite the first). */
export function checkDistinctOutputs(outputs: Array<{ path: string | undefined; flag: string }>): void {
  const given = outputs.filter((o): o is { path: string; flag: string } => !!o.path);
  for (const [i, a] of given.entries()) {
    const b = given.slice(i + 1).find((o) => resolve(o.path) === resolve(a.path));
    if (b) {
      throw new UsageError(
        'same-output-twice',
        `${a.flag} and ${b.flag} both name ${a.path}.`,
        `Give each its own file, e.g. ${b.flag} ${a.path.replace(/\.[^./]*$/, '')}${b.flag === '--mask-out' ? '.npy' : '.seg.dcm'}.`,
      );
    }
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
