import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveSeries, encodeStored, writeImageSeries } from '../../src/dicom/image-series-writer.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { newUid, uidFromSeed } from '../../src/dicom/uid.ts';
import { DicomError } from '../../src/errors.ts';
import { missingTools, SHARED_DATA } from '../helpers/tools.ts';
import { dcentvfyErrors, dciodvfyErrors } from '../helpers/validators.ts';
import { asFiles, smallCtSpec } from './synthetic.ts';

const UID = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/;

describe('UIDs', () => {
  it('are valid DICOM UIDs of at most 64 characters; seeded ones are stable and distinct', () => {
    for (const uid of [newUid(), newUid(), uidFromSeed('a'), uidFromSeed('b')]) {
      expect(uid).toMatch(UID);
      expect(uid.length).toBeLessThanOrEqual(64);
    }
    expect(newUid()).not.toBe(newUid());
    expect(uidFromSeed('ct-abdomen/series')).toBe(uidFromSeed('ct-abdomen/series'));
    expect(uidFromSeed('ct-abdomen/series')).not.toBe(uidFromSeed('ct-abdomen/serie'));
  });
});

describe('writeImageSeries', () => {
  it('round-trips CT values in whole HU and MR fractional values within half a rescale step', () => {
    const ct = readSeries(asFiles(smallCtSpec()));
    expect(ct.slices[3].values[7]).toBe(-1000 + 49 + 300);
    const mrValues = [Float32Array.from({ length: 120 }, (_, i) => i * 0.013 + 0.5)];
    const stored = encodeStored(mrValues, 'MR');
    const spec = smallCtSpec({ modality: 'MR', values: mrValues }, 1);
    const mr = readSeries(asFiles(spec));
    expect(mr.modality).toBe('MR');
    const worst = mr.slices[0].values.reduce((m, v, i) => Math.max(m, Math.abs(v - mrValues[0][i])), 0);
    expect(worst).toBeLessThanOrEqual(stored.slope / 2 + 1e-6);
    expect(stored.slope).not.toBe(1);
  });

  it('refuses inconsistent input', () => {
    const spec = smallCtSpec();
    expect(() => writeImageSeries({ ...spec, geometry: { ...spec.geometry, positions: [] } })).toThrow(
      DicomError,
    );
    expect(() => writeImageSeries({ ...spec, values: [new Float32Array(5)] })).toThrow(DicomError);
    expect(() => writeImageSeries({ ...spec, values: [Float32Array.of(Number.NaN)] })).toThrow(DicomError);
  });

  const missing = missingTools({ commands: ['dciodvfy', 'dcentvfy'] });
  it.skipIf(missing)('writes CT and MR instances that dciodvfy accepts without errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'img-'));
    for (const modality of ['CT', 'MR'] as const) {
      const [instance] = writeImageSeries(smallCtSpec({ modality }));
      const path = join(dir, `${modality}.dcm`);
      writeFileSync(path, instance.bytes);
      expect(dciodvfyErrors(path)).toEqual([]);
    }
  });

  const missingShared = missingTools({ commands: ['dciodvfy', 'dcentvfy'], paths: [SHARED_DATA] });
  it.skipIf(missingShared)(
    'derives a degraded-style copy of a real series: same study and geometry, new UIDs',
    () => {
      for (const name of ['mr-adc', 'pydicom-ct5n']) {
        const source = readSeriesFromDirectory(join(SHARED_DATA, name));
        const values = source.slices.map((s) => s.values.map((v) => v + 3));
        const written = writeImageSeries(
          deriveSeries(source, values, { seriesDescription: 'gaussian_noise s3 seed 7' }),
        );
        const dir = mkdtempSync(join(tmpdir(), `derived-${name}-`));
        const paths = written.map((w) => {
          const path = join(dir, `${w.index}.dcm`);
          writeFileSync(path, w.bytes);
          return path;
        });
        const copy = readSeriesFromDirectory(dir);
        expect(copy.study).toEqual(source.study);
        expect(copy.frameOfReferenceUID).toBe(source.frameOfReferenceUID);
        expect(copy.seriesInstanceUID).not.toBe(source.seriesInstanceUID);
        expect(copy.seriesDescription).toBe('gaussian_noise s3 seed 7');
        expect(copy.slices.map((s) => s.imagePositionPatient)).toEqual(
          source.slices.map((s) => s.imagePositionPatient),
        );
        const sourceUids = new Set(source.slices.map((s) => s.sopInstanceUID));
        expect(copy.slices.some((s) => sourceUids.has(s.sopInstanceUID))).toBe(false);
        expect(copy.slices[1].values[100]).toBeCloseTo(values[1][100], 0);
        expect(dciodvfyErrors(paths[0])).toEqual([]);
        const sourceFiles = source.slices.map((s) => s.source);
        expect(dcentvfyErrors([...paths, ...sourceFiles])).toEqual([]);
      }
    },
  );
});
