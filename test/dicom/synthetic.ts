import {
  type ImageSeriesSpec,
  stackPositions,
  writeImageSeries,
} from '../../src/dicom/image-series-writer.ts';
import type { DicomFileBytes } from '../../src/dicom/series.ts';
import { uidFromSeed } from '../../src/dicom/uid.ts';

/** A small CT series spec (values vary per slice and pixel) for tests that need no shared data. */
export function smallCtSpec(
  overrides: Partial<ImageSeriesSpec> = {},
  slices = 4,
  rows = 10,
  columns = 12,
): ImageSeriesSpec {
  const orientation: ImageSeriesSpec['geometry']['orientation'] = [1, 0, 0, 0, 1, 0];
  return {
    modality: 'CT',
    patient: { patientName: 'Test^Patient', patientID: 'P1', patientBirthDate: '19700101', patientSex: 'O' },
    study: {
      studyInstanceUID: uidFromSeed('study'),
      studyDate: '20240101',
      studyTime: '120000',
      studyID: 'S1',
      accessionNumber: 'A1',
      referringPhysicianName: '',
      studyDescription: 'Synthetic',
    },
    frameOfReferenceUID: uidFromSeed('for'),
    seriesInstanceUID: uidFromSeed('series'),
    geometry: {
      rows,
      columns,
      pixelSpacing: [0.8, 0.7],
      orientation,
      positions: stackPositions([-4, -5, 10], orientation, 2.5, slices),
      sliceThickness: 2.5,
    },
    values: Array.from({ length: slices }, (_, z) =>
      Float32Array.from({ length: rows * columns }, (_, i) => -1000 + 7 * i + 100 * z),
    ),
    seriesDescription: 'Synthetic CT',
    seriesNumber: 2,
    ...overrides,
  };
}

/** Writes a spec and names the files like a folder would. */
export function asFiles(spec: ImageSeriesSpec, prefix = 'slice'): DicomFileBytes[] {
  return writeImageSeries(spec).map((i) => ({ name: `${prefix}${i.index}.dcm`, bytes: i.bytes }));
}
