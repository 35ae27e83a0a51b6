import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, without Node's recursive mkdir: that one loops forever where mkdir answers ENOENT under a
 * folder that exists (/proc). Each missing folder is made from the nearest existing one down, so such a
 * place fails at once.
 */
export function makeFolder(path: string): void {
  const missing: string[] = [];
  for (let folder = resolve(path); !existsSync(folder); folder = dirname(folder)) {
    missing.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Made meanwhile by someone else: fine if it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(folder).isDirectory()) throw error;
    }
  }
}

/**
 * Writes through a temporary file in the same folder and renames it into place, so a crash or a bad
 * input never leaves a half-written output file where the user expects a result.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  try {
    writeFilesAtomic([{ path, data }]);
  } catch (error) {
    throw error instanceof OutputWriteError ? error.cause : error;
  }
}

/** Removes a temporary file; one that was never made (or could not be: ENOTDIR) is no error. */
function removeIfThere(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Under a file or an unreadable folder: nothing was written there.
  }
}

/** The output that could not be written; `cause` is the file-system error. */
export class OutputWriteError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot write ${path}`, { cause });
  }
}

/**
 * Several outputs of one run, all or none: every file is written to its temporary first, and only when
 * all of them are on disk are they renamed into place (renames within a folder do not run out of space
 * or permission). A failure while writing removes the temporaries and leaves every output as it was.
 */
export function writeFilesAtomic(files: Array<{ path: string; data: Uint8Array | string }>): void {
  const staged: string[] = [];
  for (const { path, data } of files) {
    const temporary = `${path}.partial-${process.pid}`;
    try {
      makeFolder(dirname(path));
      staged.push(temporary);
      writeFileSync(temporary, data);
    } catch (error) {
      for (const t of staged) removeIfThere(t);
      throw new OutputWriteError(path, error);
    }
  }
  files.forEach(({ path }, k) => {
    renameSync(staged[k], path);
  });
}
