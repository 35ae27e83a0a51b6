import { describe, expect, it } from 'vitest';
import { modalityValuesFromStored, type StoredPixels } from '../../src/dicom/slice-image.ts';
import { DicomError, InputError } from '../../src/errors.ts';

const pixels = (over: Partial<StoredPixels>): StoredPixels => ({
  rows: 2,
  columns: 2,
  samplesPerPixel: 1,
  photometricInterpretation: 'MONOCHROME2',
  bitsAllocated: 16,
  bitsStored: 12,
  pixelRepresentation: 1,
  rescaleSlope: 1,
  rescaleIntercept: -1024,
  data: new Uint8Array(new Int16Array([0, 1024, 2047, -2048]).buffer),
  ...over,
});

describe('stored pixel values -> modality values', () => {
  it('masks to BitsStored, sign-extends and rescales', () => {
    // 12 bits stored, signed: 2047 is the largest value and -2048 (0xF800 in 16 bits) the smallest.
    expect(Array.from(modalityValuesFromStored(pixels({})))).toEqual([-1024, 0, 1023, -3072]);
  });

  it('calls damaged pixel attributes a DICOM error (exit 5) and unsupported images an input error', () => {
    expect(() => modalityValuesFromStored(pixels({ bitsStored: 20 }))).toThrow(DicomError);
    expect(() => modalityValuesFromStored(pixels({ data: new Uint8Array(6) }))).toThrow(DicomError);
    expect(() => modalityValuesFromStored(pixels({ samplesPerPixel: 3 }))).toThrow(InputError);
    expect(() => modalityValuesFromStored(pixels({ photometricInterpretation: 'RGB' }))).toThrow(
      /only MONOCHROME1 and MONOCHROME2/,
    );
  });
});
