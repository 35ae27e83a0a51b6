/**
 * 1-bit SEG pixel data (PS3.5 8.1.1 and DESIGN.md section 4): pixel i of the whole frame sequence is
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
 * of `out`, which must be zeroed and packedLength() long. Only set bits are written, so sparse masks
 * cost one comparison per pixel.
 */
export function packFrame(
  mask: ArrayLike<number>,
  start: number,
  count: number,
  out: Uint8Array,
  frameIndex: number,
): void {
  const firstBit = frameIndex * count;
  for (let i = 0; i < count; i++) {
    if (mask[start + i] !== 0) {
      const bit = firstBit + i;
      out[bit >>> 3] |= 1 << (bit & 7);
    }
  }
}

/**
 * Reads frame `frameIndex` of packed 1-bit data into `out[outStart .. outStart + count)` as 0/1,
 * OR-ed with what is there (several frames of one segment on one slice would merge).
 */
export function unpackFrame(
  packed: Uint8Array,
  frameIndex: number,
  count: number,
  out: Uint8Array,
  outStart: number,
): number {
  const firstBit = frameIndex * count;
  let set = 0;
  for (let i = 0; i < count; i++) {
    const bit = firstBit + i;
    const byte = packed[bit >>> 3];
    if (byte !== 0 && (byte >>> (bit & 7)) & 1) {
      out[outStart + i] = 1;
      set++;
    }
  }
  return set;
}
