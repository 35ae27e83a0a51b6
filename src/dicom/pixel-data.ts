import { Decoder as JpegLosslessDecoder } from '@cornerstonejs/jpeg-lossless-decoder-js';
import jpeg from 'jpeg-js';
import { DicomError } from '../errors.ts';
import { type DicomDataset, number } from './dataset.ts';
import { decodeRleFrame } from './rle.ts';
import {
  assertPixelsDecodable,
  EXPLICIT_VR_BIG_ENDIAN,
  JPEG_BASELINE,
  JPEG_LOSSLESS,
  JPEG_LOSSLESS_SV1,
  RLE_LOSSLESS,
  registeredDecoder,
} from './transfer-syntax.ts';

/**
 * The native (uncompressed, little-endian) bytes of one frame of an image's PixelData, whatever the
 * file's transfer syntax, or a DicomError saying why not.
 */
export function nativeFrameBytes(
  ds: DicomDataset,
  transferSyntaxUID: string,
  frame: number,
  source: string,
): Uint8Array {
  assertPixelsDecodable(transferSyntaxUID, source);
  const rows = number(ds, 'Rows') ?? 0;
  const columns = number(ds, 'Columns') ?? 0;
  const bitsAllocated = number(ds, 'BitsAllocated') ?? 0;
  const samples = number(ds, 'SamplesPerPixel') ?? 1;
  const frames = number(ds, 'NumberOfFrames') ?? 1;
  const pixelData = ds.PixelData as ArrayBuffer[] | undefined;
  if (!pixelData || pixelData.length === 0) {
    throw new DicomError(
      'no-pixel-data',
      `${source} has no PixelData; it is not an image (or it is truncated).`,
      'Leave non-image files out of the series folder, or copy a cut-short file again from its source.',
    );
  }
  const pixelCount = rows * columns * samples;
  const frameBytes = Math.ceil((pixelCount * bitsAllocated) / 8);
  const codec = registeredDecoder(transferSyntaxUID);
  const encapsulated =
    transferSyntaxUID === RLE_LOSSLESS ||
    transferSyntaxUID === JPEG_BASELINE ||
    transferSyntaxUID === JPEG_LOSSLESS ||
    transferSyntaxUID === JPEG_LOSSLESS_SV1 ||
    codec !== undefined;
  if (encapsulated) {
    // dcmjs returns one buffer per frame for encapsulated data (a single frame's fragments joined).
    const fragment =
      pixelData.length === frames ? pixelData[frame] : frames === 1 ? concat(pixelData) : undefined;
    if (!fragment) {
      throw new DicomError(
        'corrupt-compressed-pixel-data',
        `${source}: ${pixelData.length} compressed fragments for ${frames} frames.`,
      );
    }
    if (codec) return codec(new Uint8Array(fragment), { rows, columns, bitsAllocated, samples }, source);
    if (transferSyntaxUID === RLE_LOSSLESS) {
      return decodeRleFrame(new Uint8Array(fragment), rows * columns, bitsAllocated / 8, source);
    }
    if (transferSyntaxUID === JPEG_BASELINE)
      return decodeJpegBaseline(fragment, pixelCount, bitsAllocated, source);
    return decodeJpegLossless(fragment, pixelCount, bitsAllocated, source);
  }
  const all = pixelData.length === 1 ? new Uint8Array(pixelData[0]) : new Uint8Array(concat(pixelData));
  const needed = frameBytes * frames;
  if (all.byteLength < needed) {
    throw new DicomError(
      'pixel-data-length',
      `${source}: PixelData has ${all.byteLength} bytes, but ${frames} frame(s) of ${rows}x${columns} at ${bitsAllocated} bits need ${needed}.`,
      'The file is truncated or its image attributes are wrong; copy it again from its source.',
    );
  }
  // One byte of padding makes an odd length even (PS3.5 7.1.1); more means the image attributes do
  // not describe these bytes (8 bits declared on 16-bit data, say), and reading them would be garbage.
  if (all.byteLength > needed + (needed % 2)) {
    throw new DicomError(
      'pixel-data-length',
      `${source}: PixelData has ${all.byteLength} bytes, but ${frames} frame(s) of ${rows}x${columns} at ${bitsAllocated} bits need ${needed}.`,
      'Its image attributes (Rows, Columns, BitsAllocated, SamplesPerPixel, NumberOfFrames) do not describe its pixel data; the file is damaged.',
    );
  }
  const bytes = all.subarray(frame * frameBytes, (frame + 1) * frameBytes);
  // dcmjs hands pixel data of a big-endian file over as stored: swap each sample to little endian.
  return transferSyntaxUID === EXPLICIT_VR_BIG_ENDIAN ? toLittleEndian(bytes, bitsAllocated) : bytes;
}

function toLittleEndian(bytes: Uint8Array, bitsAllocated: number): Uint8Array {
  const width = bitsAllocated / 8;
  if (width <= 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k];
  }
  return out;
}

function decodeJpegLossless(
  fragment: ArrayBuffer,
  pixelCount: number,
  bitsAllocated: number,
  source: string,
): Uint8Array {
  let decoded: Uint8Array | Uint16Array;
  try {
    decoded = new JpegLosslessDecoder().decode(fragment, 0, fragment.byteLength, bitsAllocated / 8);
  } catch (error) {
    throw new DicomError(
      'corrupt-jpeg',
      `${source}: its JPEG Lossless pixel data cannot be decoded (${(error as Error).message}).`,
      'The file is damaged; copy it again from its source.',
      { cause: error },
    );
  }
  if (decoded.length < pixelCount || decoded.BYTES_PER_ELEMENT !== bitsAllocated / 8) {
    throw new DicomError(
      'corrupt-jpeg',
      `${source}: JPEG Lossless data decodes to ${decoded.length} samples of ${8 * decoded.BYTES_PER_ELEMENT} bits; ${pixelCount} of ${bitsAllocated} bits expected.`,
    );
  }
  // Native little-endian bytes, as for uncompressed data (typed arrays use the platform order, which
  // is little endian on every platform Node and browsers run on).
  return new Uint8Array(decoded.buffer, decoded.byteOffset, pixelCount * decoded.BYTES_PER_ELEMENT);
}

/** 8-bit greyscale JPEG Baseline (lossy; some MR and secondary-capture exports use it). */
function decodeJpegBaseline(
  fragment: ArrayBuffer,
  pixelCount: number,
  bitsAllocated: number,
  source: string,
): Uint8Array {
  if (bitsAllocated !== 8) {
    throw new DicomError(
      'corrupt-jpeg',
      `${source}: JPEG Baseline pixel data must be 8-bit, not ${bitsAllocated}.`,
    );
  }
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    // useTArray: typed arrays instead of Node's Buffer, so this runs in browsers too.
    decoded = jpeg.decode(new Uint8Array(fragment), { useTArray: true, formatAsRGBA: false });
  } catch (error) {
    throw new DicomError(
      'corrupt-jpeg',
      `${source}: its JPEG Baseline pixel data cannot be decoded (${(error as Error).message}).`,
      'The file is damaged; copy it again from its source.',
      { cause: error },
    );
  }
  if (decoded.width * decoded.height !== pixelCount) {
    throw new DicomError(
      'corrupt-jpeg',
      `${source}: the JPEG image is ${decoded.width}x${decoded.height}, the DICOM header says ${pixelCount} pixels.`,
    );
  }
  // jpeg-js returns RGB even for one component (grey repeated): keep one channel.
  const grey = new Uint8Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) grey[i] = decoded.data[3 * i];
  return grey;
}

function concat(buffers: ArrayBuffer[]): ArrayBuffer {
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
