import type { Contract } from './contract.ts';
import { INPUT_SIDE, LOW_RES_SIDE } from './input-frame.ts';
import { antialiasBilinear, bilinear, type Resampling1d, resample2d } from './resize.ts';

const SIDE = INPUT_SIDE;
const LOW_RES = LOW_RES_SIDE;

/**
 * The `medsam` contract, as MedSAM's inference runs it: the slice stretched to 1024 x 1024 whatever its
 * aspect ratio (the team's choice of resize: torch bilinear with antialias, in float, in place of
 * MedSAM's skimage cubic to uint8), min-max to [0, 1] with the range clipped at 1e-8, no mean/std, no
 * padding; boxes scale per axis; sigmoid of the logits, bilinear to the slice size, > 0.5.
 */
export const medsamContract: Contract = {
  name: 'medsam',

  prepareImage(gray, rows, columns) {
    const resized = resample2d(
      gray,
      rows,
      columns,
      antialiasBilinear(rows, SIDE),
      antialiasBilinear(columns, SIDE),
    );
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < resized.length; i++) {
      const v = resized[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = Math.max(max - min, 1e-8);
    const out = new Float32Array(3 * SIDE * SIDE);
    for (let i = 0; i < resized.length; i++) out[i] = (resized[i] - min) / range;
    out.copyWithin(SIDE * SIDE, 0, SIDE * SIDE);
    out.copyWithin(2 * SIDE * SIDE, 0, SIDE * SIDE);
    return out;
  },

  toInputFrame(rows, columns) {
    // Divide first, as MedSAM scales its box: box / [W, H, W, H] * 1024.
    return (x, y) => [(x / columns) * SIDE, (y / rows) * SIDE];
  },

  postprocess(lowResLogits, rows, columns) {
    const probabilities = new Float32Array(lowResLogits.length);
    for (let i = 0; i < probabilities.length; i++) probabilities[i] = 1 / (1 + Math.exp(-lowResLogits[i]));
    const { alongRows, alongColumns } = postprocessResamplings(rows, columns);
    const resized = resample2d(probabilities, LOW_RES, LOW_RES, alongRows, alongColumns);
    const mask = new Uint8Array(rows * columns);
    for (let i = 0; i < mask.length; i++) mask[i] = resized[i] > 0.5 ? 1 : 0;
    return mask;
  },
};

let memo: { key: string; alongRows: Resampling1d; alongColumns: Resampling1d } | undefined;
function postprocessResamplings(rows: number, columns: number) {
  const key = `${rows}x${columns}`;
  if (memo?.key !== key) {
    memo = { key, alongRows: bilinear(LOW_RES, rows), alongColumns: bilinear(LOW_RES, columns) };
  }
  return memo;
}
