import { AngularNoise, createRandom, SmoothNoise3D } from './random.ts';
import { Difference, Ellipse, Intersection, Rectangle, type Shape, Union } from './shapes.ts';
import {
  correlatedNoise,
  type Layer,
  type PhantomDefinition,
  type PhantomStructure,
  paintSlice,
} from './volume.ts';

/**
 * A synthetic contrast-enhanced abdominal CT (late arterial phase look: bright aorta and renal cortex,
 * liver and spleen still close to each other). 512 x 512 pixels of 0.7 mm, 40 slices of 2.5 mm from
 * the liver dome region down to the lower renal poles. Values are HU.
 *
 * The layout is anatomical in image orientation (patient right on the image left, anterior at the top).
 * Organs are soft-edged ellipsoids with irregular outlines that touch their neighbours (liver on the
 * abdominal wall muscle and the right kidney, spleen on the left kidney and the stomach), with texture
 * and correlated quantum noise, so a segmenter meets modest contrast and partial-volume edges.
 */

export const CT_STRUCTURES: PhantomStructure[] = [
  { label: 'Liver', organ: 'liver' },
  { label: 'Spleen', organ: 'spleen' },
  { label: 'Right kidney', organ: 'right kidney' },
  { label: 'Left kidney', organ: 'left kidney' },
  { label: 'Aorta', organ: 'aorta' },
  { label: 'Spine', organ: 'spine' },
];

const [LIVER, SPLEEN, KIDNEY_RIGHT, KIDNEY_LEFT, AORTA, VERTEBRA] = [1, 2, 3, 4, 5, 6];

const SIZE = 512;
const SLICES = 40;
const AIR = -1000;
/** Quantum noise standard deviation inside the body, HU. */
const NOISE_HU = 12;

export function abdomenCT(seed = 20261128): PhantomDefinition {
  const random = createRandom(seed);
  const fine = new SmoothNoise3D(random, SIZE, SIZE, SLICES, 5, 2);
  const coarse = new SmoothNoise3D(random, SIZE, SIZE, SLICES, 28, 6);
  const wobble = (lobes: number, amplitude: number) => ({
    noise: new AngularNoise(random, lobes),
    amplitude,
  });
  /** A tissue: mean HU, fine grain and coarse heterogeneity (HU). */
  const tissue =
    (mean: number, grain: number, patchiness: number) =>
    (x: number, y: number, z: number): number =>
      mean + grain * fine.at(x, y, z) + patchiness * coarse.at(x, y, z);

  const body = new Ellipse({ cx: 256, cy: 262, a: 218, b: 160, wobble: wobble(7, 0.025) });
  const wall = new Ellipse({ cx: 256, cy: 262, a: 198, b: 143, wobble: wobble(9, 0.03) });
  const cavity = new Ellipse({ cx: 256, cy: 255, a: 183, b: 126, wobble: wobble(11, 0.03) });

  const layers: Layer[] = [
    { shape: body, tissue: tissue(-105, 6, 6), label: 0 },
    { shape: wall, tissue: tissue(52, 5, 4), label: 0 },
    { shape: cavity, tissue: tissue(-92, 6, 8), label: 0 },
  ];

  // Back muscles (erector spinae) and psoas, which grows towards the lower slices.
  for (const side of [-1, 1]) {
    layers.push({
      shape: new Ellipse({ cx: 256 + side * 36, cy: 382, a: 30, b: 22, angle: side * 0.25 }),
      tissue: tissue(50, 5, 4),
      label: 0,
    });
    layers.push({
      shape: new Ellipse({
        cx: 256 + side * 37,
        cy: 322,
        a: 15,
        b: 19,
        zCentre: 55,
        zHalf: 45,
        drift: [side * 0.15, 0],
      }),
      tissue: tissue(48, 5, 4),
      label: 0,
    });
  }

  // Ribs in the wall of the upper slices: small bright ovals, distractors beside liver and spleen.
  for (const [angle, zCentre] of [
    [2.55, 4],
    [2.85, 10],
    [3.3, 16],
    [0.6, 6],
    [0.3, 12],
    [-0.15, 18],
    [3.7, 2],
  ]) {
    const cx = 256 + 190 * Math.cos(angle);
    const cy = 262 + 135 * Math.sin(angle);
    layers.push({
      shape: new Ellipse({ cx, cy, a: 11, b: 6, angle: angle + Math.PI / 2, zCentre, zHalf: 4 }),
      tissue: tissue(420, 40, 20),
      label: 0,
    });
  }

  // Bowel loops and stomach in front: soft-tissue walls around gas or fluid.
  const loopRandom = createRandom(seed ^ 0x5eed);
  for (let i = 0; i < 16; i++) {
    const cx = 190 + loopRandom() * 150;
    const cy = 165 + loopRandom() * 70;
    const r = 12 + loopRandom() * 12;
    const drift: [number, number] = [(loopRandom() - 0.5) * 1.2, (loopRandom() - 0.5) * 1.2];
    const zCentre = loopRandom() * SLICES;
    const outer = new Ellipse({ cx, cy, a: r, b: r * 0.8, zCentre, zHalf: 14, drift });
    const inner = new Ellipse({ cx, cy, a: r - 3, b: r * 0.8 - 3, zCentre, zHalf: 14, drift });
    layers.push({ shape: new Intersection(outer, cavity), tissue: tissue(38, 5, 3), label: 0 });
    layers.push({
      shape: new Intersection(inner, cavity),
      tissue: loopRandom() < 0.5 ? tissue(-920, 20, 10) : tissue(18, 4, 3),
      label: 0,
    });
  }
  // Stomach behind the liver's left lobe, against the spleen: wall, fluid, and a gas bubble in front.
  const stomachAt = { cx: 318, cy: 238, angle: 0.35, zCentre: -4 };
  const stomach = new Ellipse({ ...stomachAt, a: 46, b: 30, zHalf: 30, wobble: wobble(6, 0.06) });
  const stomachLumen = new Ellipse({ ...stomachAt, a: 40, b: 24, zHalf: 29 });
  const stomachGas = new Ellipse({ ...stomachAt, cx: 312, cy: 226, a: 26, b: 9, zHalf: 24 });
  layers.push({ shape: new Intersection(stomach, cavity), tissue: tissue(45, 5, 3), label: 0 });
  layers.push({ shape: stomachLumen, tissue: tissue(12, 4, 3), label: 0 });
  layers.push({ shape: stomachGas, tissue: tissue(-930, 15, 5), label: 0 });

  // Inside the wall, organs either abut the muscle directly or keep a thin fat plane from it.
  const innerCavity = new Ellipse({ cx: 256, cy: 255, a: 181, b: 124, wobble: wobble(13, 0.02) });
  // Liver: a large irregular ellipsoid that shrinks towards the lower slices and hugs the wall, and in
  // the upper slices a thin left lobe reaching over the stomach to the spleen (a ~12 HU interface).
  const rightLobe = new Ellipse({
    cx: 172,
    cy: 236,
    a: 112,
    b: 98,
    angle: -0.3,
    zCentre: -12,
    zHalf: 62,
    drift: [0.5, 0.3],
    wobble: wobble(9, 0.07),
  });
  const leftLobe = new Ellipse({
    cx: 300,
    cy: 180,
    a: 128,
    b: 24,
    angle: 0.5,
    zCentre: -2,
    zHalf: 15,
    wobble: wobble(5, 0.05),
  });
  const liverShape = new Intersection(new Union([rightLobe, leftLobe]), innerCavity);
  layers.push({ shape: liverShape, tissue: tissue(62, 6, 5), label: LIVER });
  for (let i = 0; i < 7; i++) {
    const angle = loopRandom() * 2 * Math.PI;
    const distance = 20 + loopRandom() * 45;
    const r = 2.5 + loopRandom() * 3.5;
    const vessel = new Ellipse({
      cx: 175 + distance * Math.cos(angle),
      cy: 238 + distance * Math.sin(angle),
      a: r,
      b: r * (0.7 + loopRandom() * 0.3),
      angle: loopRandom() * Math.PI,
      drift: [(loopRandom() - 0.5) * 1.5, (loopRandom() - 0.5) * 1.5],
      zCentre: 15,
    });
    layers.push({ shape: new Intersection(vessel, liverShape), tissue: tissue(128, 4, 3), label: 'keep' });
  }
  // Inferior vena cava, partly embedded in the liver (not a labelled structure).
  layers.push({
    shape: new Ellipse({ cx: 222, cy: 296, a: 15, b: 12, angle: 0.3 }),
    tissue: tissue(105, 4, 3),
    label: 0,
  });

  // Spleen: a crescent behind the stomach, touching the left kidney lower down.
  layers.push({
    shape: new Intersection(
      new Difference(
        new Ellipse({
          cx: 382,
          cy: 300,
          a: 40,
          b: 66,
          angle: 0.45,
          zCentre: 4,
          zHalf: 40,
          wobble: wobble(7, 0.06),
        }),
        new Ellipse({ cx: 340, cy: 292, a: 26, b: 44, angle: 0.45, zCentre: 4, zHalf: 42 }),
      ),
      new Ellipse({ cx: 256, cy: 255, a: 178, b: 121, wobble: wobble(13, 0.03) }),
    ),
    tissue: tissue(50, 6, 5),
    label: SPLEEN,
  });

  // Kidneys: enhancing cortex around darker medullary pyramids, hilum notch of sinus fat facing the spine.
  const kidney = (cx: number, cy: number, side: number, zCentre: number, label: number) => {
    const angle = side * 0.5;
    const outline = new Ellipse({ cx, cy, a: 27, b: 40, angle, zCentre, zHalf: 26, wobble: wobble(5, 0.04) });
    const hilum = new Ellipse({ cx: cx - side * 26, cy: cy - 6, a: 16, b: 14, angle, zCentre, zHalf: 20 });
    const parenchyma = new Difference(outline, hilum);
    layers.push({ shape: parenchyma, tissue: tissue(152, 8, 6), label });
    for (const [du, dv] of [
      [2, -20],
      [8, 0],
      [2, 20],
    ]) {
      const pyramid = new Ellipse({
        cx: cx + side * du * Math.cos(angle) - dv * Math.sin(angle),
        cy: cy + side * du * Math.sin(angle) + dv * Math.cos(angle),
        a: 7,
        b: 10,
        angle,
        zCentre,
        zHalf: 18,
      });
      layers.push({ shape: new Intersection(pyramid, parenchyma), tissue: tissue(72, 5, 3), label: 'keep' });
    }
  };
  kidney(186, 338, -1, 30, KIDNEY_RIGHT);
  kidney(328, 334, 1, 24, KIDNEY_LEFT);

  // Aorta in front of the spine, bright in the arterial phase.
  layers.push({
    shape: new Ellipse({ cx: 272, cy: 292, a: 12.5, b: 12, drift: [0.05, 0.08] }),
    tissue: tissue(255, 6, 4),
    label: AORTA,
  });

  // Vertebra: cortical shell, cancellous body, pedicles, transverse and spinous processes; canal cut out.
  const vertebralBody = new Ellipse({ cx: 256, cy: 333, a: 27, b: 23 });
  const posterior: Shape[] = [
    new Rectangle(234, 348, 244, 368),
    new Rectangle(268, 348, 278, 368),
    new Rectangle(236, 366, 276, 377),
    new Rectangle(251, 370, 261, 398),
    new Rectangle(208, 354, 236, 361),
    new Rectangle(276, 354, 304, 361),
  ];
  layers.push({
    shape: new Union([vertebralBody, ...posterior]),
    tissue: tissue(560, 40, 30),
    label: VERTEBRA,
  });
  layers.push({
    shape: new Ellipse({ cx: 256, cy: 333, a: 24.5, b: 20.5 }),
    tissue: tissue(225, 25, 20),
    label: 'keep',
  });
  layers.push({ shape: new Ellipse({ cx: 256, cy: 362, a: 11, b: 9 }), tissue: tissue(15, 4, 2), label: 0 });

  return {
    modality: 'CT',
    description: 'Synthetic abdominal CT phantom',
    rows: SIZE,
    columns: SIZE,
    slices: SLICES,
    pixelSpacing: [0.7, 0.7],
    sliceThickness: 2.5,
    structures: CT_STRUCTURES,
    renderSlice(k: number) {
      const slice = paintSlice(layers, k, SIZE, SIZE, AIR);
      const noise = correlatedNoise(seed + 1000 + k, SIZE, SIZE);
      const values = new Int16Array(SIZE * SIZE);
      for (let i = 0; i < SIZE * SIZE; i++) {
        // Noise inside the body only: the air around the patient stays flat, which keeps the files small.
        const inside = body.coverage(i % SIZE, Math.floor(i / SIZE), k);
        const hu = slice.values[i] + inside * NOISE_HU * noise[i];
        values[i] = Math.round(Math.min(3071, Math.max(-1024, hu)));
      }
      return { values, labels: slice.labels };
    },
  };
}
