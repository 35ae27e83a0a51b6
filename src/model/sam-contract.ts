import type { Contract } from './contract.ts';
import { INPUT_SIDE, LOW_RES_SIDE } from './input-frame.ts';
import { antialiasBilinear, bilinear, compose, type Resampling1d, resample2d } from './resize.ts';

const SIDE = INPUT_SIDE;
const LOW_RES = LOW_RES_SIDE;
/** SAM's pixel mean and std (0-255 scale), per RGB channel. */
const PIXEL_MEAN = [123.675, 116.28, 103.53];
const PIXEL_STD = [58.395, 57.12, 57.375];

/** SAM's ResizeLongestSide: the longest side becomes 1024, the other int(side * 1024 / longest + 0.5). */
export function samResizedSize(rows: number, columns: number): { rows: number; columns: number } {
  const scale = SIDE / Math.max(rows, columns);
  return { rows: Math.trunc(rows * scale + 0.5), columns: Math.trunc(columns * scale + 0.5) };
}

/**
 * The `sam` contract, as SamPredictor and the RobustMedSAM authors' eval.py run it: float resize of the
 * longest side to 1024 (torch bilinear, antialiased), SAM's mean/std normalisation, zero padding right
 * and bottom; boxes scale by the same per-axis factors; logits go 256 -> 1024, lose the padding, then go
 * to the slice size, and are thresholded at 0.
 */
export const samContract: Contract = {
  name: 'sam',

  prepareImage(gray, rows, columns) {
    const size = samResizedSize(rows, columns);
    const resized = resample2d(
      gray,
      rows,
      columns,
      antialiasBilinear(rows, size.rows),
      antialiasBilinear(columns, size.columns),
    );
    const out = new Float32Array(3 * SIDE * SIDE); // the padding is 0 after normalisation, as in SAM
    for (let c = 0; c < 3; c++) {
      const mean = PIXEL_MEAN[c];
      const std = PIXEL_STD[c];
      const plane = c * SIDE * SIDE;
      for (let y = 0; y < size.rows; y++) {
        const from = y * size.columns;
        const to = plane + y * SIDE;
        for (let x = 0; x < size.columns; x++) out[to + x] = (resized[from + x] - mean) / std;
      }
    }
    return out;
  },

  toInputFrame(rows, columns) {
    // Ratio first, as SAM's ResizeLongestSide.apply_coords.
    const size = samResizedSize(rows, columns);
    const scaleX = size.columns / columns;
    const scaleY = size.rows / rows;
    return (x, y) => [x * scaleX, y * scaleY];
  },

  postprocess(lowResLogits, rows, columns) {
    const { alongRows, alongColumns } = postprocessResamplings(rows, columns);
    const logits = resample2d(lowResLogits, LOW_RES, LOW_RES, alongRows, alongColumns);
    const mask = new Uint8Array(rows * columns);
    for (let i = 0; i < mask.length; i++) mask[i] = logits[i] > 0 ? 1 : 0;
    return mask;
  },
};

/**
 * 256 -> 1024 (bilinear), crop to the resized image, -> slice size (bilinear), composed into one
 * resampling per axis. Memoised for the last slice size: every box on a slice reuses it.
 */
let memo: { key: string; alongRows: Resampling1d; alongColumns: Resampling1d } | undefined;
function postprocessResamplings(rows: number, columns: number) {
  const key = `${rows}x${columns}`;
  if (memo?.key !== key) {
    const size = samResizedSize(rows, columns);
    const up = bilinear(LOW_RES, SIDE);
    memo = {
      key,
      alongRows: compose(up, bilinear(size.rows, rows)),
      alongColumns: compose(up, bilinear(size.columns, columns)),
    };
  }
  return memo;
}
