/**
 * Property-style: one file of each bundled and shared series cut at many offsets (inside the preamble,
 * the file meta, an element, the pixel data, 1-3 bytes short). Reading the series must give a typed
 * error naming that file, or exactly the series the whole files give: never a silently shorter or
 * different series. With skipUnreadable, a file left out is always reported.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DicomFileBytes, readSeries, type Series } from '../../src/dicom/series.ts';
import { RobustMedSamError } from '../../src/errors.ts';
import { missingTools, REPO_ROOT, SHARED_DATA } from '../helpers/tools.ts';

const SERIES = [
  join(REPO_ROOT, 'sample-dicom/ct-abdomen'),
  join(REPO_ROOT, 'sample-dicom/mr-brain'),
  ...['ct-3slice', 'ct-23x38x3', 'mr-adc', 'pydicom-ct5n'].map((name) => join(SHARED_DATA, name)),
];
const missing = missingTools({ paths: SERIES });

/** Up to `count` files of a series folder, read into memory. */
function filesOf(folder: string, count: number): DicomFileBytes[] {
  return readdirSync(folder)
    .filter((name) => name.toLowerCase().endsWith('.dcm'))
    .sort()
    .slice(0, count)
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(folder, name))) }));
}

/** Where to cut a file of `length` bytes: every region of a Part 10 file, and the last bytes. */
function cuts(length: number): number[] {
  const fixed = [0, 64, 131, 132, 140, 200, 300, 400, 600, 900, 1500];
  const relative = [0.25, 0.5, 0.75, 0.9].map((f) => Math.floor(length * f));
  const end = [length - 200, length - 50, length - 8, length - 3, length - 2, length - 1];
  return [...new Set([...fixed, ...relative, ...end])]
    .filter((n) => n >= 0 && n < length)
    .sort((a, b) => a - b);
}

const sameSeries = (a: Series, b: Series) =>
  a.slices.length === b.slices.length &&
  a.slices.every(
    (s, k) =>
      s.sopInstanceUID === b.slices[k].sopInstanceUID &&
      s.values.length === b.slices[k].values.length &&
      s.values.every((v, i) => v === b.slices[k].values[i]),
  );

describe.skipIf(missing)('a series with one file cut short', () => {
  for (const folder of SERIES) {
    it(`${folder.split('/').slice(-2).join('/')}: a typed error naming the file, or the very same series`, () => {
      const files = filesOf(folder, 3);
      if (!existsSync(folder) || files.length === 0) throw new Error(`no files in ${folder}`);
      const whole = readSeries(files);
      const victim = files.length > 1 ? 1 : 0;
      const { name } = files[victim];
      const bytes = files[victim].bytes as Uint8Array;
      const silent: string[] = [];
      for (const at of cuts(bytes.length)) {
        const damaged = files.map((f, k) => (k === victim ? { name, bytes: bytes.subarray(0, at) } : f));
        try {
          const series = readSeries(damaged);
          if (!sameSeries(series, whole)) silent.push(`cut at ${at}: read as another series`);
        } catch (error) {
          if (!(error instanceof RobustMedSamError)) silent.push(`cut at ${at}: untyped ${String(error)}`);
          else if (!error.message.includes(name))
            silent.push(`cut at ${at}: "${error.message}" does not name ${name}`);
        }
        // Leaving unreadable files out is reported, file by file.
        try {
          const series = readSeries(damaged, { skipUnreadable: true });
          if (!sameSeries(series, whole) && !series.warnings.some((w) => w.includes(name))) {
            silent.push(`cut at ${at}: skipped without a warning`);
          }
        } catch (error) {
          if (!(error instanceof RobustMedSamError))
            silent.push(`cut at ${at} (skipping): untyped ${String(error)}`);
        }
      }
      expect(silent).toEqual([]);
    });
  }
});
