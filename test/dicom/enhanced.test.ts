import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DicomDataset, encodeDicom, parseDicom } from '../../src/dicom/dataset.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { Segmentation } from '../../src/dicom/seg-writer.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { readDicomFile, readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { newUid } from '../../src/dicom/uid.ts';
import { missingTools, SHARED_DATA } from '../helpers/tools.ts';
import { sameValues, testMasks, testSegments } from './seg-fixtures.ts';
import { dcentvfyErrors, dciodvfyErrors, pydicomFrames } from './validators.ts';

const LEGACY_ENHANCED = { CT: '1.2.840.10008.5.1.4.1.1.2.2', MR: '1.2.840.10008.5.1.4.1.1.4.4' };
const PER_SLICE = [
  'ImagePositionPatient',
  'ImageOrientationPatient',
  'PixelSpacing',
  'SliceThickness',
  'SliceLocation',
  'RescaleIntercept',
  'RescaleSlope',
  'RescaleType',
  'WindowCenter',
  'WindowWidth',
  'WindowCenterWidthExplanation',
  'InstanceNumber',
];

/**
 * One multi-frame object with functional groups built from a classic series, its frames in the given
 * file order (not position order), the way a legacy-converted enhanced image stores them.
 */
function enhancedFrom(folder: string): { bytes: Uint8Array; files: string[] } {
  const files = readdirSync(folder).sort();
  const datasets = files.map((f) => parseDicom(readDicomFile(join(folder, f)).bytes, f).dataset);
  const first = datasets[0];
  const ds: DicomDataset = { ...first, _vrMap: { PixelData: 'OW' } };
  for (const k of PER_SLICE) delete ds[k];
  for (const k of Object.keys(ds)) if (/^[0-9A-F]{8}$/i.test(k)) delete ds[k]; // private tags
  const modality = first.Modality as 'CT' | 'MR';
  Object.assign(ds, {
    SOPClassUID: LEGACY_ENHANCED[modality],
    SOPInstanceUID: newUid(),
    NumberOfFrames: datasets.length,
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: first.PixelSpacing, SliceThickness: first.SliceThickness }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: first.ImageOrientationPatient }],
      },
    ],
    PerFrameFunctionalGroupsSequence: datasets.map((d) => ({
      PlanePositionSequence: [{ ImagePositionPatient: d.ImagePositionPatient }],
      PixelValueTransformationSequence: [
        { RescaleIntercept: d.RescaleIntercept ?? 0, RescaleSlope: d.RescaleSlope ?? 1, RescaleType: 'US' },
      ],
      FrameVOILUTSequence: [{ WindowCenter: 40, WindowWidth: 400 }],
    })),
    PixelData: [concat(datasets.map((d) => (d.PixelData as ArrayBuffer[])[0]))],
  });
  return { bytes: encodeDicom(ds), files };
}

function concat(buffers: ArrayBuffer[]): ArrayBuffer {
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

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
