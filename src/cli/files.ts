import { existsSync, lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * What stands where an output file would go, if it is not a regular file: outputs replace regular files
 * only. A rename over a device node (as root, /dev/null), a socket or a symbolic link would replace it,
 * and a symbolic link may point anywhere; a folder cannot be replaced by a file.
 */
export function outputObstacle(
  path: string,
): 'a folder' | 'a symbolic link' | 'a device or special file' | null {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return null;
  }
  if (stat.isFile()) return null;
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'a device or special file';
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
  const seen = new Set<string>();
  for (const { path } of files) {
    const obstacle = outputObstacle(path);
    if (obstacle) throw new OutputWriteError(path, new Error(`it is ${obstacle}, not a regular file`));
    if (seen.has(resolve(path)))
      throw new OutputWriteError(path, new Error('two outputs of one run name this file'));
    seen.add(resolve(path));
  }
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
