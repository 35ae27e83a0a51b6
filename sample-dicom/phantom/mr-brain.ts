import { ANATOMICAL_STRUCTURE } from '../../src/dicom/codes.ts';
import { AngularNoise, createGaussian, createRandom, SmoothNoise3D } from './random.ts';
import { Difference, Ellipse, Intersection, Rectangle } from './shapes.ts';
import { type Layer, type PhantomDefinition, type PhantomStructure, paintSlice } from './volume.ts';

/**
 * A synthetic T1-weighted brain MR: 256 x 256 pixels of 0.9 mm, 30 axial slices of 4 mm. Scalp fat,
 * dark skull, a thin CSF layer, a grey-matter ribbon with an irregular (gyral) outline around white
 * matter, an interhemispheric fissure, two lateral ventricles and a hypointense lesion with oedema.
 * The image is magnitude MR: a smooth multiplicative bias field, then Rician noise (complex Gaussian
 * noise on the signal, magnitude taken), so the background is Rayleigh-distributed, not zero.
 */

export const MR_STRUCTURES: PhantomStructure[] = [
  { label: 'Brain', organ: 'brain' },
  {
    label: 'Lateral ventricles',
    codes: {
      category: ANATOMICAL_STRUCTURE,
      type: { value: '66720007', scheme: 'SCT', meaning: 'Lateral ventricle' },
    },
  },
  { label: 'Lesion', organ: 'lesion' },
];

const [BRAIN, VENTRICLES, LESION] = [1, 2, 3];

const SIZE = 256;
const SLICES = 30;
/** Standard deviation of each of the two Gaussian noise channels (signal units). */
const NOISE_SIGMA = 16;

export function brainMR(seed = 20261129): PhantomDefinition {
  const random = createRandom(seed);
  const fine = new SmoothNoise3D(random, SIZE, SIZE, SLICES, 4, 2);
  const coarse = new SmoothNoise3D(random, SIZE, SIZE, SLICES, 20, 5);
  const bias = new SmoothNoise3D(random, SIZE, SIZE, SLICES, 110, 18);
  const wobble = (lobes: number, amplitude: number) => ({
    noise: new AngularNoise(random, lobes),
    amplitude,
  });
  const tissue =
    (mean: number, grain: number, patchiness: number) =>
    (x: number, y: number, z: number): number =>
      mean + grain * fine.at(x, y, z) + patchiness * coarse.at(x, y, z);

  // The head: nested ellipsoids, widest a little below the middle of the stack.
  const head = (grow: number, extra?: { noise: AngularNoise; amplitude: number }) =>
    new Ellipse({
      cx: 128,
      cy: 126,
      a: 74 + grow,
      b: 90 + grow,
      zCentre: 9,
      zHalf: 27 + grow / 3,
      wobble: extra,
    });
  const brainShape = head(0, wobble(26, 0.035));
  const whiteMatter = new Intersection(
    new Ellipse({ cx: 128, cy: 127, a: 67, b: 83, zCentre: 9, zHalf: 25, wobble: wobble(34, 0.05) }),
    brainShape,
  );
  const layers: Layer[] = [
    { shape: head(15, wobble(5, 0.01)), tissue: tissue(640, 30, 30), label: 0 },
    { shape: head(10), tissue: tissue(70, 10, 10), label: 0 },
    { shape: head(3), tissue: tissue(150, 10, 8), label: 0 },
    { shape: brainShape, tissue: tissue(430, 18, 15), label: BRAIN },
    { shape: whiteMatter, tissue: tissue(640, 12, 12), label: 'keep' },
    // Interhemispheric fissure: CSF between the frontal and occipital lobes, part of the brain mask.
    {
      shape: new Intersection(new Rectangle(126.5, 30, 129.5, 82), brainShape),
      tissue: tissue(170, 8, 5),
      label: 'keep',
    },
    {
      shape: new Intersection(new Rectangle(126.5, 182, 129.5, 230), brainShape),
      tissue: tissue(170, 8, 5),
      label: 'keep',
    },
  ];
  // Deep grey matter (thalamus, caudate) beside the ventricles.
  for (const side of [-1, 1]) {
    layers.push({
      shape: new Ellipse({ cx: 128 + side * 20, cy: 140, a: 11, b: 16, zCentre: 10, zHalf: 7 }),
      tissue: tissue(480, 12, 8),
      label: 'keep',
    });
  }
  // Lateral ventricles: two curved horns of CSF either side of the midline.
  for (const side of [-1, 1]) {
    layers.push({
      shape: new Difference(
        new Ellipse({
          cx: 128 + side * 8,
          cy: 124,
          a: 9,
          b: 32,
          angle: side * 0.12,
          zCentre: 14,
          zHalf: 10,
          wobble: wobble(6, 0.05),
        }),
        new Ellipse({
          cx: 128 + side * 17,
          cy: 128,
          a: 8,
          b: 24,
          angle: side * 0.12,
          zCentre: 14,
          zHalf: 12,
        }),
      ),
      tissue: tissue(165, 8, 6),
      label: { add: VENTRICLES },
    });
  }
  // A lesion in the right frontal white matter with a rim of oedema.
  const lesionAt = { cx: 92, cy: 86, zCentre: 19 };
  layers.push({
    shape: new Ellipse({ ...lesionAt, a: 21, b: 18, angle: 0.4, zHalf: 6, wobble: wobble(7, 0.1) }),
    tissue: tissue(520, 14, 10),
    label: 'keep',
  });
  layers.push({
    shape: new Ellipse({ ...lesionAt, a: 13, b: 11, angle: 0.4, zHalf: 4.5, wobble: wobble(6, 0.08) }),
    tissue: tissue(280, 20, 12),
    label: { add: LESION },
  });

  return {
    modality: 'MR',
    description: 'Synthetic T1-weighted brain MR phantom',
    rows: SIZE,
    columns: SIZE,
    slices: SLICES,
    pixelSpacing: [0.9, 0.9],
    sliceThickness: 4,
    structures: MR_STRUCTURES,
    renderSlice(k: number) {
      const slice = paintSlice(layers, k, SIZE, SIZE, 0);
      const gaussian = createGaussian(createRandom(seed + 1000 + k));
      const values = new Int16Array(SIZE * SIZE);
      for (let i = 0; i < SIZE * SIZE; i++) {
        const x = i % SIZE;
        const y = Math.floor(i / SIZE);
        // Receive-coil bias: smooth, about +-20 %, brighter towards the back of the head.
        const field = 1 + 0.15 * bias.at(x, y, k) + 0.1 * ((y - 128) / 128);
        const signal = Math.max(0, slice.values[i]) * field;
        const real = signal + NOISE_SIGMA * gaussian();
        const imaginary = NOISE_SIGMA * gaussian();
        values[i] = Math.round(Math.sqrt(real * real + imaginary * imaginary));
      }
      return { values, labels: slice.labels };
    },
  };
}
