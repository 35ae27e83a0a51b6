/**
 * Two SegSeries compared field by field: identifiers, patient, study, inherited attributes, sizes and
 * frame numbers exactly; only the floating-point geometry (spacings, directions, positions) within a
 * tolerance. Used where the SegSeries built from Cornerstone metadata must equal the file-based one.
 */
import { expect } from 'vitest';
import type { SegSeries } from '../../src/cornerstone/seg-compose.ts';
import type { SeriesLayout } from '../../src/dicom/seg-reader.ts';
import type { SegmentationSource } from '../../src/dicom/seg-writer.ts';

/** One slice of a SegSeries: what the writer and the reader each need of it. */
type SegSlice = SegmentationSource['slices'][number] & SeriesLayout['slices'][number];

/** toBeCloseTo digits: |difference| < 5e-10 mm. */
const DIGITS = 9;

function expectClose(actual: number | undefined, expected: number | undefined, field: string): void {
  if (expected === undefined) {
    expect(actual, field).toBeUndefined();
    return;
  }
  expect(actual, field).toBeTypeOf('number');
  expect(actual, field).toBeCloseTo(expected, DIGITS);
}

function expectCloseAll(actual: ArrayLike<number>, expected: ArrayLike<number>, field: string): void {
  expect(actual.length, `${field} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i], `${field}[${i}]`);
}

export function expectSameSegSeries(actual: SegSeries, expected: SegSeries): void {
  expect(Object.keys(actual).sort(), 'fields').toEqual(Object.keys(expected).sort());
  expect(actual.seriesInstanceUID, 'seriesInstanceUID').toBe(expected.seriesInstanceUID);
  expect(actual.frameOfReferenceUID, 'frameOfReferenceUID').toBe(expected.frameOfReferenceUID);
  expect(actual.patient, 'patient').toEqual(expected.patient);
  expect(actual.study, 'study').toEqual(expected.study);
  expect(actual.inherited, 'inherited').toEqual(expected.inherited);

  const a = actual.geometry;
  const e = expected.geometry;
  expect(a.rows, 'geometry.rows').toBe(e.rows);
  expect(a.columns, 'geometry.columns').toBe(e.columns);
  expectCloseAll(a.pixelSpacing, e.pixelSpacing, 'geometry.pixelSpacing');
  expectCloseAll(a.orientation, e.orientation, 'geometry.orientation');
  expectCloseAll(a.normal, e.normal, 'geometry.normal');
  expectClose(a.sliceThickness, e.sliceThickness, 'geometry.sliceThickness');
  expectClose(a.spacingBetweenSlices, e.spacingBetweenSlices, 'geometry.spacingBetweenSlices');

  const actualSlices = actual.slices as SegSlice[];
  expect(actualSlices.length, 'slices').toBe(expected.slices.length);
  (expected.slices as SegSlice[]).forEach((s, k) => {
    const t = actualSlices[k];
    expect(t.sopClassUID, `slices[${k}].sopClassUID`).toBe(s.sopClassUID);
    expect(t.sopInstanceUID, `slices[${k}].sopInstanceUID`).toBe(s.sopInstanceUID);
    expect(t.frame, `slices[${k}].frame`).toBe(s.frame);
    expectCloseAll(t.imagePositionPatient, s.imagePositionPatient, `slices[${k}].imagePositionPatient`);
    expectClose(t.positionAlongNormal, s.positionAlongNormal, `slices[${k}].positionAlongNormal`);
  });
}
