/** A windowed 8-bit grey slice, row-major: the image the paper's 12 corruptions act on. */
export interface Image8 {
  rows: number;
  columns: number;
  data: Uint8Array;
}

/**
 * Clip to [0, 255] and truncate, as the paper's code does (`np.clip(x, 0, 255).astype(np.uint8)`):
 * truncation, not rounding, so a corrupted image is on average ~0.5 grey level darker than its float
 * result, exactly like the images the paper evaluated on.
 */
export function clipTruncate(values: ArrayLike<number>, rows: number, columns: number): Image8 {
  const data = new Uint8Array(rows * columns);
  for (let i = 0; i < data.length; i++) {
    const v = values[i];
    data[i] = v >= 255 ? 255 : v > 0 ? Math.floor(v) : 0;
  }
  return { rows, columns, data };
}

/** Applies `f` to every pixel value (as float) and clips and truncates the result. */
export function mapPixels(image: Image8, f: (value: number) => number): Image8 {
  const out = new Float64Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(image.data[i]);
  return clipTruncate(out, image.rows, image.columns);
}
