/**
 * 1-bit SEG pixel data (PS3.5 8.1.1, PS3.3 C.8.20.2.1): pixel i of the whole frame sequence is
 * bit (i mod 8) of byte floor(i / 8), least significant bit first; frames follow each other with no
 * padding, so a frame starts mid-byte whenever rows x columns is not a multiple of 8. Only the
 * total is padded, to an even length.
 */

/** Bytes needed for `frames` frames of `pixelsPerFrame` 1-bit pixels, padded to an even length. */
export function packedLength(frames: number, pixelsPerFrame: number): number {
  const bytes = Math.ceil((frames * pixelsPerFrame) / 8);
  return bytes + (bytes % 2);
}

/**
 * Sets the bits of one frame: `mask[start .. start + count)` (nonzero = 1) goes to frame `frameIndex`
 * of `out`, which must be zeroed and packedLength() long. The bits up to the next byte boundary are
 * set one by one (that byte is shared with the previous frame); after that, whole bytes are built
 * from 8 pixels at a time and all-empty runs of 8 pixels are skipped.
 */
export function packFrame(
  mask: ArrayLike<number>,
  start: number,
  count: number,
  out: Uint8Array,
  frameIndex: number,
): void {
  let bit = frameIndex * count;
  let i = 0;
  for (; i < count && bit % 8 !== 0; i++, bit++) {
    if (mask[start + i] !== 0) out[Math.floor(bit / 8)] |= 1 << (bit % 8);
  }
  let byte = bit / 8;
  for (; i + 8 <= count; i += 8, byte++) {
    const p = start + i;
    if (
      (mask[p] |
        mask[p + 1] |
        mask[p + 2] |
        mask[p + 3] |
        mask[p + 4] |
        mask[p + 5] |
        mask[p + 6] |
        mask[p + 7]) ===
      0
    )
      continue;
    let value = 0;
    for (let k = 0; k < 8; k++) if (mask[p + k] !== 0) value |= 1 << k;
    out[byte] = value;
  }
  for (bit = byte * 8; i < count; i++, bit++) {
    if (mask[start + i] !== 0) out[Math.floor(bit / 8)] |= 1 << (bit % 8);
  }
}

/**
 * Reads frame `frameIndex` of packed 1-bit data into `out[outStart .. outStart + count)` as 0/1,
 * OR-ed with what is there (several frames of one segment on one slice would merge). Returns how
 * many pixels are set. Zero bytes (8 empty pixels) are skipped whole, which is most of a mask.
 */
export function unpackFrame(
  packed: Uint8Array,
  frameIndex: number,
  count: number,
  out: Uint8Array,
  outStart: number,
): number {
  const firstBit = frameIndex * count;
  const endBit = firstBit + count;
  const endByte = Math.ceil(endBit / 8);
  // Aligned 32-bit view: four empty bytes (32 pixels) are skipped with one test.
  const words =
    packed.byteOffset % 4 === 0
      ? new Uint32Array(packed.buffer, packed.byteOffset, packed.length >>> 2)
      : undefined;
  let set = 0;
  let b = Math.floor(firstBit / 8);
  while (b < endByte) {
    if (words && b % 4 === 0 && b + 4 <= endByte && words[b / 4] === 0) {
      b += 4;
      continue;
    }
    const byte = packed[b];
    if (byte !== 0) {
      for (let k = 0; k < 8; k++) {
        const bit = b * 8 + k;
        if ((byte >>> k) & 1 && bit >= firstBit && bit < endBit) {
          out[outStart + bit - firstBit] = 1;
          set++;
        }
      }
    }
    b++;
  }
  return set;
}
