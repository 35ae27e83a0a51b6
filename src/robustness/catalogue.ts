import { InputError } from '../errors.ts';
import { percentileWindow } from '../model/window.ts';
import { gaussianBlur, openCvSigma } from './corruptions/blur.ts';
import type { Image8 } from './corruptions/image8.ts';
import { brightness, colorJitter, contrast, drawColorJitter } from './corruptions/intensity.ts';
import { jpegCompress } from './corruptions/jpeg.ts';
import { stepMotion } from './corruptions/motion.ts';
import {
  gaussNoise,
  poissonNoise,
  rayleighNoise,
  ricianNoise,
  saltPepperNoise,
  speckleNoise,
} from './corruptions/noise.ts';
import {
  ctLowDose,
  type ModalityImage,
  mrBiasField,
  mrMotionGhosting,
  mrRician,
  mrSpike,
} from './corruptions/physical.ts';
import { Rng } from './random.ts';

/**
 * Every corruption by name, with its severity scale 1-5. Level 3 is the RobustMedSAM paper's setting
 * (data/augment.py of its repository); levels 1-2 are milder and 4-5 harsher, chosen so the expected
 * strength grows with the level.
 *
 * Randomness, all from the user's seed:
 * - parameters (a factor drawn in a range, a kernel picked from a list, the colour-jitter order) come from
 *   the stream Rng(seed, 0, c), c the corruption's number in the catalogue: once per seed, so every slice
 *   of a degraded series gets the same factor;
 * - per-pixel noise comes from the stream Rng(seed, 1, c, sliceIndex): independent per slice, and a
 *   slice degrades the same way whether or not the other slices are degraded too.
 * A range [a, b] of real numbers is drawn uniformly; an integer range (JPEG quality) uniformly over its
 * integers, both ends included (Python's random.randint, as the paper); a list uniformly over its items.
 */

export const PAPER_CORRUPTIONS = [
  'gauss_noise',
  'gaussian_blur',
  'contrast',
  'brightness',
  'compression',
  'color_jitter',
  'poisson_noise',
  'speckle_noise',
  'salt_pepper_noise',
  'rician_noise',
  'rayleigh_noise',
  'step_motion',
] as const;

export const PHYSICAL_CORRUPTIONS = [
  'ct_low_dose',
  'mr_rician',
  'mr_motion_ghosting',
  'mr_bias_field',
  'mr_spike',
] as const;

export type CorruptionName = (typeof PAPER_CORRUPTIONS)[number] | (typeof PHYSICAL_CORRUPTIONS)[number];
export type Severity = 1 | 2 | 3 | 4 | 5;
export const SEVERITIES: readonly Severity[] = [1, 2, 3, 4, 5];

/** The concrete values one seed picked, recorded with every degraded result. */
export type CorruptionParameters = Record<string, number | boolean | number[]>;

/** What modality-domain corruptions may need beyond the slice: the series' intensity scale. */
export interface ModalityContext {
  /**
   * MR: the 99.5th percentile of the series' non-zero values, the unit noise is given in, so every
   * slice of a series gets the same absolute noise. Computed from the slice when absent.
   */
  reference?: number;
}

export interface CorruptionDefinition<P extends CorruptionParameters = CorruptionParameters> {
  name: CorruptionName;
  /** 'image8': on the windowed 8-bit image (the paper's). 'modality': on modality values. */
  domain: 'image8' | 'modality';
  /** For physically modelled corruptions, the modality they model. */
  modality?: 'CT' | 'MR';
  summary: string;
  /** The parameter per severity level 1-5, as a reader would write it. */
  levels: readonly string[];
  draw(severity: Severity, rng: Rng): P;
}

interface Image8Definition<P extends CorruptionParameters = CorruptionParameters>
  extends CorruptionDefinition<P> {
  domain: 'image8';
  apply(image: Image8, parameters: P, rng: Rng): Image8;
}

interface ModalityDefinition<P extends CorruptionParameters = CorruptionParameters>
  extends CorruptionDefinition<P> {
  domain: 'modality';
  modality: 'CT' | 'MR';
  apply(image: ModalityImage, parameters: P, rng: Rng, context: ModalityContext): Float32Array;
}

/**
 * Each definition's `apply` takes exactly the parameters its `draw` returns (checked here, where P is
 * inferred from `draw`); the catalogue then holds them by the common shape, since the parameters a
 * definition is given always come from its own draw (drawParameters).
 */
const image8Corruption = <P extends CorruptionParameters>(d: Image8Definition<P>) =>
  d as unknown as Image8Definition;
const modalityCorruption = <P extends CorruptionParameters>(d: ModalityDefinition<P>) =>
  d as unknown as ModalityDefinition;

const level = <T>(table: readonly T[], severity: Severity): T => table[severity - 1];

const GAUSS_STD = [8, 12, 16, 24, 32];
const BLUR_KERNELS = [[3], [5], [7, 9, 11, 13], [15, 17, 19], [21, 23, 25]];
const CONTRAST_RANGES = [
  [1.15, 1.25],
  [1.35, 1.45],
  [1.6, 1.7],
  [1.9, 2.0],
  [2.3, 2.5],
];
const BRIGHTNESS_RANGES = [
  [0.9, 0.95],
  [0.8, 0.9],
  [0.6, 0.8],
  [0.45, 0.55],
  [0.3, 0.4],
];
const JPEG_QUALITIES = [
  [25, 30],
  [15, 20],
  [5, 10],
  [3, 4],
  [1, 2],
];
/** ColorJitter (brightness, contrast) strengths. */
const JITTER_STRENGTHS = [
  [0.2, 0.1],
  [0.45, 0.2],
  [0.7, 0.3],
  [0.85, 0.5],
  [1.0, 0.7],
];
const POISSON_C = [80, 45, 25, 12, 6];
const SPECKLE_VARIANCE = [0.06, 0.12, 0.25, 0.4, 0.6];
const SALT_PEPPER_AMOUNT = [0.02, 0.05, 0.1, 0.17, 0.25];
const RICIAN_SIGMA = [10, 17, 25, 35, 50];
const RAYLEIGH_SCALE = [15, 25, 40, 55, 75];
/**
 * Step motion: [first moved row as a fraction of the rows, shift in px]. Levels 1-2 move only the
 * outer lines acquired late (a milder artefact); 3 is the paper (the lower half, 5 px); 4-5 move the
 * same half farther. Shifts stay odd, keeping the paper's sign flip (see stepMotion).
 */
const STEP_MOTION = [
  [0.6, 5],
  [0.52, 5],
  [0.5, 5],
  [0.5, 9],
  [0.5, 15],
];

const CT_DOSE_FRACTION = [0.5, 0.25, 0.1, 0.05, 0.025];
/** Noise of a routine-dose abdominal CT (HU), the dose the bundled or user's scan is assumed to have. */
export const CT_FULL_DOSE_NOISE_HU = 10;
const MR_NOISE_FRACTION = [0.02, 0.04, 0.06, 0.09, 0.13];
const MR_GHOST_AMPLITUDE = [0.5, 1, 2, 3, 4.5];
const MR_BIAS_STRENGTH = [0.1, 0.2, 0.35, 0.5, 0.7];
const MR_SPIKE_INTENSITY = [0.05, 0.1, 0.2, 0.35, 0.5];

const describeRange = (r: number[]) => `${r[0]}-${r[1]}`;

const DEFINITIONS: Array<Image8Definition | ModalityDefinition> = [
  image8Corruption({
    name: 'gauss_noise',
    domain: 'image8',
    summary: 'additive Gaussian noise',
    levels: GAUSS_STD.map((s) => `std ${s}`),
    draw: (severity) => ({ std: level(GAUSS_STD, severity) }),
    apply: (image, p, rng) => gaussNoise(image, p.std, rng),
  }),
  image8Corruption({
    name: 'gaussian_blur',
    domain: 'image8',
    summary: "Gaussian blur, OpenCV's kernel for the size (sigma 0.3((k-1)/2-1)+0.8)",
    levels: BLUR_KERNELS.map((k) => `kernel ${k.join('/')}`),
    draw: (severity, rng) => {
      const kernel = rng.pick(level(BLUR_KERNELS, severity));
      return { kernel, sigma: openCvSigma(kernel) };
    },
    apply: (image, p) => gaussianBlur(image, p.kernel),
  }),
  image8Corruption({
    name: 'contrast',
    domain: 'image8',
    summary: 'contrast stretched about grey 128',
    levels: CONTRAST_RANGES.map((r) => `factor ${describeRange(r)}`),
    draw: (severity, rng) => {
      const [a, b] = level(CONTRAST_RANGES, severity);
      return { factor: rng.uniformRange(a, b) };
    },
    apply: (image, p) => contrast(image, p.factor),
  }),
  image8Corruption({
    name: 'brightness',
    domain: 'image8',
    summary: 'intensities scaled down (darker)',
    levels: BRIGHTNESS_RANGES.map((r) => `factor ${describeRange(r)}`),
    draw: (severity, rng) => {
      const [a, b] = level(BRIGHTNESS_RANGES, severity);
      return { factor: rng.uniformRange(a, b) };
    },
    apply: (image, p) => brightness(image, p.factor),
  }),
  image8Corruption({
    name: 'compression',
    domain: 'image8',
    summary: 'JPEG compression artefacts (jpeg-js round trip)',
    levels: JPEG_QUALITIES.map((r) => `quality ${describeRange(r)}`),
    draw: (severity, rng) => {
      const [a, b] = level(JPEG_QUALITIES, severity);
      return { quality: rng.integer(a, b) };
    },
    apply: (image, p) => jpegCompress(image, p.quality),
  }),
  image8Corruption({
    name: 'color_jitter',
    domain: 'image8',
    summary: 'ColorJitter: on a grey image, a random brightness and contrast factor in random order',
    levels: JITTER_STRENGTHS.map(([b, c]) => `brightness ${b}, contrast ${c}`),
    draw: (severity, rng) => {
      const [b, c] = level(JITTER_STRENGTHS, severity);
      const f = drawColorJitter(b, c, rng);
      return { brightness: f.brightness, contrast: f.contrast, brightnessFirst: f.brightnessFirst };
    },
    apply: (image, p) =>
      colorJitter(image, {
        brightness: p.brightness,
        contrast: p.contrast,
        brightnessFirst: p.brightnessFirst,
      }),
  }),
  image8Corruption({
    name: 'poisson_noise',
    domain: 'image8',
    summary: 'Poisson (shot) noise, Poisson(c x) / c on [0, 1]',
    levels: POISSON_C.map((c) => `c ${c}`),
    draw: (severity) => ({ c: level(POISSON_C, severity) }),
    apply: (image, p, rng) => poissonNoise(image, p.c, rng),
  }),
  image8Corruption({
    name: 'speckle_noise',
    domain: 'image8',
    summary: 'multiplicative Gaussian (speckle) noise, x + x n',
    levels: SPECKLE_VARIANCE.map((v) => `variance ${v}`),
    draw: (severity) => ({ variance: level(SPECKLE_VARIANCE, severity) }),
    apply: (image, p, rng) => speckleNoise(image, p.variance, rng),
  }),
  image8Corruption({
    name: 'salt_pepper_noise',
    domain: 'image8',
    summary: 'salt and pepper, half white and half black pixels',
    levels: SALT_PEPPER_AMOUNT.map((a) => `amount ${a}`),
    draw: (severity) => ({ amount: level(SALT_PEPPER_AMOUNT, severity) }),
    apply: (image, p, rng) => saltPepperNoise(image, p.amount, rng),
  }),
  image8Corruption({
    name: 'rician_noise',
    domain: 'image8',
    summary: 'Rician noise on the magnitude, sqrt((x + n1)^2 + n2^2)',
    levels: RICIAN_SIGMA.map((s) => `sigma ${s}`),
    draw: (severity) => ({ sigma: level(RICIAN_SIGMA, severity) }),
    apply: (image, p, rng) => ricianNoise(image, p.sigma, rng),
  }),
  image8Corruption({
    name: 'rayleigh_noise',
    domain: 'image8',
    summary: 'additive Rayleigh noise minus its mean',
    levels: RAYLEIGH_SCALE.map((s) => `scale ${s}`),
    draw: (severity) => ({ scale: level(RAYLEIGH_SCALE, severity) }),
    apply: (image, p, rng) => rayleighNoise(image, p.scale, rng),
  }),
  image8Corruption({
    name: 'step_motion',
    domain: 'image8',
    summary:
      'MRI step motion: a linear phase ramp (a shift) on the centred k-space rows acquired after the step',
    levels: STEP_MOTION.map(([f, s]) => `shift ${s} px from ${f * 100}% of the rows`),
    draw: (severity) => {
      const [firstRowFraction, shift] = level(STEP_MOTION, severity);
      return { firstRowFraction, shift };
    },
    apply: (image, p) => stepMotion(image, p.shift, Math.floor(p.firstRowFraction * image.rows)),
  }),
  modalityCorruption({
    name: 'ct_low_dose',
    domain: 'modality',
    modality: 'CT',
    summary: `CT quantum noise at a reduced dose (FBP-shaped noise spectrum; ${CT_FULL_DOSE_NOISE_HU} HU at full dose)`,
    levels: CT_DOSE_FRACTION.map((f) => `${f * 100}% dose`),
    draw: (severity) => ({
      doseFraction: level(CT_DOSE_FRACTION, severity),
      fullDoseNoiseHu: CT_FULL_DOSE_NOISE_HU,
    }),
    apply: (image, p, rng) => ctLowDose(image, p.doseFraction, p.fullDoseNoiseHu, rng),
  }),
  modalityCorruption({
    name: 'mr_rician',
    domain: 'modality',
    modality: 'MR',
    summary: 'MR Rician noise on the magnitude (sigma relative to the 99.5th percentile of the series)',
    levels: MR_NOISE_FRACTION.map((f) => `sigma ${f * 100}%`),
    draw: (severity) => ({ sigmaFraction: level(MR_NOISE_FRACTION, severity) }),
    apply: (image, p, rng, context) =>
      mrRician(image, p.sigmaFraction * (context.reference ?? referenceIntensity([image.values])), rng),
  }),
  modalityCorruption({
    name: 'mr_motion_ghosting',
    domain: 'modality',
    modality: 'MR',
    summary: 'periodic motion during phase encoding (k-space phase errors), ghosts along the rows',
    levels: MR_GHOST_AMPLITUDE.map((a) => `amplitude ${a} px`),
    draw: (severity, rng) => ({
      amplitude: level(MR_GHOST_AMPLITUDE, severity),
      periodLines: rng.uniformRange(6, 16),
      phase: rng.uniformRange(0, 2 * Math.PI),
    }),
    apply: (image, p) => mrMotionGhosting(image, p.amplitude, p.periodLines, p.phase),
  }),
  modalityCorruption({
    name: 'mr_bias_field',
    domain: 'modality',
    modality: 'MR',
    summary: 'smooth multiplicative bias field exp(s p(x, y)), p a random cubic polynomial',
    levels: MR_BIAS_STRENGTH.map((s) => `strength ${s}`),
    draw: (severity, rng) => ({
      strength: level(MR_BIAS_STRENGTH, severity),
      coefficients: Array.from({ length: 9 }, () => rng.uniformRange(-1, 1)),
    }),
    apply: (image, p) => mrBiasField(image, p.strength, p.coefficients),
  }),
  modalityCorruption({
    name: 'mr_spike',
    domain: 'modality',
    modality: 'MR',
    summary: 'k-space spike (herringbone stripes)',
    levels: MR_SPIKE_INTENSITY.map((s) => `intensity ${s} x DC`),
    draw: (severity, rng) => {
      // Somewhere between 10% and 45% of the way to the k-space edge, in a random direction.
      const radius = rng.uniformRange(0.1, 0.45);
      const angle = rng.uniformRange(0, 2 * Math.PI);
      return {
        intensity: level(MR_SPIKE_INTENSITY, severity),
        radius,
        angle,
        phase: rng.uniformRange(0, 2 * Math.PI),
      };
    },
    apply: (image, p) => {
      const radius = p.radius;
      const angle = p.angle;
      const ky = Math.round(radius * (image.rows / 2) * Math.sin(angle));
      const kx = Math.round(radius * (image.columns / 2) * Math.cos(angle));
      return mrSpike(image, p.intensity, { ky, kx }, p.phase);
    },
  }),
];

const BY_NAME = new Map(DEFINITIONS.map((d) => [d.name, d]));

export function corruptionDefinitions(): readonly CorruptionDefinition[] {
  return DEFINITIONS;
}

/** The definition, or an InputError listing the names there are. */
export function corruption(name: string): Image8Definition | ModalityDefinition {
  const d = BY_NAME.get(name as CorruptionName);
  if (!d) {
    throw new InputError(
      'unknown-corruption',
      `Unknown corruption "${name}".`,
      `Choose one of: ${[...PAPER_CORRUPTIONS, ...PHYSICAL_CORRUPTIONS].join(', ')}.`,
    );
  }
  return d;
}

/** The corruptions that make sense for a modality: the paper's 12 and the physical ones of that modality. */
export function corruptionsFor(modality: string): CorruptionName[] {
  const m = modality.trim().toUpperCase();
  return DEFINITIONS.filter((d) => d.domain === 'image8' || d.modality === m).map((d) => d.name);
}

export function checkSeverity(severity: number): Severity {
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) {
    throw new InputError(
      'invalid-severity',
      `Severity ${severity} is not a level of the scale.`,
      'Severity is an integer from 1 (mild) to 5 (severe); 3 is the paper setting.',
    );
  }
  return severity as Severity;
}

export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InputError('invalid-seed', `Seed ${seed} is not an integer in [0, 4294967295].`);
  }
  return seed;
}

/** The parameters `seed` picks for this corruption at this severity (the same for every slice). */
export function drawParameters(name: string, severity: number, seed: number): CorruptionParameters {
  const d = corruption(name);
  return d.draw(checkSeverity(severity), new Rng(checkSeed(seed), 0, DEFINITIONS.indexOf(d)));
}

/** The random stream of one slice's pixels for one corruption. */
export function sliceRng(name: string, seed: number, sliceIndex: number): Rng {
  if (!Number.isInteger(sliceIndex) || sliceIndex < 0) throw new RangeError(`slice index ${sliceIndex}`);
  return new Rng(checkSeed(seed), 1, DEFINITIONS.indexOf(corruption(name)), sliceIndex);
}

export interface CorruptionRequest {
  name: string;
  severity: number;
  seed: number;
  /** The slice's index in its series (default 0): selects its own noise stream. */
  sliceIndex?: number;
}

/** Applies one of the paper's 8-bit corruptions. */
export function corruptImage8(
  image: Image8,
  request: CorruptionRequest,
): { image: Image8; parameters: CorruptionParameters } {
  const d = corruption(request.name);
  if (d.domain !== 'image8') {
    throw new InputError(
      'wrong-corruption-domain',
      `${d.name} acts on modality values, not on an 8-bit image.`,
    );
  }
  const parameters = drawParameters(d.name, request.severity, request.seed);
  return {
    image: d.apply(image, parameters, sliceRng(d.name, request.seed, request.sliceIndex ?? 0)),
    parameters,
  };
}

/** Applies one of the physically modelled corruptions to modality values. */
export function corruptModality(
  image: ModalityImage,
  request: CorruptionRequest,
  context: ModalityContext = {},
): { values: Float32Array; parameters: CorruptionParameters } {
  const d = corruption(request.name);
  if (d.domain !== 'modality') {
    throw new InputError(
      'wrong-corruption-domain',
      `${d.name} acts on the windowed 8-bit image, not on modality values.`,
    );
  }
  const parameters = drawParameters(d.name, request.severity, request.seed);
  const values = d.apply(image, parameters, sliceRng(d.name, request.seed, request.sliceIndex ?? 0), context);
  return { values, parameters };
}

/** The 99.5th percentile of the non-zero values of the slices (MR noise unit; 1 if all are zero). */
export function referenceIntensity(slices: Float32Array[]): number {
  const all = new Float32Array(slices.reduce((n, s) => n + s.length, 0));
  let offset = 0;
  for (const s of slices) {
    all.set(s, offset);
    offset += s.length;
  }
  const { high } = percentileWindow(all, 99.5, 99.5);
  return high > 0 ? high : 1;
}
