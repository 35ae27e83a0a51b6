import type { Rng } from '../random.ts';
import { type Image8, mapPixels } from './image8.ts';

/** (x - 128) · factor + 128: contrast stretched about mid-grey, as in the paper. */
export function contrast(image: Image8, factor: number): Image8 {
  return mapPixels(image, (v) => (v - 128) * factor + 128);
}

/** x · factor. */
export function brightness(image: Image8, factor: number): Image8 {
  return mapPixels(image, (v) => v * factor);
}

export interface ColorJitterFactors {
  brightness: number;
  contrast: number;
  /** Which of the two acts first (the order is random in torchvision and albumentations). */
  brightnessFirst: boolean;
}

/**
 * torchvision's ColorJitter(brightness=b, contrast=c, saturation, hue) draws factors uniformly in
 * [max(0, 1 - b), 1 + b] and [max(0, 1 - c), 1 + c] and applies the four adjustments in a random order.
 * On a grey image (R = G = B, as a windowed CT/MR slice) saturation blends the image with its own
 * greyscale, i.e. with itself, and a hue rotation leaves zero-saturation pixels alone: only brightness
 * and contrast act, in a random relative order (each order equally likely).
 */
export function drawColorJitter(strengthBrightness: number, strengthContrast: number, rng: Rng) {
  const b = rng.uniformRange(Math.max(0, 1 - strengthBrightness), 1 + strengthBrightness);
  const c = rng.uniformRange(Math.max(0, 1 - strengthContrast), 1 + strengthContrast);
  return { brightness: b, contrast: c, brightnessFirst: rng.uniform() < 0.5 } satisfies ColorJitterFactors;
}

/**
 * Applies the drawn jitter the way the paper's albumentations ColorJitter does on 8-bit images: each
 * adjustment is a look-up table truncated back to 8 bits. Brightness: x · b. Contrast: a blend with
 * the mean grey level of the current image, x · c + mean · (1 - c).
 */
export function colorJitter(image: Image8, factors: ColorJitterFactors): Image8 {
  const applyBrightness = (img: Image8) => mapPixels(img, (v) => v * factors.brightness);
  const applyContrast = (img: Image8) => {
    let sum = 0;
    for (const v of img.data) sum += v;
    const mean = sum / img.data.length;
    return mapPixels(img, (v) => v * factors.contrast + mean * (1 - factors.contrast));
  };
  return factors.brightnessFirst
    ? applyContrast(applyBrightness(image))
    : applyBrightness(applyContrast(image));
}
