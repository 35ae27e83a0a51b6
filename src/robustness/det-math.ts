/**
 * log, exp, sin and cos built from +, -, *, / and exact bit manipulation only, so that a seeded
 * corruption gives the same pixels in every JavaScript engine. ECMAScript lets `Math.log`, `Math.exp`,
 * `Math.sin` and `Math.cos` differ by an ulp between engines (only `Math.sqrt` is correctly rounded), and
 * an ulp is enough to flip a pixel's rounding. Accuracy is a few ulp, far beyond what 8-bit images need.
 */

const LN2 = Math.LN2;
// ln 2 split in two (Cody and Waite): k · LN2_HI is exact for |k| < 2^11, so the reduction loses nothing.
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const SQRT2 = Math.SQRT2;
const HALF_PI = Math.PI / 2;
// pi/2 split in two (Cody and Waite): q · PIO2_HI is exact for |q| < 2^20.
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.077100506506192e-11;

const scratch = new DataView(new ArrayBuffer(8));

/** Natural logarithm of x > 0 (NaN for x < 0 or NaN, -Infinity at 0, Infinity at Infinity). */
export function detLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  if (x === Number.POSITIVE_INFINITY) return x;
  let k = 0;
  // Subnormals: scale into the normal range first (exact: a power of two).
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54
    k -= 54;
  }
  // x = 2^k * m with m in [1, 2), read from the IEEE-754 bits.
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  k += ((hi >>> 20) & 0x7ff) - 1023;
  scratch.setUint32(0, (hi & 0x000fffff) | 0x3ff00000);
  let m = scratch.getFloat64(0);
  if (m > SQRT2) {
    m /= 2;
    k += 1;
  }
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: the series converges fast.
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let term = s;
  let sum = s;
  for (let n = 3; n <= 41; n += 2) {
    term *= s2;
    const next = sum + term / n;
    if (next === sum) break;
    sum = next;
  }
  return k * LN2 + 2 * sum;
}

/** e^x. */
export function detExp(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x > 709.782712893384) return Number.POSITIVE_INFINITY;
  if (x < -745.1332191019412) return 0;
  // x = k ln2 + r, |r| <= ln2 / 2; e^x = 2^k e^r.
  const k = Math.round(x / LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 30; n++) {
    term = (term * r) / n;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return scaleByPowerOfTwo(sum, k);
}

/** value * 2^k, exact (split so that no intermediate power overflows or underflows). */
function scaleByPowerOfTwo(value: number, k: number): number {
  let result = value;
  let remaining = k;
  while (remaining > 1000) {
    result *= 2 ** 1000;
    remaining -= 1000;
  }
  while (remaining < -1000) {
    result *= 2 ** -1000;
    remaining += 1000;
  }
  return result * 2 ** remaining;
}

/** Taylor series of sin and cos on |r| <= pi/4. */
function sinSeries(r: number): number {
  const r2 = r * r;
  let term = r;
  let sum = r;
  for (let n = 1; n <= 15; n++) {
    term = (-term * r2) / (2 * n * (2 * n + 1));
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return sum;
}

function cosSeries(r: number): number {
  const r2 = r * r;
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 15; n++) {
    term = (-term * r2) / ((2 * n - 1) * (2 * n));
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return sum;
}

/**
 * [sin x, cos x] for moderate |x| (the FFT's twiddle angles lie in [-2 pi, 2 pi]); the reduction by
 * quadrants of pi/2 is plain float arithmetic, accurate to ~1e-16 for |x| up to ~1e6.
 */
export function detSinCos(x: number): [number, number] {
  const quadrant = Math.round(x / HALF_PI);
  const r = x - quadrant * PIO2_HI - quadrant * PIO2_LO;
  const s = sinSeries(r);
  const c = cosSeries(r);
  switch (((quadrant % 4) + 4) % 4) {
    case 0:
      return [s, c];
    case 1:
      return [c, -s];
    case 2:
      return [-s, -c];
    default:
      return [-c, s];
  }
}
