import { describe, expect, it } from 'vitest';
import { corruptModality, referenceIntensity } from '../../src/robustness/catalogue.ts';
import {
  ctLowDose,
  mrBiasField,
  mrMotionGhosting,
  mrRician,
  mrSpike,
} from '../../src/robustness/corruptions/physical.ts';
import {
  complexFromReal,
  fft2InPlace,
  fftInPlace,
  inverseInPlace,
  shift2,
} from '../../src/robustness/fft.ts';
import { Rng } from '../../src/robustness/random.ts';
import { meanAndStd, ricianMean } from './helpers.ts';

function flatValues(rows: number, columns: number, value: number) {
  return { rows, columns, values: new Float32Array(rows * columns).fill(value) };
}

function sumOfSquares(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return s;
}

describe('FFT', () => {
  it('equals a direct DFT for power-of-two and other lengths, and inverts exactly', () => {
    const rng = new Rng(1);
    for (const n of [1, 2, 3, 5, 7, 8, 12, 16, 17, 30, 64, 100]) {
      const re = Float64Array.from({ length: n }, () => rng.normal());
      const im = Float64Array.from({ length: n }, () => rng.normal());
      const fr = Float64Array.from(re);
      const fi = Float64Array.from(im);
      fftInPlace(fr, fi);
      for (let k = 0; k < n; k++) {
        let sr = 0;
        let si = 0;
        for (let t = 0; t < n; t++) {
          const a = (-2 * Math.PI * k * t) / n;
          sr += re[t] * Math.cos(a) - im[t] * Math.sin(a);
          si += re[t] * Math.sin(a) + im[t] * Math.cos(a);
        }
        expect(fr[k]).toBeCloseTo(sr, 9);
        expect(fi[k]).toBeCloseTo(si, 9);
      }
      inverseInPlace(fr, fi);
      for (let t = 0; t < n; t++) {
        expect(fr[t]).toBeCloseTo(re[t], 12);
        expect(fi[t]).toBeCloseTo(im[t], 12);
      }
    }
  });

  it('shifts like numpy fftshift / ifftshift for odd sizes', () => {
    const x = complexFromReal([0, 1, 2, 3, 4], 1, 5);
    expect(Array.from(shift2(x).re)).toEqual([3, 4, 0, 1, 2]);
    expect(Array.from(shift2(x, true).re)).toEqual([2, 3, 4, 0, 1]);
    expect(Array.from(shift2(shift2(x), true).re)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('CT quantum noise at a reduced dose', () => {
  it('adds zero-mean noise of std noise_full sqrt(1/f - 1), correlated like CT noise', () => {
    const image = flatValues(128, 128, 40);
    for (const f of [0.5, 0.1]) {
      const out = ctLowDose(image, f, 10, new Rng(2));
      const added = Float64Array.from(out, (v) => v - 40);
      const { mean, std } = meanAndStd(added);
      expect(Math.abs(mean)).toBeLessThan(0.05 * std + 0.01);
      expect(std).toBeCloseTo(10 * Math.sqrt(1 / f - 1), 6);
      // Not white: neighbouring pixels are correlated (the FBP noise power spectrum has no DC and
      // rolls off at high frequencies, which gives a negative-then-positive autocorrelation).
      let lag1 = 0;
      for (let r = 0; r < 128; r++)
        for (let c = 0; c < 127; c++) lag1 += added[r * 128 + c] * added[r * 128 + c + 1];
      expect(Math.abs(lag1 / (128 * 127) / (std * std))).toBeGreaterThan(0.05);
    }
  });

  it('never reconstructs below air (-1024 HU)', () => {
    const out = ctLowDose(flatValues(64, 64, -1000), 0.025, 10, new Rng(3));
    expect(Math.min(...out)).toBe(-1024);
  });
});

describe('MR physical corruptions', () => {
  it('Rician magnitude noise has the Rician mean', () => {
    for (const nu of [0, 200]) {
      const out = mrRician(flatValues(256, 256, nu), 100, new Rng(4));
      expect(meanAndStd(out).mean).toBeCloseTo(ricianMean(nu, 100), -0.3); // within ~1
    }
  });

  it('motion ghosting only moves phase in k-space: the image energy is unchanged (Parseval)', () => {
    const rng = new Rng(5);
    const image = {
      rows: 64,
      columns: 48,
      values: Float32Array.from({ length: 64 * 48 }, () => rng.uniformRange(0, 500)),
    };
    const out = mrMotionGhosting(image, 3, 9, 0.4);
    expect(sumOfSquares(out) / sumOfSquares(image.values)).toBeCloseTo(1, 5);
    // ... but the image changes, and more with a larger amplitude.
    const change = (a: number) => {
      const o = mrMotionGhosting(image, a, 9, 0.4);
      let d = 0;
      for (let i = 0; i < o.length; i++) d += Math.abs(o[i] - image.values[i]);
      return d;
    };
    expect(change(1)).toBeGreaterThan(0);
    expect(change(4)).toBeGreaterThan(change(1));
  });

  it('bias field multiplies by exp(strength p), max |ln(out / in)| = strength', () => {
    const image = flatValues(40, 50, 300);
    const out = mrBiasField(image, 0.35, [0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0, 0.1, -0.3]);
    let peak = 0;
    for (const v of out) peak = Math.max(peak, Math.abs(Math.log(v / 300)));
    expect(peak).toBeCloseTo(0.35, 6);
    // Smooth: neighbouring pixels differ by a tiny ratio.
    for (let i = 1; i < 50; i++) expect(Math.abs(Math.log(out[i] / out[i - 1]))).toBeLessThan(0.05);
  });

  it('a k-space spike overlays stripes of amplitude intensity x mean', () => {
    const out = mrSpike(flatValues(64, 64, 100), 0.2, { ky: 5, kx: 9 }, 0.7);
    // |100 + 20 e^{i theta(x)}| spans [80, 120] over the stripes.
    expect(Math.min(...out)).toBeCloseTo(80, 0);
    expect(Math.max(...out)).toBeCloseTo(120, 0);
  });

  it('scales MR noise to the series reference and refuses 8-bit-only requests', () => {
    const image = flatValues(64, 64, 0);
    const { values, parameters } = corruptModality(
      image,
      { name: 'mr_rician', severity: 3, seed: 1 },
      { reference: 1000 },
    );
    expect(parameters).toEqual({ sigmaFraction: 0.06 });
    // Pure noise (nu = 0) is Rayleigh with mean sigma sqrt(pi/2), sigma = 0.06 x 1000.
    expect(meanAndStd(values).mean).toBeCloseTo(60 * Math.sqrt(Math.PI / 2), -0.5);
    // Linear interpolation between order statistics of the non-zero values 1..999, as the MR window does.
    expect(referenceIntensity([Float32Array.from({ length: 1000 }, (_, i) => i)])).toBeCloseTo(994.01, 3);
    expect(referenceIntensity([new Float32Array(9)])).toBe(1);
    expect(() => corruptModality(image, { name: 'gauss_noise', severity: 3, seed: 1 })).toThrow(/8-bit/);
  });
});

describe('2-D transform', () => {
  it('round-trips an image', () => {
    const rng = new Rng(9);
    const values = Float64Array.from({ length: 12 * 10 }, () => rng.uniformRange(0, 255));
    const x = complexFromReal(values, 12, 10);
    fft2InPlace(x);
    fft2InPlace(x, true);
    for (let i = 0; i < values.length; i++) expect(x.re[i]).toBeCloseTo(values[i], 10);
  });
});
