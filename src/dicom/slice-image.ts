import { DicomError, InputError } from '../errors.ts';

/**
 * One 2-D slice in modality units (HU for CT), the hand-off from src/dicom to everything downstream.
 * Values are row-major, `rows * columns` long. MONOCHROME1 is kept as a flag rather than inverted in
 * `values`, so modality values stay physical; display and the 8-bit window honour the flag.
 */
export interface SliceImage {
  rows: number;
  columns: number;
  values: Float32Array;
  /** DICOM Modality (0008,0060), e.g. 'CT' or 'MR'. It picks the default window. */
  modality: string;
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  sopInstanceUID: string;
  /** 0-based frame within the instance (0 for single-frame objects). */
  frame: number;
  /** [row spacing, column spacing] in mm (PixelSpacing order). */
  pixelSpacing: [number, number];
  imagePositionPatient?: [number, number, number];
  imageOrientationPatient?: [number, number, number, number, number, number];
  /** The first VOI window stored in the file, if any (modality units). */
  voi?: { center: number; width: number };
}

/** The pixel-module attributes needed to turn stored values into modality values. */
export interface StoredPixels {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** One frame of native (uncompressed) pixel data, little endian. */
  data: Uint8Array;
}

/**
 * Stored values -> modality values (PS3.3 C.7.6.3 and C.11.1): mask to BitsStored, sign-extend when
 * PixelRepresentation is 1, then value * slope + intercept.
 */
export function modalityValuesFromStored(p: StoredPixels): Float32Array {
  const photometric = p.photometricInterpretation.trim();
  if (p.samplesPerPixel !== 1) {
    throw new InputError(
      'unsupported-samples-per-pixel',
      `SamplesPerPixel is ${p.samplesPerPixel}; only greyscale images (1 sample per pixel) can be segmented.`,
      'Choose a CT or MR series; colour images (RGB, YBR) are not supported.',
    );
  }
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new InputError(
      'unsupported-photometric-interpretation',
      `PhotometricInterpretation is ${photometric || '(empty)'}; only MONOCHROME1 and MONOCHROME2 are supported.`,
      'Choose a greyscale CT or MR series.',
    );
  }
  if (p.bitsAllocated !== 8 && p.bitsAllocated !== 16 && p.bitsAllocated !== 32) {
    throw new InputError(
      'unsupported-bits-allocated',
      `BitsAllocated is ${p.bitsAllocated}; only 8, 16 and 32 are supported.`,
      'Packed 12-bit pixels are not read here: convert the series to 16-bit (e.g. `dcmconv +ua` or `gdcmconv --raw`).',
    );
  }
  if (p.bitsStored < 1 || p.bitsStored > p.bitsAllocated) {
    // Valid DICOM never has these: the file is damaged (a DICOM error), not merely unsupported.
    throw new DicomError(
      'invalid-bits-stored',
      `BitsStored ${p.bitsStored} does not fit BitsAllocated ${p.bitsAllocated}.`,
      'The image attributes are damaged (BitsStored must lie between 1 and BitsAllocated); export the series again from its source.',
    );
  }
  const count = p.rows * p.columns;
  const bytesPerPixel = p.bitsAllocated / 8;
  if (p.data.byteLength < count * bytesPerPixel) {
    throw new DicomError(
      'pixel-data-too-short',
      `Pixel data has ${p.data.byteLength} bytes; ${p.rows}x${p.columns} pixels of ${p.bitsAllocated} bits need ${count * bytesPerPixel}.`,
      'The file is truncated or its pixel attributes are wrong.',
    );
  }
  const view = new DataView(p.data.buffer, p.data.byteOffset, count * bytesPerPixel);
  const slope = p.rescaleSlope ?? 1;
  const intercept = p.rescaleIntercept ?? 0;
  const signed = p.pixelRepresentation === 1;
  // Unsigned arithmetic on up to 32 bits: use Math rather than bit operators, which are signed 32-bit.
  const storedRange = 2 ** p.bitsStored;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let raw =
      bytesPerPixel === 1
        ? view.getUint8(i)
        : bytesPerPixel === 2
          ? view.getUint16(i * 2, true)
          : view.getUint32(i * 4, true);
    raw %= storedRange;
    if (signed && raw >= storedRange / 2) raw -= storedRange;
    out[i] = raw * slope + intercept;
  }
  return out;
}
