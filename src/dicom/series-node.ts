/**
 * Node-only: reading DICOM files and folders from disk. The browser must not import this file (it
 * uses node:fs); it passes File contents to readSeries / readSeriesFromFiles in series.ts instead.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DicomError, InputError } from '../errors.ts';
import { type DicomFileBytes, type ReadSeriesOptions, readSeries, type Series } from './series.ts';

/**
 * Reads one file's bytes, with a typed error when it is missing or unreadable. Only regular files (or
 * links to one): a device such as /dev/zero or a FIFO would be read forever, or block.
 */
export function readDicomFile(path: string): DicomFileBytes {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) {
    const what = stat.isDirectory() ? 'a folder' : 'a device, FIFO or socket, not a file';
    throw new InputError(
      'not-a-file',
      `Cannot read ${path}: it is ${what}.`,
      'Give the path of a DICOM file.',
    );
  }
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
 * Reads every file in `dir` (not recursing) as one series. DICOMDIR, hidden files and sub-folders are
 * ignored; links that lead nowhere (broken, looping) are left out with a warning; every other file
 * must be a DICOM image of the series, unless `skipUnreadable` (then each one left out is reported).
 */
export function readSeriesFromDirectory(dir: string, options: ReadSeriesOptions = {}): Series {
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
  const warnings: string[] = [];
  const files: DicomFileBytes[] = [];
  for (const name of names) {
    if (name.startsWith('.') || basename(name).toUpperCase() === 'DICOMDIR') continue;
    const path = join(dir, name);
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch (error) {
      // stat follows links: a broken link (ENOENT), a link loop (ELOOP), or a file gone meanwhile.
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      const link = lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink();
      warnings.push(
        `skipped ${path}: ${link ? 'a link that leads to no file' : 'it vanished while reading'} (${code})`,
      );
      continue;
    }
    if (!isFile) continue;
    try {
      files.push(readDicomFile(path));
    } catch (error) {
      if (!options.skipUnreadable) throw error;
      warnings.push(`skipped ${path}: ${(error as Error).message}`);
    }
  }
  if (files.length === 0) {
    throw new DicomError(
      'empty-series',
      `The folder ${dir} holds no files.`,
      'Pass the folder of one DICOM series.',
    );
  }
  const series = readSeries(files, options);
  return { ...series, warnings: [...warnings, ...series.warnings] };
}
