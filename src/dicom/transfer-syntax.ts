import { DicomError } from '../errors.ts';

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';
export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';
export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
export const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.57';
export const JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';
export const JPEG_LS_LOSSLESS = '1.2.840.10008.1.2.4.80';
export const JPEG_LS_NEAR_LOSSLESS = '1.2.840.10008.1.2.4.81';
export const JPEG_2000_LOSSLESS = '1.2.840.10008.1.2.4.90';
export const JPEG_2000 = '1.2.840.10008.1.2.4.91';

/**
 * Decoders that another module provides for one compressed syntax: a frame's encoded bytes to native
 * little-endian pixel bytes. The codecs that need asynchronous start-up (JPEG 2000, JPEG-LS, as
 * WebAssembly) register here once started (codecs.ts); the rest is built in.
 */
export type FrameDecoder = (
  fragment: Uint8Array,
  expected: { rows: number; columns: number; bitsAllocated: number; samples: number },
  source: string,
) => Uint8Array;

const registered = new Map<string, FrameDecoder>();

export function registerFrameDecoder(uids: string[], decoder: FrameDecoder): void {
  for (const uid of uids) registered.set(uid, decoder);
}

export function registeredDecoder(uid: string): FrameDecoder | undefined {
  return registered.get(uid);
}

/** Names for the error message when a file uses a transfer syntax we cannot decode. */
const NAMES: Record<string, string> = {
  [IMPLICIT_VR_LITTLE_ENDIAN]: 'Implicit VR Little Endian',
  [EXPLICIT_VR_LITTLE_ENDIAN]: 'Explicit VR Little Endian',
  [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]: 'Deflated Explicit VR Little Endian',
  [EXPLICIT_VR_BIG_ENDIAN]: 'Explicit VR Big Endian (retired)',
  [RLE_LOSSLESS]: 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, First-Order Prediction (Process 14 SV1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
};

export function transferSyntaxName(uid: string): string {
  return NAMES[uid] ? `${NAMES[uid]} (${uid})` : uid;
}

/**
 * Pixel data we can turn into values. dcmjs reads every little-endian syntax and inflates the
 * deflated one itself; RLE Lossless is decoded in rle.ts, JPEG Lossless (process 14, the usual
 * lossless archive format for CT/MR) by @cornerstonejs/jpeg-lossless-decoder-js and 8-bit JPEG
 * Baseline by jpeg-js. Every other
 * compressed syntax is refused by name, so the user knows to decompress the series first.
 */
export function assertPixelsDecodable(uid: string, source: string): void {
  if (
    uid === IMPLICIT_VR_LITTLE_ENDIAN ||
    uid === EXPLICIT_VR_LITTLE_ENDIAN ||
    uid === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ||
    uid === RLE_LOSSLESS ||
    uid === JPEG_BASELINE ||
    uid === JPEG_LOSSLESS ||
    uid === JPEG_LOSSLESS_SV1 ||
    uid === EXPLICIT_VR_BIG_ENDIAN ||
    registered.has(uid)
  )
    return;
  const codecs = [JPEG_LS_LOSSLESS, JPEG_LS_NEAR_LOSSLESS, JPEG_2000_LOSSLESS, JPEG_2000].includes(uid);
  throw new DicomError(
    'unsupported-transfer-syntax',
    `${source}: transfer syntax ${transferSyntaxName(uid)} cannot be decoded here.`,
    codecs
      ? 'Its codec was not started here (the command line and the demo viewer start it: startImageCodecs in codecs.ts); decompress the series first, e.g. with `gdcmconv --raw IN OUT`.'
      : 'Supported: Implicit/Explicit VR Little and Big Endian, Deflated Explicit VR Little Endian, RLE Lossless, ' +
          'JPEG Lossless (process 14), 8-bit JPEG Baseline, and where their codecs are started JPEG 2000 and JPEG-LS. ' +
          'Decompress the series first, e.g. with `gdcmconv --raw IN OUT` or `dcmdjpeg IN OUT`.',
  );
}
