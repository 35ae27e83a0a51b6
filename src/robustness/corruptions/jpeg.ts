import jpeg from 'jpeg-js';
import type { Image8 } from './image8.ts';

/**
 * jpeg-js's encoder ends with `Buffer.from(bytes)` whenever a CommonJS `module` is in scope, which is
 * also the case inside browser bundles, where there is no Buffer. Lend it the one method it uses, for
 * the duration of the (synchronous) call only.
 */
function encodeJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Uint8Array {
  const scope = globalThis as { Buffer?: unknown };
  const lend = scope.Buffer === undefined;
  if (lend) scope.Buffer = { from: (bytes: ArrayLike<number>) => Uint8Array.from(bytes) };
  try {
    const encoded = jpeg.encode({ width, height, data: rgba }, quality);
    return new Uint8Array(encoded.data.buffer, encoded.data.byteOffset, encoded.data.byteLength);
  } finally {
    if (lend) delete scope.Buffer;
  }
}

/**
 * A real JPEG round trip through jpeg-js (baseline, IJG quality scaling, 4:4:4). The grey slice goes in
 * as R = G = B, as the paper's 3-channel images did; the decoded channels are averaged back to grey.
 */
export function jpegCompress(image: Image8, quality: number): Image8 {
  const { rows, columns } = image;
  const rgba = new Uint8Array(rows * columns * 4);
  for (let i = 0; i < rows * columns; i++) {
    const v = image.data[i];
    rgba[4 * i] = v;
    rgba[4 * i + 1] = v;
    rgba[4 * i + 2] = v;
    rgba[4 * i + 3] = 255;
  }
  const encoded = encodeJpeg(rgba, columns, rows, quality);
  const decoded = jpeg.decode(encoded, { useTArray: true, formatAsRGBA: true });
  const data = new Uint8Array(rows * columns);
  for (let i = 0; i < rows * columns; i++) {
    data[i] = Math.round((decoded.data[4 * i] + decoded.data[4 * i + 1] + decoded.data[4 * i + 2]) / 3);
  }
  return { rows, columns, data };
}

/** Size in bytes of the JPEG stream at `quality` (for tests and reports of the compression level). */
export function jpegSize(image: Image8, quality: number): number {
  const rgba = new Uint8Array(image.rows * image.columns * 4);
  for (let i = 0; i < image.data.length; i++) rgba.fill(image.data[i], 4 * i, 4 * i + 3);
  return encodeJpeg(rgba, image.columns, image.rows, quality).length;
}
