import { detSinCos } from './det-math.ts';

/**
 * A small complex FFT for the k-space corruptions: iterative radix-2 for powers of two and Bluestein's
 * chirp-z for any other length (DICOM slices are often 512, but not always). numpy's conventions:
 * forward e^{-2 pi i k n / N} unscaled, inverse scaled by 1/N. Twiddles come from `detSinCos`, so the
 * result is identical in every JavaScript engine.
 */

export interface Complex2D {
  rows: number;
  columns: number;
  re: Float64Array;
  im: Float64Array;
}

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddles(n: number) {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      const [s, c] = detSinCos((-2 * Math.PI * k) / n);
      cos[k] = c;
      sin[k] = s;
    }
    t = { cos, sin };
    twiddleCache.set(n, t);
  }
  return t;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** In-place forward radix-2 FFT; n must be a power of two. */
function radix2(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  const { cos, sin } = twiddles(n);
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sin[k * step];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** In-place forward DFT of any length by Bluestein's algorithm (a convolution done with radix-2). */
function bluestein(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  // Chirp w_k = e^{-i pi k^2 / n}; k^2 taken modulo 2n keeps the angle small and exact.
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const k2 = (k * k) % (2 * n);
    const [s, c] = detSinCos((-Math.PI * k2) / n);
    chirpRe[k] = c;
    chirpIm[k] = s;
  }
  const aRe = new Float64Array(m);
  const aIm = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    aRe[k] = re[k] * chirpRe[k] - im[k] * chirpIm[k];
    aIm[k] = re[k] * chirpIm[k] + im[k] * chirpRe[k];
  }
  const bRe = new Float64Array(m);
  const bIm = new Float64Array(m);
  bRe[0] = chirpRe[0];
  bIm[0] = -chirpIm[0];
  for (let k = 1; k < n; k++) {
    bRe[k] = bRe[m - k] = chirpRe[k];
    bIm[k] = bIm[m - k] = -chirpIm[k];
  }
  radix2(aRe, aIm);
  radix2(bRe, bIm);
  for (let k = 0; k < m; k++) {
    const r = aRe[k] * bRe[k] - aIm[k] * bIm[k];
    aIm[k] = aRe[k] * bIm[k] + aIm[k] * bRe[k];
    aRe[k] = r;
  }
  inverseInPlace(aRe, aIm);
  for (let k = 0; k < n; k++) {
    re[k] = aRe[k] * chirpRe[k] - aIm[k] * chirpIm[k];
    im[k] = aRe[k] * chirpIm[k] + aIm[k] * chirpRe[k];
  }
}

/** In-place forward DFT of any length. */
export function fftInPlace(re: Float64Array, im: Float64Array): void {
  if (re.length !== im.length) throw new RangeError('real and imaginary parts differ in length');
  if (re.length <= 1) return;
  if (isPowerOfTwo(re.length)) radix2(re, im);
  else bluestein(re, im);
}

/** In-place inverse DFT (scaled by 1/n), via conj(fft(conj(x))) / n. */
export function inverseInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let k = 0; k < n; k++) im[k] = -im[k];
  fftInPlace(re, im);
  for (let k = 0; k < n; k++) {
    re[k] /= n;
    im[k] = -im[k] / n;
  }
}

/** 2-D transform in place: every row, then every column. */
export function fft2InPlace(x: Complex2D, inverse = false): void {
  const { rows, columns } = x;
  const transform = inverse ? inverseInPlace : fftInPlace;
  const rowRe = new Float64Array(columns);
  const rowIm = new Float64Array(columns);
  for (let r = 0; r < rows; r++) {
    const offset = r * columns;
    rowRe.set(x.re.subarray(offset, offset + columns));
    rowIm.set(x.im.subarray(offset, offset + columns));
    transform(rowRe, rowIm);
    x.re.set(rowRe, offset);
    x.im.set(rowIm, offset);
  }
  const colRe = new Float64Array(rows);
  const colIm = new Float64Array(rows);
  for (let c = 0; c < columns; c++) {
    for (let r = 0; r < rows; r++) {
      colRe[r] = x.re[r * columns + c];
      colIm[r] = x.im[r * columns + c];
    }
    transform(colRe, colIm);
    for (let r = 0; r < rows; r++) {
      x.re[r * columns + c] = colRe[r];
      x.im[r * columns + c] = colIm[r];
    }
  }
}

/**
 * numpy's fftshift (`inverse` false: element k moves to (k + floor(n/2)) mod n on each axis) or
 * ifftshift (`inverse` true: the exact inverse, which differs for odd sizes). Returns a new array.
 */
export function shift2(x: Complex2D, inverse = false): Complex2D {
  const { rows, columns } = x;
  const dr = inverse ? rows - Math.floor(rows / 2) : Math.floor(rows / 2);
  const dc = inverse ? columns - Math.floor(columns / 2) : Math.floor(columns / 2);
  const re = new Float64Array(rows * columns);
  const im = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const tr = (r + dr) % rows;
    for (let c = 0; c < columns; c++) {
      const to = tr * columns + ((c + dc) % columns);
      re[to] = x.re[r * columns + c];
      im[to] = x.im[r * columns + c];
    }
  }
  return { rows, columns, re, im };
}

/** A real image as a complex array (imaginary part zero). */
export function complexFromReal(values: ArrayLike<number>, rows: number, columns: number): Complex2D {
  return { rows, columns, re: Float64Array.from(values), im: new Float64Array(rows * columns) };
}
