/**
 * Separable linear resampling of single-channel float images, matching torch's
 * `F.interpolate(mode="bilinear", align_corners=False)` with and without `antialias=True`.
 *
 * A resize is two 1-D resamplings (rows, then columns). Each is kept as a small sparse matrix
 * (`Resampling1d`), so that a chain of resizes (SAM's postprocessing: 256 -> 1024, crop, -> slice size)
 * can be composed into one matrix per axis and applied once, without materialising the big
 * intermediate image.
 */

/** output[i] = sum over k < count[i] of weights[i * taps + k] * input[start[i] + k]. */
export interface Resampling1d {
  inSize: number;
  outSize: number;
  taps: number;
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
}

const f32 = Math.fround;

/**
 * torch's antialiased bilinear weights (aten UpSampleKernel `_compute_weights_aa` with the triangle
 * filter): a triangle stretched by the scale when shrinking, plain bilinear when enlarging. The scale
 * and centres are computed in float32 as torch does for float tensors.
 */
export function antialiasBilinear(inSize: number, outSize: number): Resampling1d {
  const scale = f32(inSize / outSize);
  const support = scale >= 1 ? f32(1 * scale) : 1;
  const invScale = scale >= 1 ? f32(1 / scale) : 1;
  const taps = Math.ceil(support) * 2 + 1;
  const r = emptyResampling(inSize, outSize, taps);
  for (let i = 0; i < outSize; i++) {
    const center = f32(scale * (i + 0.5));
    const xmin = Math.max(Math.trunc(f32(center - support + 0.5)), 0);
    const xsize = Math.min(Math.trunc(f32(center + support + 0.5)), inSize) - xmin;
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const x = Math.abs((j + xmin - center + 0.5) * invScale);
      const w = x < 1 ? 1 - x : 0;
      r.weights[i * taps + j] = w;
      total += w;
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) r.weights[i * taps + j] /= total;
    r.start[i] = xmin;
    r.count[i] = xsize;
  }
  return r;
}

/**
 * torch's plain bilinear (no antialias) with align_corners=False: source = scale * (i + 0.5) - 0.5,
 * clamped at 0; the right neighbour is clamped to the last pixel.
 */
export function bilinear(inSize: number, outSize: number): Resampling1d {
  // The scale is a float32 (torch computes it in the tensor's type); the source position is not rounded.
  const scale = f32(inSize / outSize);
  const r = emptyResampling(inSize, outSize, 2);
  for (let i = 0; i < outSize; i++) {
    const source = Math.max(scale * (i + 0.5) - 0.5, 0);
    const i0 = Math.trunc(source);
    const lambda = Math.min(Math.max(source - i0, 0), 1);
    r.start[i] = i0;
    if (i0 < inSize - 1) {
      r.count[i] = 2;
      r.weights[i * 2] = 1 - lambda;
      r.weights[i * 2 + 1] = lambda;
    } else {
      r.count[i] = 1;
      r.weights[i * 2] = 1;
    }
  }
  return r;
}

/**
 * `second` applied to the output of `first` as one resampling. `second.inSize` may be smaller than
 * `first.outSize`: that is a crop of the first output to its leading `second.inSize` samples.
 */
export function compose(first: Resampling1d, second: Resampling1d): Resampling1d {
  if (second.inSize > first.outSize) {
    throw new Error(
      `compose: second resampling reads ${second.inSize} samples, first gives ${first.outSize}`,
    );
  }
  const outSize = second.outSize;
  const starts = new Int32Array(outSize);
  const ends = new Int32Array(outSize);
  let taps = 1;
  for (let i = 0; i < outSize; i++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < second.count[i]; k++) {
      const m = second.start[i] + k;
      lo = Math.min(lo, first.start[m]);
      hi = Math.max(hi, first.start[m] + first.count[m]);
    }
    starts[i] = lo;
    ends[i] = hi;
    taps = Math.max(taps, hi - lo);
  }
  const r = emptyResampling(first.inSize, outSize, taps);
  for (let i = 0; i < outSize; i++) {
    r.start[i] = starts[i];
    r.count[i] = ends[i] - starts[i];
    for (let k = 0; k < second.count[i]; k++) {
      const m = second.start[i] + k;
      const w2 = second.weights[i * second.taps + k];
      for (let l = 0; l < first.count[m]; l++) {
        r.weights[i * taps + first.start[m] + l - starts[i]] += w2 * first.weights[m * first.taps + l];
      }
    }
  }
  return r;
}

/**
 * Resamples a rows x columns image (row-major) along columns (`alongColumns`: width) then rows
 * (`alongRows`: height). The result is alongRows.outSize x alongColumns.outSize, row-major.
 */
export function resample2d(
  src: Float32Array | Uint8Array,
  rows: number,
  columns: number,
  alongRows: Resampling1d,
  alongColumns: Resampling1d,
): Float32Array {
  if (alongRows.inSize !== rows || alongColumns.inSize !== columns || src.length !== rows * columns) {
    throw new Error(
      `resample2d: image is ${rows}x${columns} (${src.length} values), resampling expects ` +
        `${alongRows.inSize}x${alongColumns.inSize}`,
    );
  }
  const outRows = alongRows.outSize;
  const outColumns = alongColumns.outSize;
  // Only the source rows that some output row reads need the horizontal pass.
  const needed = new Uint8Array(rows);
  for (let i = 0; i < outRows; i++) {
    for (let k = 0; k < alongRows.count[i]; k++) needed[alongRows.start[i] + k] = 1;
  }
  const wide = new Float32Array(rows * outColumns);
  const { start: cs, count: cc, weights: cw, taps: ct } = alongColumns;
  for (let y = 0; y < rows; y++) {
    if (!needed[y]) continue;
    const rowIn = y * columns;
    const rowOut = y * outColumns;
    for (let x = 0; x < outColumns; x++) {
      const base = rowIn + cs[x];
      const wBase = x * ct;
      let sum = 0;
      for (let k = 0; k < cc[x]; k++) sum += cw[wBase + k] * src[base + k];
      wide[rowOut + x] = sum;
    }
  }
  const out = new Float32Array(outRows * outColumns);
  const { start: rs, count: rc, weights: rw, taps: rt } = alongRows;
  const acc = new Float64Array(outColumns);
  for (let y = 0; y < outRows; y++) {
    acc.fill(0);
    for (let k = 0; k < rc[y]; k++) {
      const w = rw[y * rt + k];
      if (w === 0) continue;
      const rowIn = (rs[y] + k) * outColumns;
      for (let x = 0; x < outColumns; x++) acc[x] += w * wide[rowIn + x];
    }
    out.set(acc, y * outColumns);
  }
  return out;
}

function emptyResampling(inSize: number, outSize: number, taps: number): Resampling1d {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new Error(`resampling sizes must be positive integers, got ${inSize} -> ${outSize}`);
  }
  return {
    inSize,
    outSize,
    taps,
    start: new Int32Array(outSize),
    count: new Int32Array(outSize),
    weights: new Float64Array(outSize * taps),
  };
}
