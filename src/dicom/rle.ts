import { DicomError } from '../errors.ts';

/**
 * Decodes one RLE Lossless frame (PS3.5 Annex G) into native little-endian pixel bytes. The format is
 * small and fully specified (a 64-byte header of segment offsets, then one PackBits segment per
 * byte plane, most significant plane first), so it is decoded here rather than through a codec
 * package; every other compressed syntax is refused by name.
 */
export function decodeRleFrame(
  encoded: Uint8Array,
  pixelCount: number,
  bytesPerSample: number,
  source: string,
): Uint8Array {
  const fail = (what: string) =>
    new DicomError('corrupt-rle', `${source}: RLE Lossless pixel data is damaged (${what}).`);
  if (encoded.byteLength < 64) throw fail('header shorter than 64 bytes');
  const header = new DataView(encoded.buffer, encoded.byteOffset, 64);
  const segments = header.getUint32(0, true);
  if (segments !== bytesPerSample) throw fail(`${segments} segments for ${bytesPerSample}-byte samples`);
  const out = new Uint8Array(pixelCount * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = header.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? header.getUint32(8 + 4 * s, true) : encoded.byteLength;
    if (start < 64 || end > encoded.byteLength || end < start) throw fail(`segment ${s + 1} offsets`);
    // Segment 0 holds the most significant byte of each sample; native order is little endian.
    const byteInSample = bytesPerSample - 1 - s;
    let pixel = 0;
    let i = start;
    while (i < end && pixel < pixelCount) {
      const n = (encoded[i++] << 24) >> 24;
      // A run that needs bytes past its segment's end comes from data cut short: reading on would
      // take bytes of the next segment, or none at all.
      if (n >= 0 && i + n + 1 > end) throw fail(`segment ${s + 1} ends inside a literal run`);
      if (n < 0 && n !== -128 && i + 1 > end) throw fail(`segment ${s + 1} ends inside a repeat run`);
      if (n >= 0) {
        for (let k = 0; k <= n && pixel < pixelCount; k++)
          out[pixel++ * bytesPerSample + byteInSample] = encoded[i++];
      } else if (n !== -128) {
        const value = encoded[i++];
        for (let k = 0; k < 1 - n && pixel < pixelCount; k++)
          out[pixel++ * bytesPerSample + byteInSample] = value;
      }
    }
    if (pixel < pixelCount) throw fail(`segment ${s + 1} decodes to ${pixel} of ${pixelCount} pixels`);
  }
  return out;
}
