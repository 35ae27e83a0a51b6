import { describe, expect, it } from 'vitest';
import {
  corruptImage8,
  corruptionDefinitions,
  drawParameters,
  PAPER_CORRUPTIONS,
  SEVERITIES,
} from '../../src/robustness/catalogue.ts';
import { gaussianBlur, gaussianKernel, openCvSigma } from '../../src/robustness/corruptions/blur.ts';
import {
  brightness,
  colorJitter,
  contrast,
  drawColorJitter,
} from '../../src/robustness/corruptions/intensity.ts';
import { jpegCompress, jpegSize } from '../../src/robustness/corruptions/jpeg.ts';
import { stepMotion } from '../../src/robustness/corruptions/motion.ts';
import {
  gaussNoise,
  poissonNoise,
  rayleighNoise,
  ricianNoise,
  saltPepperNoise,
  speckleNoise,
} from '../../src/robustness/corruptions/noise.ts';
import { Rng } from '../../src/robustness/random.ts';
import { flat, meanAbsoluteDifference, meanAndStd, phantom, ricianMean } from './helpers.ts';

// Every output pixel is truncated to an integer, as in the paper (astype(uint8)): for a continuous
// distribution that lowers the mean by ~0.5 and adds ~1/12 to the variance.
const TRUNCATION_BIAS = -0.5;
const N = 256 * 256;
/** Tolerance on a sample mean: 5 standard errors. */
const meanTolerance = (std: number) => (5 * std) / Math.sqrt(N);

describe('noise corruptions: statistics against their closed forms', () => {
  it('Gaussian noise has mean 0 and the requested std', () => {
    const out = gaussNoise(flat(256, 256, 128), 16, new Rng(1));
    const { mean, std } = meanAndStd(out.data);
    expect(Math.abs(mean - (128 + TRUNCATION_BIAS))).toBeLessThan(meanTolerance(16));
    expect(std).toBeGreaterThan(16 * 0.98);
    expect(std).toBeLessThan(16 * 1.02);
  });

  it('Rician noise has the Rician expected value sigma sqrt(pi/2) L_1/2(-nu^2 / 2 sigma^2)', () => {
    for (const nu of [0, 25, 60]) {
      const out = ricianNoise(flat(256, 256, nu), 25, new Rng(2));
      const { mean } = meanAndStd(out.data);
      const expected = ricianMean(nu, 25) + TRUNCATION_BIAS;
      expect(Math.abs(mean - expected)).toBeLessThan(meanTolerance(25));
    }
    // The bias that makes Rician noise different from Gaussian: a dark region gets brighter.
    expect(ricianMean(0, 25)).toBeCloseTo(25 * Math.sqrt(Math.PI / 2), 10);
  });

  it('Rayleigh noise is mean-centred, with the Rayleigh standard deviation', () => {
    const scale = 40;
    const out = rayleighNoise(flat(256, 256, 128), scale, new Rng(3));
    const { mean, std } = meanAndStd(out.data);
    const rayleighStd = scale * Math.sqrt((4 - Math.PI) / 2);
    expect(Math.abs(mean - (128 + TRUNCATION_BIAS))).toBeLessThan(meanTolerance(rayleighStd));
    expect(Math.abs(std - rayleighStd)).toBeLessThan(0.02 * rayleighStd);
  });

  it('Poisson noise at c = 25 has the Poisson mean and variance on the 0-255 scale', () => {
    const grey = 102; // lambda = 102 / 255 * 25 = 10
    const c = 25;
    const out = poissonNoise(flat(256, 256, grey), c, new Rng(4));
    const { mean, std } = meanAndStd(out.data);
    // Output k / c * 255 truncated: k * 10.2 -> floor; its mean is 10.2 E[k] - E[frac(10.2 k)].
    const step = 255 / c;
    const lambda = (grey / 255) * c;
    expect(Math.abs(mean - grey)).toBeLessThan(0.5 + meanTolerance(step * Math.sqrt(lambda)));
    expect(Math.abs(std - step * Math.sqrt(lambda))).toBeLessThan(0.02 * step * Math.sqrt(lambda));
    // Every value is a count k as (k / c) * 255, clipped and truncated (the paper's float order).
    const allowed = new Set(Array.from({ length: 26 }, (_, k) => Math.floor((k / c) * 255)));
    expect(out.data.every((v) => allowed.has(v))).toBe(true);
  });

  it('speckle noise is multiplicative: std proportional to the grey level, black stays black', () => {
    const variance = 0.06; // std 0.245: no clipping at 0 within 4 std
    for (const grey of [40, 80]) {
      const out = speckleNoise(flat(256, 256, grey), variance, new Rng(5));
      const { mean, std } = meanAndStd(out.data);
      expect(Math.abs(mean - (grey + TRUNCATION_BIAS))).toBeLessThan(
        meanTolerance(grey * Math.sqrt(variance)),
      );
      expect(Math.abs(std - grey * Math.sqrt(variance))).toBeLessThan(0.03 * grey * Math.sqrt(variance));
    }
    expect(speckleNoise(flat(16, 16, 0), 0.25, new Rng(5)).data.every((v) => v === 0)).toBe(true);
  });

  it('salt and pepper sets the expected fractions to 255 and 0', () => {
    const amount = 0.1;
    const out = saltPepperNoise(flat(256, 256, 128), amount, new Rng(6));
    const salt = out.data.filter((v) => v === 255).length / N;
    const pepper = out.data.filter((v) => v === 0).length / N;
    // floor(a N / 2) draws with replacement each: P(hit) = 1 - (1 - 1/N)^(aN/2) ~ 1 - e^(-a/2); pepper
    // comes second and overwrites salt.
    const hit = 1 - Math.exp(-amount / 2);
    expect(pepper).toBeCloseTo(hit, 2);
    expect(salt).toBeCloseTo(hit * (1 - hit), 2);
    expect(out.data.filter((v) => v !== 0 && v !== 255 && v !== 128).length).toBe(0);
  });
});

describe('intensity corruptions: exact per-pixel formulas', () => {
  const image = phantom(64, 64);

  it('contrast stretches about 128 and brightness scales, clipped and truncated', () => {
    const c = contrast(image, 1.65);
    const b = brightness(image, 0.7);
    for (let i = 0; i < image.data.length; i++) {
      const v = image.data[i];
      expect(c.data[i]).toBe(Math.floor(Math.min(255, Math.max(0, (v - 128) * 1.65 + 128))));
      expect(b.data[i]).toBe(Math.floor(v * 0.7));
    }
  });

  it('colour jitter draws torchvision ranges and applies brightness and contrast in the drawn order', () => {
    const rng = new Rng(7);
    let brightnessFirst = 0;
    for (let i = 0; i < 400; i++) {
      const f = drawColorJitter(0.7, 0.3, rng);
      expect(f.brightness).toBeGreaterThanOrEqual(0.3);
      expect(f.brightness).toBeLessThan(1.7);
      expect(f.contrast).toBeGreaterThanOrEqual(0.7);
      expect(f.contrast).toBeLessThan(1.3);
      if (f.brightnessFirst) brightnessFirst++;
    }
    expect(brightnessFirst).toBeGreaterThan(150);
    expect(brightnessFirst).toBeLessThan(250);
    // Brightness then contrast, by hand: contrast blends with the mean of the brightened image.
    const out = colorJitter(image, { brightness: 1.2, contrast: 0.8, brightnessFirst: true });
    const bright = Array.from(image.data, (v) => Math.min(255, Math.floor(v * 1.2)));
    const mean = bright.reduce((a, b) => a + b, 0) / bright.length;
    bright.forEach((v, i) => {
      expect(out.data[i]).toBe(Math.floor(Math.min(255, Math.max(0, v * 0.8 + mean * 0.2))));
    });
    const other = colorJitter(image, { brightness: 1.2, contrast: 0.8, brightnessFirst: false });
    expect(meanAbsoluteDifference(out.data, other.data)).toBeGreaterThan(0);
  });
});

describe('Gaussian blur as OpenCV does it', () => {
  it('derives sigma from the kernel size and makes kernels that sum to 1', () => {
    expect(openCvSigma(9)).toBeCloseTo(1.7, 12);
    expect(openCvSigma(11)).toBeCloseTo(2.0, 12);
    expect(openCvSigma(13)).toBeCloseTo(2.3, 12);
    for (const k of [3, 5, 7, 9, 11, 13, 21]) {
      const kernel = gaussianKernel(k);
      expect(kernel.length).toBe(k);
      expect(kernel.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      for (let i = 0; i < k; i++) expect(kernel[i]).toBeCloseTo(kernel[k - 1 - i], 15);
    }
  });

  it('samples a Gaussian of that sigma for sizes above 7: ln(k[c] / k[c+1]) = 1 / (2 sigma^2)', () => {
    for (const k of [9, 11, 13, 21]) {
      const kernel = gaussianKernel(k);
      const c = (k - 1) / 2;
      const sigma = Math.sqrt(1 / (2 * Math.log(kernel[c] / kernel[c + 1])));
      expect(sigma).toBeCloseTo(openCvSigma(k), 10);
      const sigmaFar = Math.sqrt(3 / (2 * Math.log(kernel[c + 1] / kernel[c + 2])));
      expect(sigmaFar).toBeCloseTo(openCvSigma(k), 10);
    }
  });

  it("uses OpenCV's fixed table for size 7 (the paper's smallest blur)", () => {
    expect(Array.from(gaussianKernel(7))).toEqual([
      0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125,
    ]);
  });

  it('keeps a flat image flat and spreads an impulse as the outer product of the kernel', () => {
    expect(gaussianBlur(flat(20, 20, 77), 11).data.every((v) => v === 77)).toBe(true);
    const impulse = flat(31, 31, 0);
    impulse.data[15 * 31 + 15] = 255;
    const out = gaussianBlur(impulse, 9);
    const kernel = gaussianKernel(9);
    for (let dr = -4; dr <= 4; dr++) {
      for (let dc = -4; dc <= 4; dc++) {
        expect(out.data[(15 + dr) * 31 + 15 + dc]).toBe(
          Math.floor(255 * kernel[dr + 4] * kernel[dc + 4] + 0.5),
        );
      }
    }
    expect(out.data[15 * 31 + 20]).toBe(0);
  });
});

describe('JPEG compression through jpeg-js', () => {
  it('loses more and writes fewer bytes as the quality drops', () => {
    const image = phantom(64, 64);
    const error = (q: number) => meanAbsoluteDifference(jpegCompress(image, q).data, image.data);
    expect(error(5)).toBeGreaterThan(error(30));
    expect(error(30)).toBeGreaterThan(error(90));
    expect(jpegSize(image, 5)).toBeLessThan(jpegSize(image, 30));
    // Still the same picture: the error stays well below the image's contrast.
    expect(error(5)).toBeLessThan(20);
    expect(error(90)).toBeGreaterThan(0);
  });
});

/** The paper's step motion computed the slow, obvious way: direct 2-D DFTs, numpy's shift rules. */
function stepMotionByDirectDft(data: Uint8Array, rows: number, columns: number, shift: number): Float64Array {
  const dft = (re: Float64Array, im: Float64Array, sign: number) => {
    const outRe = new Float64Array(rows * columns);
    const outIm = new Float64Array(rows * columns);
    for (let u = 0; u < rows; u++)
      for (let v = 0; v < columns; v++) {
        let sr = 0;
        let si = 0;
        for (let y = 0; y < rows; y++)
          for (let x = 0; x < columns; x++) {
            const a = sign * 2 * Math.PI * ((u * y) / rows + (v * x) / columns);
            sr += re[y * columns + x] * Math.cos(a) - im[y * columns + x] * Math.sin(a);
            si += re[y * columns + x] * Math.sin(a) + im[y * columns + x] * Math.cos(a);
          }
        outRe[u * columns + v] = sr;
        outIm[u * columns + v] = si;
      }
    return [outRe, outIm];
  };
  const [fr, fi] = dft(Float64Array.from(data), new Float64Array(rows * columns), -1);
  // fftshift: index k of the shifted array holds frequency (k - floor(n/2)) mod n.
  const sr = new Float64Array(rows * columns);
  const si = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) {
      const from =
        ((r + rows - Math.floor(rows / 2)) % rows) * columns +
        ((c + columns - Math.floor(columns / 2)) % columns);
      sr[r * columns + c] = fr[from];
      si[r * columns + c] = fi[from];
    }
  for (let r = Math.floor(rows / 2); r < rows; r++)
    for (let j = 0; j < columns; j++) {
      const a = (-2 * Math.PI * shift * j) / columns;
      const i = r * columns + j;
      const re = sr[i] * Math.cos(a) - si[i] * Math.sin(a);
      const im = sr[i] * Math.sin(a) + si[i] * Math.cos(a);
      sr[i] = re;
      si[i] = im;
    }
  const ur = new Float64Array(rows * columns);
  const ui = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) {
      const to =
        ((r + rows - Math.floor(rows / 2)) % rows) * columns +
        ((c + columns - Math.floor(columns / 2)) % columns);
      ur[to] = sr[r * columns + c];
      ui[to] = si[r * columns + c];
    }
  const [br, bi] = dft(ur, ui, 1);
  return Float64Array.from(br, (v, i) => Math.hypot(v, bi[i]) / (rows * columns));
}

describe('MRI step motion', () => {
  it('equals a direct DFT of the paper formula on small images of odd and even size', () => {
    for (const [rows, columns] of [
      [8, 8],
      [7, 5],
      [6, 9],
    ]) {
      const rng = new Rng(rows * 100 + columns);
      const image = {
        rows,
        columns,
        data: Uint8Array.from({ length: rows * columns }, () => rng.integer(0, 200)),
      };
      const expected = stepMotionByDirectDft(image.data, rows, columns, 5);
      const got = stepMotion(image, 5);
      for (let i = 0; i < expected.length; i++) {
        // The result is truncated: a value within 1e-9 of an integer may land on either side.
        const e = Math.min(255, expected[i]);
        expect(Math.abs(got.data[i] - Math.floor(e))).toBeLessThanOrEqual(
          Math.abs(e - Math.round(e)) < 1e-9 ? 1 : 0,
        );
      }
    }
  });

  it('leaves the image unchanged with no shift on an even grid', () => {
    const image = phantom(16, 16);
    const same = stepMotion(image, 0);
    // |x| of an exact round trip, truncated: equal up to float error just below an integer.
    expect(meanAbsoluteDifference(same.data, image.data)).toBeLessThan(0.5);
    for (let i = 0; i < image.data.length; i++)
      expect(Math.abs(same.data[i] - image.data[i])).toBeLessThanOrEqual(1);
  });
});

describe('every corruption of the catalogue', () => {
  const image = phantom(96, 96);

  it("uses the paper's parameters at severity 3", () => {
    const level3 = Object.fromEntries(PAPER_CORRUPTIONS.map((name) => [name, drawParameters(name, 3, 11)]));
    expect(level3.gauss_noise).toEqual({ std: 16 });
    expect([7, 9, 11, 13]).toContain(level3.gaussian_blur.kernel);
    expect(level3.contrast.factor).toBeGreaterThanOrEqual(1.6);
    expect(level3.contrast.factor).toBeLessThan(1.7);
    expect(level3.brightness.factor).toBeGreaterThanOrEqual(0.6);
    expect(level3.brightness.factor).toBeLessThan(0.8);
    expect([5, 6, 7, 8, 9, 10]).toContain(level3.compression.quality);
    expect(level3.poisson_noise).toEqual({ c: 25 });
    expect(level3.speckle_noise).toEqual({ variance: 0.25 });
    expect(level3.salt_pepper_noise).toEqual({ amount: 0.1 });
    expect(level3.rician_noise).toEqual({ sigma: 25 });
    expect(level3.rayleigh_noise).toEqual({ scale: 40 });
    expect(level3.step_motion).toEqual({ firstRowFraction: 0.5, shift: 5 });
    // Over many seeds the picks cover the paper's ranges.
    const kernels = new Set(
      Array.from({ length: 64 }, (_, s) => drawParameters('gaussian_blur', 3, s).kernel),
    );
    expect([...kernels].sort()).toEqual([11, 13, 7, 9]);
    const qualities = new Set(
      Array.from({ length: 100 }, (_, s) => drawParameters('compression', 3, s).quality),
    );
    expect([...qualities].sort((a, b) => Number(a) - Number(b))).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('is deterministic: same seed same bytes, another seed or slice other bytes', () => {
    for (const name of PAPER_CORRUPTIONS) {
      const a = corruptImage8(image, { name, severity: 3, seed: 5, sliceIndex: 2 });
      const b = corruptImage8(image, { name, severity: 3, seed: 5, sliceIndex: 2 });
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)), name).toBe(true);
      expect(a.parameters).toEqual(b.parameters);
      // The deterministic ones (blur, contrast, brightness, JPEG, step motion) change only when the
      // seed changes a drawn parameter; every noise changes with the seed and the slice.
      const noisy = /noise/.test(name);
      if (noisy) {
        const c = corruptImage8(image, { name, severity: 3, seed: 6, sliceIndex: 2 });
        const d = corruptImage8(image, { name, severity: 3, seed: 5, sliceIndex: 3 });
        expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data)), name).toBe(false);
        expect(Buffer.from(a.image.data).equals(Buffer.from(d.image.data)), name).toBe(false);
      }
    }
    const f1 = drawParameters('contrast', 3, 1).factor;
    const f2 = drawParameters('contrast', 3, 2).factor;
    expect(f1).not.toBe(f2);
  });

  it('grows stronger with the severity (mean change from the clean image, averaged over seeds)', () => {
    for (const name of PAPER_CORRUPTIONS) {
      const strength = SEVERITIES.map((severity) => {
        let total = 0;
        for (let seed = 0; seed < 4; seed++) {
          total += meanAbsoluteDifference(
            corruptImage8(image, { name, severity, seed }).image.data,
            image.data,
          );
        }
        return total / 4;
      });
      for (let s = 1; s < strength.length; s++) {
        expect(strength[s], `${name} severity ${s + 1} vs ${s}: ${strength.join(', ')}`).toBeGreaterThan(
          strength[s - 1],
        );
      }
    }
  });

  it('names 12 paper corruptions with five levels each and rejects bad requests', () => {
    expect(PAPER_CORRUPTIONS).toHaveLength(12);
    for (const d of corruptionDefinitions()) expect(d.levels).toHaveLength(5);
    expect(() => corruptImage8(image, { name: 'fog', severity: 3, seed: 1 })).toThrow(
      /Unknown corruption "fog"/,
    );
    expect(() => corruptImage8(image, { name: 'gauss_noise', severity: 0, seed: 1 })).toThrow(/Severity 0/);
    expect(() => corruptImage8(image, { name: 'gauss_noise', severity: 6, seed: 1 })).toThrow(/Severity 6/);
    expect(() => corruptImage8(image, { name: 'gauss_noise', severity: 3, seed: -1 })).toThrow(/Seed -1/);
    expect(() => corruptImage8(image, { name: 'ct_low_dose', severity: 3, seed: 1 })).toThrow(
      /modality values/,
    );
  });
});
