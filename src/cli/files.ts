import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
      mkdirSync(dirname(path), { recursive: true });
      staged.push(temporary);
      writeFileSync(temporary, data);
    } catch (error) {
      for (const t of staged) rmSync(t, { force: true });
      throw new OutputWriteError(path, error);
    }
  }
  files.forEach(({ path }, k) => {
    renameSync(staged[k], path);
  });
}
