import type { SliceImage } from '../dicom/slice-image.ts';
import { InputError } from '../errors.ts';
import { type Box, checkPoints, normaliseBox } from '../model/prompts.ts';
import type { Prompt, Segmenter, SegmenterInfo, SegmentOptions, SegmentResult } from '../model/segmenter.ts';
import { checkSlice } from '../model/slice-check.ts';
import { resolveWindow, windowTo8Bit } from '../model/window.ts';
import { gaussianBlur } from '../robustness/corruptions/blur.ts';
import { type Domain, seedsFromBox } from './box-seeds.ts';
import { solveRandomWalker } from './random-walker.ts';
import { fillHoles, keepAnchoredRegion, labelRegions } from './regions.ts';

/**
 * The model-free default engine: a box prompt (optionally refined with include/exclude points)
 * segmented by a random walker on the windowed slice.
 * It sees exactly the 8-bit image a model would (same window), and answers through the same
 * Segmenter interface, so everything above it works with no model configured. It is never to be
 * shown as RobustMedSAM: its label says what it is.
 */

export const CLASSICAL_INFO: SegmenterInfo = {
  engine: 'classical',
  label: 'Classical (random walker, no model)',
  backend: 'TypeScript (CPU, no model)',
};

export interface ClassicalOptions {
  /** Edge sharpness of the random walker (see random-walker.ts). */
  beta: number;
  /** Weight of the intensity prior relative to the mean edge weight. */
  priorWeight: number;
  /** Background ring outside the box, pixels. */
  ring: number;
  /** Size of the Gaussian (binomial) smoothing kernel applied before edge weights: 1 (none), 3 or 5. */
  smoothing: number;
  /** Relative residual at which the solver stops; the mask only needs the 0.5 level to settle. */
  tolerance: number;
  /** Share of the object's intensity model given to intensities its seeds never showed (box-seeds.ts). */
  unseenIsObject: number;
}

export const DEFAULT_CLASSICAL_OPTIONS: ClassicalOptions = {
  beta: 2,
  priorWeight: 0.02,
  ring: 3,
  smoothing: 5,
  tolerance: 1e-2,
  unseenIsObject: 0.3,
};

export class ClassicalSegmenter implements Segmenter {
  readonly info = CLASSICAL_INFO;
  private readonly options: ClassicalOptions;

  constructor(options: Partial<ClassicalOptions> = {}) {
    this.options = { ...DEFAULT_CLASSICAL_OPTIONS, ...options };
  }

  /** The last slice windowed to 8 bits: boxes on the same slice reuse it (MR windows sort the slice). */
  private windowed?: { values: Float32Array; key: string; image: Uint8Array };

  /** The per-slice work is the 8-bit window; everything else depends on the box. */
  async encode(slice: SliceImage, options: SegmentOptions = {}): Promise<void> {
    checkSlice(slice);
    this.image8(slice, options);
  }

  private image8(slice: SliceImage, options: SegmentOptions): Uint8Array {
    // The default window depends only on the pixels and the modality, so the request is the key.
    const requested = options.window ? `${options.window.low},${options.window.high}` : 'default';
    const key = `${slice.sopInstanceUID}|${slice.frame}|${slice.modality}|${slice.photometric}|${requested}`;
    if (this.windowed?.values !== slice.values || this.windowed.key !== key) {
      const window = resolveWindow(slice, options.window);
      this.windowed = { values: slice.values, key, image: windowTo8Bit(slice, window) };
    }
    return this.windowed.image;
  }

  async segment(slice: SliceImage, prompt: Prompt, options: SegmentOptions = {}): Promise<SegmentResult> {
    checkSlice(slice);
    if (!prompt.box) {
      throw new InputError(
        'box-required',
        'The classical engine needs a box prompt; points alone are not enough for it.',
        'Draw a box around the structure.',
      );
    }
    const started = performance.now();
    const box = normaliseBox(prompt.box, slice.rows, slice.columns);
    checkPoints(prompt.points ?? [], slice.rows, slice.columns);
    const image8 = this.image8(slice, options);
    const domain = domainAround(box, slice.rows, slice.columns, this.options.ring);
    const crop = new Uint8Array(domain.width * domain.height);
    for (let y = 0; y < domain.height; y++) {
      const from = (domain.top + y) * slice.columns + domain.left;
      crop.set(image8.subarray(from, from + domain.width), y * domain.width);
    }
    // Binomial smoothing (5x5: sigma 1 pixel): edges should come from structure, not from noise.
    const smooth = gaussianBlur(
      { rows: domain.height, columns: domain.width, data: crop },
      this.options.smoothing,
    ).data;
    const prepared = performance.now();

    const { seeds, foregroundLikelihood } = seedsFromBox(smooth, domain, {
      unseenIsObject: this.options.unseenIsObject,
    });
    addPointSeeds(seeds, domain, prompt.points ?? []);
    const solution = solveRandomWalker({
      width: domain.width,
      height: domain.height,
      image: Float32Array.from(smooth),
      seeds,
      beta: this.options.beta,
      prior: { foreground: foregroundLikelihood, weight: this.options.priorWeight },
      tolerance: this.options.tolerance,
    });
    const solved = performance.now();

    const { width, height } = domain;
    const inside = cleanMask(solution.probability, seeds, domain, prompt.points ?? []);

    const mask = new Uint8Array(slice.rows * slice.columns);
    let certainty = 0;
    let boxPixels = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (inside[i]) mask[(domain.top + y) * slice.columns + domain.left + x] = 1;
        if (x >= domain.box.x0 && x <= domain.box.x1 && y >= domain.box.y0 && y <= domain.box.y1) {
          certainty += Math.abs(2 * solution.probability[i] - 1);
          boxPixels++;
        }
      }
    }
    const finished = performance.now();
    return {
      mask,
      // How decided the walker was inside the box: 1 when every pixel is clearly in or out.
      score: boxPixels ? certainty / boxPixels : 0,
      lowResLogits: new Float32Array(0),
      timings: {
        preprocess: prepared - started,
        solve: solved - prepared,
        postprocess: finished - solved,
      },
    };
  }

  async dispose(): Promise<void> {
    this.windowed = undefined;
  }
}

/**
 * Probabilities -> the mask in the domain: above 0.5 inside the box; only the piece holding the most
 * foreground seeds (plus pieces an include point marks); holes filled, except where an exclude point
 * asked for one.
 */
function cleanMask(
  probability: Float32Array,
  seeds: Int8Array,
  domain: Domain,
  points: NonNullable<Prompt['points']>,
): Uint8Array {
  const { width, height, box } = domain;
  const inside = new Uint8Array(width * height);
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) inside[y * width + x] = probability[y * width + x] > 0.5 ? 1 : 0;
  }
  const anchor = Uint8Array.from(seeds, (s) => (s === 1 ? 1 : 0));
  const kept = keepAnchoredRegion(inside, anchor, width, height);
  const includes = points.filter((p) => p.label === 1);
  if (includes.length > 0) {
    const { labels } = labelRegions(inside, width, height);
    for (const point of includes) {
      const x = Math.round(point.x) - domain.left;
      const y = Math.round(point.y) - domain.top;
      if (x < 0 || y < 0 || x >= width || y >= height) continue;
      const region = labels[y * width + x];
      if (region) for (let i = 0; i < labels.length; i++) if (labels[i] === region) kept[i] = 1;
    }
  }
  const filled = fillHoles(kept, width, height);
  const excludes = points.filter((p) => p.label === 0);
  if (excludes.length > 0) {
    const excluded = new Int8Array(width * height);
    addPointSeeds(excluded, domain, excludes);
    for (let i = 0; i < excluded.length; i++) if (excluded[i] === -1) filled[i] = 0;
  }
  return filled;
}

/**
 * Include (label 1) and exclude (label 0) points override the box's own guesses: each becomes a
 * small disc of foreground or background seeds. Points outside the work area have nothing to act on.
 */
function addPointSeeds(seeds: Int8Array, domain: Domain, points: NonNullable<Prompt['points']>): void {
  const radius = 2;
  for (const point of points) {
    const px = Math.round(point.x) - domain.left;
    const py = Math.round(point.y) - domain.top;
    for (let y = py - radius; y <= py + radius; y++) {
      for (let x = px - radius; x <= px + radius; x++) {
        if (x < 0 || y < 0 || x >= domain.width || y >= domain.height) continue;
        if ((x - px) ** 2 + (y - py) ** 2 > radius * radius) continue;
        seeds[y * domain.width + x] = point.label === 1 ? 1 : -1;
      }
    }
  }
}

/** The box (integer pixels) grown by `ring` pixels on every side, clamped to the image. */
function domainAround(box: Box, rows: number, columns: number, ring: number): Domain {
  const x0 = Math.round(box.x0);
  const y0 = Math.round(box.y0);
  const x1 = Math.round(box.x1);
  const y1 = Math.round(box.y1);
  const left = Math.max(0, x0 - ring);
  const top = Math.max(0, y0 - ring);
  const right = Math.min(columns - 1, x1 + ring);
  const bottom = Math.min(rows - 1, y1 + ring);
  return {
    left,
    top,
    width: right - left + 1,
    height: bottom - top + 1,
    box: { x0: x0 - left, y0: y0 - top, x1: x1 - left, y1: y1 - top },
  };
}
