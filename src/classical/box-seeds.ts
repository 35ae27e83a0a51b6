import type { Box } from '../model/prompts.ts';
import { largestRegion } from './regions.ts';

/**
 * Seeds and intensity models from a box alone. What a box says: the object fills its middle and does
 * not reach outside it. So the ring of pixels just outside the box is background, and the foreground
 * is what in the middle of the box looks unlike that ring (which copes with objects that are off
 * centre, curved, or have a background-coloured hole such as the renal sinus).
 */

/** The work area: the box grown by a ring of background pixels, clamped to the image. */
export interface Domain {
  /** Image pixel of the domain's top-left corner. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** The box inside the domain, in domain pixels (inclusive). */
  box: Box;
}

export interface BoxSeeds {
  /** 1 foreground, -1 background, 0 free; domain-sized. */
  seeds: Int8Array;
  /** Foreground likelihood per pixel from the two intensity histograms, in [0, 1]. */
  foregroundLikelihood: Float32Array;
}

const BINS = 64;

/** Histogram over 0..255 in BINS bins, smoothed (so that sparse samples still give a density), sums to 1. */
function density(image: Uint8Array, take: (i: number) => boolean): Float64Array {
  const counts = new Float64Array(BINS);
  let total = 0;
  for (let i = 0; i < image.length; i++) {
    if (!take(i)) continue;
    counts[image[i] >> 2]++;
    total++;
  }
  const smoothed = new Float64Array(BINS);
  const kernel = [0.06, 0.24, 0.4, 0.24, 0.06];
  for (let b = 0; b < BINS; b++) {
    for (let k = -2; k <= 2; k++) {
      const j = Math.min(BINS - 1, Math.max(0, b + k));
      smoothed[b] += kernel[k + 2] * counts[j];
    }
  }
  // A little mass everywhere: an intensity never seen is unlikely, not impossible.
  for (let b = 0; b < BINS; b++) smoothed[b] = (smoothed[b] + 0.5 / BINS) / (total + 0.5);
  return smoothed;
}

/**
 * `image` is the smoothed 8-bit domain image. `ring` pixels (outside the box) become background seeds;
 * foreground seeds are the core pixels (an ellipse at the box centre) whose intensity is more likely
 * under the core's own histogram than under the ring's, kept as one connected piece.
 */
export function seedsFromBox(
  image: Uint8Array,
  domain: Domain,
  { coreFraction = 0.5, unseenIsObject = 0.3 }: { coreFraction?: number; unseenIsObject?: number } = {},
): BoxSeeds {
  const { width, height, box } = domain;
  const n = width * height;
  const seeds = new Int8Array(n);
  const inBox = (x: number, y: number) => x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
  let ringCount = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inBox(x, y)) {
        seeds[y * width + x] = -1;
        ringCount++;
      }
    }
  }
  if (ringCount === 0) {
    // The box covers the whole image: its outermost pixels are the only background evidence there is.
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (x === 0 || y === 0 || x === width - 1 || y === height - 1) seeds[y * width + x] = -1;
      }
    }
  }
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  const rx = Math.max(1, ((box.x1 - box.x0) / 2) * coreFraction);
  const ry = Math.max(1, ((box.y1 - box.y0) / 2) * coreFraction);
  const inCore = (i: number) => {
    const dx = ((i % width) - cx) / rx;
    const dy = (Math.floor(i / width) - cy) / ry;
    return dx * dx + dy * dy <= 1;
  };
  const background = density(image, (i) => seeds[i] === -1);
  const core = density(image, inCore);
  const candidate = new Uint8Array(n);
  let candidates = 0;
  for (let i = 0; i < n; i++) {
    const bin = image[i] >> 2;
    if (inCore(i) && seeds[i] === 0 && core[bin] > background[bin]) {
      candidate[i] = 1;
      candidates++;
    }
  }
  // The largest connected piece is the object; smaller pieces are more often a neighbour's edge.
  let foreground = candidates >= 8 ? largestRegion(candidate, width, height) : candidate;
  let count = 0;
  for (let i = 0; i < n; i++) count += foreground[i];
  if (count < 8) {
    // Nothing in the core stands out from the ring: trust the box and take its centre.
    foreground = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const dx = ((i % width) - cx) / rx;
      const dy = (Math.floor(i / width) - cy) / ry;
      if (dx * dx + dy * dy <= 0.25 && seeds[i] === 0) foreground[i] = 1;
    }
  }
  for (let i = 0; i < n; i++) if (foreground[i]) seeds[i] = 1;

  // The object's intensity model: the foreground seeds' histogram, mixed with a flat share for
  // intensities the seeds did not sample. The ring samples the background well, so an intensity in
  // the box that the ring never shows (a grey-matter ribbon around white-matter seeds, the partial-
  // volume rim of a vessel) is more likely object than background.
  const seen = density(image, (i) => foreground[i] === 1);
  const foregroundLikelihood = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const bin = image[i] >> 2;
    const object = (1 - unseenIsObject) * seen[bin] + unseenIsObject / BINS;
    foregroundLikelihood[i] = object / (object + background[bin]);
  }
  return { seeds, foregroundLikelihood };
}
