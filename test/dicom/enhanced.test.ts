import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { Segmentation } from '../../src/dicom/seg-writer.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { readDicomFile, readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { missingTools, SHARED_DATA } from '../helpers/tools.ts';
import { dcentvfyErrors, dciodvfyErrors, pydicomFrames } from '../helpers/validators.ts';
import { enhancedFrom } from './enhanced-copy.ts';
import { sameValues, testMasks, testSegments } from './seg-fixtures.ts';

const missing = missingTools({
  commands: ['dciodvfy', 'dcentvfy'],
  python: ['pydicom', 'numpy'],
  paths: [SHARED_DATA],
});

describe.skipIf(missing)('enhanced (multi-frame) images', () => {
  it.each(['mr-adc', 'ct-23x38x3'])(
    'reads %s as one multi-frame object like its classic series, and SEGs refer to its frames',
    (name) => {
      const classic = readSeriesFromDirectory(join(SHARED_DATA, name));
      const { bytes, files } = enhancedFrom(join(SHARED_DATA, name));
      const dir = mkdtempSync(join(tmpdir(), 'enhanced-'));
      const enhancedPath = join(dir, 'enhanced.dcm');
      writeFileSync(enhancedPath, bytes);
      const series = readSeries([readDicomFile(enhancedPath)]);

      // Same stack as the classic files, sorted by position although frames follow file-name order.
      expect(series.slices).toHaveLength(classic.slices.length);
      expect(new Set(series.slices.map((s) => s.sopInstanceUID)).size).toBe(1);
      series.slices.forEach((s, z) => {
        expect(s.imagePositionPatient).toEqual(classic.slices[z].imagePositionPatient);
        expect(sameValues(s.values, classic.slices[z].values)).toBe(true);
        expect(s.frame).toBe(files.indexOf(classic.slices[z].source.split('/').pop()!));
        expect(s.voi).toEqual({ center: 40, width: 400 });
      });
      expect(series.geometry.pixelSpacing).toEqual(classic.geometry.pixelSpacing);
      expect(series.geometry.sliceThickness).toBe(classic.geometry.sliceThickness);

      const { rows, columns } = series.geometry;
      const masks = testMasks(series.slices.length, rows, columns);
      const seg = new Segmentation({ source: series, segments: testSegments(), masks });
      const segPath = join(dir, 'seg.dcm');
      writeFileSync(segPath, seg.toBytes());
      expect(dciodvfyErrors(segPath)).toEqual([]);
      expect(dcentvfyErrors([segPath, enhancedPath])).toEqual([]);

      // pydicom: every frame names the multi-frame source and a frame number holding that mask.
      const pixels = rows * columns;
      const py = pydicomFrames(segPath, `${segPath}.npy`);
      for (const [f, [segment, uid, frameNumber]] of py.frames.entries()) {
        expect(uid).toBe(series.slices[0].sopInstanceUID);
        const z = series.slices.findIndex((s) => s.frame === frameNumber - 1);
        expect(z).toBeGreaterThanOrEqual(0);
        const expected = masks[segment - 1].subarray(z * pixels, (z + 1) * pixels);
        expect(sameValues(py.pixels.subarray(f * pixels, (f + 1) * pixels), expected), `frame ${f + 1}`).toBe(
          true,
        );
      }
      const back = masksForSeries(parseSegmentation(seg.toBytes(), 'seg'), series);
      expect(back.mappedBy).toBe('source-image');
      for (const [k, m] of back.masks.entries())
        expect(sameValues(m, masks[k]), `segment ${k + 1}`).toBe(true);
    },
  );
});
