import type { Image8 } from '../../src/robustness/corruptions/image8.ts';

/** A flat grey image: every pixel `value`. */
export function flat(rows: number, columns: number, value: number): Image8 {
  return { rows, columns, data: new Uint8Array(rows * columns).fill(value) };
}

/** A CT-like test picture: a bright disc on a darker body, an edge and a fine texture. */
export function phantom(rows = 128, columns = 128): Image8 {
  const data = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const inDisc = (r - rows / 2) ** 2 + (c - columns / 2.1) ** 2 < (rows / 3.2) ** 2;
      data[r * columns + c] = (inDisc ? 170 : 70) + ((r * 7 + c * 3) % 20) + (c > columns * 0.8 ? 40 : 0);
    }
  }
  return { rows, columns, data };
}

export function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length) };
}

export function meanAbsoluteDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Modified Bessel function of the first kind I_n(x), by its power series (fine for x < ~50). */
export function besselI(n: 0 | 1, x: number): number {
  let term = (x / 2) ** n / (n === 0 ? 1 : 1);
  let sum = term;
  for (let k = 1; k < 200; k++) {
    term *= (x / 2) ** 2 / (k * (k + n));
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Mean of a Rician distribution: sigma sqrt(pi/2) L_1/2(-nu²/2sigma²). */
export function ricianMean(nu: number, sigma: number): number {
  const x = -(nu * nu) / (2 * sigma * sigma);
  const laguerre = Math.exp(x / 2) * ((1 - x) * besselI(0, -x / 2) - x * besselI(1, -x / 2));
  return sigma * Math.sqrt(Math.PI / 2) * laguerre;
}
