/**
 * Node-only: reading DICOM files and folders from disk. The browser must not import this file (it
 * uses node:fs); it passes File contents to readSeries / readSeriesFromFiles in series.ts instead.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DicomError, InputError } from '../errors.ts';
import { type DicomFileBytes, readSeries, type Series } from './series.ts';

/** Reads one file's bytes, with a typed error when it is missing or unreadable. */
export function readDicomFile(path: string): DicomFileBytes {
  try {
    return { name: path, bytes: new Uint8Array(readFileSync(path)) };
  } catch (error) {
    throw new InputError(
      'file-unreadable',
      `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      'Check the path and its permissions.',
      { cause: error },
    );
  }
}

/**
 * Reads every file in `dir` (not recursing) as one series. DICOMDIR and hidden files are ignored;
 * every other file must be DICOM.
 */
export function readSeriesFromDirectory(dir: string): Series {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).sort();
  } catch (error) {
    throw new InputError(
      'series-folder-unreadable',
      `Cannot read the series folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      'Pass a folder that holds the DICOM files of one series.',
      { cause: error },
    );
  }
  const files = names
    .filter((n) => !n.startsWith('.') && basename(n).toUpperCase() !== 'DICOMDIR')
    .map((n) => join(dir, n))
    // A broken link or a file that vanished is not a slice: leave it out like any non-file entry.
    .filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile() === true);
  if (files.length === 0) {
    throw new DicomError(
      'empty-series',
      `The folder ${dir} holds no files.`,
      'Pass the folder of one DICOM series.',
    );
  }
  return readSeries(files.map(readDicomFile));
}
