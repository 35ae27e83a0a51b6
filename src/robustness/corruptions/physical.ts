import { detExp, detSinCos } from '../det-math.ts';
import { type Complex2D, complexFromReal, fft2InPlace, shift2 } from '../fft.ts';
import type { Rng } from '../random.ts';

/**
 * Physically modelled degradations on modality values (before any window): what a scan acquired
 * worse would have held, rather than an edit of the displayed 8-bit image.
 */
export interface ModalityImage {
  rows: number;
  columns: number;
  values: Float32Array;
}

/** Lowest CT number a scanner reconstructs (air); noise is not allowed to push values below it. */
export const CT_MIN_HU = -1024;

/**
 * CT quantum noise at a reduced dose. Quantum noise variance scales with 1/dose, so going from the
 * acquired dose (image noise `fullDoseNoiseHu`) to a fraction f of it adds noise of standard deviation
 * fullDoseNoiseHu · sqrt(1/f - 1). The added noise is not white: filtered back-projection gives CT noise
 * a ramp-shaped power spectrum rolled off by the reconstruction kernel, modelled here as
 * NPS(ρ) ∝ ρ · exp(-(ρ/0.25)²) with ρ in cycles per pixel (peak near 0.18), an image-domain
 * approximation of a projection-domain simulation.
 */
export function ctLowDose(
  image: ModalityImage,
  doseFraction: number,
  fullDoseNoiseHu: number,
  rng: Rng,
): Float32Array {
  const { rows, columns, values } = image;
  const targetStd = fullDoseNoiseHu * Math.sqrt(1 / doseFraction - 1);
  const noise: Complex2D = {
    rows,
    columns,
    re: new Float64Array(rows * columns),
    im: new Float64Array(rows * columns),
  };
  for (let i = 0; i < noise.re.length; i++) noise.re[i] = rng.normal();
  fft2InPlace(noise);
  for (let r = 0; r < rows; r++) {
    const fy = (r <= rows / 2 ? r : r - rows) / rows;
    for (let c = 0; c < columns; c++) {
      const fx = (c <= columns / 2 ? c : c - columns) / columns;
      const rho = Math.sqrt(fx * fx + fy * fy);
      // Amplitude filter = sqrt(NPS); exp(-x)/2 of the square root is exp(-x/2).
      const gain = Math.sqrt(rho) * detExp(-((rho / 0.25) ** 2) / 2);
      noise.re[r * columns + c] *= gain;
      noise.im[r * columns + c] *= gain;
    }
  }
  fft2InPlace(noise, true);
  let sumSquares = 0;
  for (let i = 0; i < noise.re.length; i++) sumSquares += noise.re[i] * noise.re[i];
  const scale = sumSquares > 0 ? targetStd / Math.sqrt(sumSquares / noise.re.length) : 0;
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(CT_MIN_HU, values[i] + scale * noise.re[i]);
  return out;
}

/** MR magnitude noise: |v + n1 + i·n2| with n1, n2 ~ N(0, sigma²) (sigma in the series' units). */
export function mrRician(image: ModalityImage, sigma: number, rng: Rng): Float32Array {
  const out = new Float32Array(image.values.length);
  for (let i = 0; i < out.length; i++) {
    const a = image.values[i] + sigma * rng.normal();
    const b = sigma * rng.normal();
    out[i] = Math.sqrt(a * a + b * b);
  }
  return out;
}

function magnitudeOfInverse(centred: Complex2D): Float32Array {
  const back = shift2(centred, true);
  fft2InPlace(back, true);
  const out = new Float32Array(back.re.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(back.re[i] * back.re[i] + back.im[i] * back.im[i]);
  return out;
}

function centredSpectrum(image: ModalityImage): Complex2D {
  const spectrum = complexFromReal(image.values, image.rows, image.columns);
  fft2InPlace(spectrum);
  return shift2(spectrum);
}

/**
 * Periodic motion (breathing, pulsation) during a Cartesian acquisition with phase encoding along the
 * rows: k-space line r (ky = r - floor(R/2)) was acquired with the object displaced by
 * d(r) = amplitude · sin(2 pi r / period + phase) pixels along the phase-encode axis, i.e. multiplied by
 * exp(-2 pi i · ky · d(r) / R). The result (magnitude) shows ghosts repeating along that axis.
 */
export function mrMotionGhosting(
  image: ModalityImage,
  amplitudePixels: number,
  periodLines: number,
  phase: number,
): Float32Array {
  const { rows, columns } = image;
  const centred = centredSpectrum(image);
  for (let r = 0; r < rows; r++) {
    const ky = r - Math.floor(rows / 2);
    const [sinMotion] = detSinCos((2 * Math.PI * r) / periodLines + phase);
    const displacement = amplitudePixels * sinMotion;
    const [s, c] = detSinCos((-2 * Math.PI * ky * displacement) / rows);
    for (let j = 0; j < columns; j++) {
      const i = r * columns + j;
      const re = centred.re[i];
      const im = centred.im[i];
      centred.re[i] = re * c - im * s;
      centred.im[i] = re * s + im * c;
    }
  }
  return magnitudeOfInverse(centred);
}

/**
 * A smooth multiplicative receive-coil bias field: exp(strength · p(x, y)), p a random cubic
 * polynomial in x, y in [-1, 1] scaled so max |p| = 1 over the slice. `coefficients` (9 numbers for
 * x, y, x², xy, y², x³, x²y, xy², y³) come from the seed.
 */
export function mrBiasField(image: ModalityImage, strength: number, coefficients: number[]): Float32Array {
  const { rows, columns, values } = image;
  const p = new Float64Array(rows * columns);
  let peak = 0;
  for (let r = 0; r < rows; r++) {
    const y = rows > 1 ? (2 * r) / (rows - 1) - 1 : 0;
    for (let c = 0; c < columns; c++) {
      const x = columns > 1 ? (2 * c) / (columns - 1) - 1 : 0;
      const terms = [x, y, x * x, x * y, y * y, x * x * x, x * x * y, x * y * y, y * y * y];
      let v = 0;
      for (let t = 0; t < terms.length; t++) v += coefficients[t] * terms[t];
      p[r * columns + c] = v;
      peak = Math.max(peak, Math.abs(v));
    }
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] * detExp((strength * p[i]) / (peak || 1));
  return out;
}

/**
 * A k-space spike (a single corrupt sample, e.g. from an electrical discharge), which overlays the
 * image with a herringbone stripe pattern: the sample at (ky, kx) offset from the centre gets
 * relativeIntensity · |F(0, 0)| · e^{i·phase} added. In the image the stripes have amplitude
 * relativeIntensity times the mean value.
 */
export function mrSpike(
  image: ModalityImage,
  relativeIntensity: number,
  offset: { ky: number; kx: number },
  phase: number,
): Float32Array {
  const { rows, columns } = image;
  const centred = centredSpectrum(image);
  const dc = Math.floor(rows / 2) * columns + Math.floor(columns / 2);
  const dcMagnitude = Math.sqrt(centred.re[dc] ** 2 + centred.im[dc] ** 2);
  const r = (((Math.floor(rows / 2) + offset.ky) % rows) + rows) % rows;
  const c = (((Math.floor(columns / 2) + offset.kx) % columns) + columns) % columns;
  const [s, co] = detSinCos(phase);
  centred.re[r * columns + c] += relativeIntensity * dcMagnitude * co;
  centred.im[r * columns + c] += relativeIntensity * dcMagnitude * s;
  return magnitudeOfInverse(centred);
}
