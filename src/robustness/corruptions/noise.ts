import { detExp, detLog } from '../det-math.ts';
import type { Rng } from '../random.ts';
import { type Image8, mapPixels } from './image8.ts';

/** Additive Gaussian noise N(0, std²). */
export function gaussNoise(image: Image8, std: number, rng: Rng): Image8 {
  return mapPixels(image, (v) => v + std * rng.normal());
}

/**
 * Shot noise: Poisson(x/255 · c) / c on [0, 1] (smaller c, stronger noise). One uniform per pixel through
 * the inverse CDF of Poisson(λ), tabulated once per grey level (there are only 256 distinct λ).
 */
export function poissonNoise(image: Image8, c: number, rng: Rng): Image8 {
  const tables: Float64Array[] = [];
  const cdfFor = (grey: number) => {
    let table = tables[grey];
    if (!table) {
      const lambda = (grey / 255) * c;
      const cdf: number[] = [];
      let p = detExp(-lambda);
      let sum = p;
      cdf.push(sum);
      for (let k = 1; sum < 1 - 1e-15 && k < 10 * lambda + 50; k++) {
        p = (p * lambda) / k;
        sum += p;
        cdf.push(sum);
      }
      table = Float64Array.from(cdf);
      tables[grey] = table;
    }
    return table;
  };
  return mapPixels(image, (v) => {
    const cdf = cdfFor(v);
    const u = rng.uniform();
    let k = 0;
    while (k < cdf.length - 1 && u >= cdf[k]) k++;
    return (k / c) * 255;
  });
}

/** Multiplicative (speckle) noise: x + x·n, n ~ N(0, variance). */
export function speckleNoise(image: Image8, variance: number, rng: Rng): Image8 {
  const std = Math.sqrt(variance);
  return mapPixels(image, (v) => v + v * std * rng.normal());
}

/**
 * Salt and pepper as the paper's code does it: floor(amount·N/2) positions drawn uniformly with
 * replacement set to 255, then as many set to 0 (so slightly fewer than amount·N pixels change).
 */
export function saltPepperNoise(image: Image8, amount: number, rng: Rng): Image8 {
  const { rows, columns } = image;
  const data = Uint8Array.from(image.data);
  const count = Math.floor(amount * rows * columns * 0.5);
  for (const value of [255, 0]) {
    for (let n = 0; n < count; n++) {
      const r = rng.integer(0, rows - 1);
      const c = rng.integer(0, columns - 1);
      data[r * columns + c] = value;
    }
  }
  return { rows, columns, data };
}

/** Rician noise on a magnitude image: sqrt((x + n1)² + n2²), n1, n2 ~ N(0, sigma²). */
export function ricianNoise(image: Image8, sigma: number, rng: Rng): Image8 {
  return mapPixels(image, (v) => {
    const a = v + sigma * rng.normal();
    const b = sigma * rng.normal();
    return Math.sqrt(a * a + b * b);
  });
}

/** A Rayleigh(scale) deviate: scale · sqrt(-2 ln(1 - U)), as numpy draws it. */
export function rayleighDeviate(scale: number, rng: Rng): number {
  return scale * Math.sqrt(-2 * detLog(1 - rng.uniform()));
}

/** Additive Rayleigh noise minus its mean scale·sqrt(pi/2), so the brightness is kept on average. */
export function rayleighNoise(image: Image8, scale: number, rng: Rng): Image8 {
  const mean = scale * Math.sqrt(Math.PI / 2);
  return mapPixels(image, (v) => v + rayleighDeviate(scale, rng) - mean);
}
