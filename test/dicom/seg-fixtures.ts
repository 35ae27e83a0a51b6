import { ALGORITHM_FAMILY, ANATOMICAL_STRUCTURE, RIGHT } from '../../src/dicom/codes.ts';
import { type SegmentDescription, segmentFromOrgan } from '../../src/dicom/seg-writer.ts';

/**
 * Four segments for round-trip tests: an organ on every slice but one (an empty slice), an
 * overlapping one with a laterality modifier, a small one touching the first and last pixel of the
 * last slice (bit-packing edges), and one left empty, described by caller-given codes.
 */
export function testSegments(): SegmentDescription[] {
  return [
    segmentFromOrgan('liver', { type: 'SEMIAUTOMATIC', name: 'RobustMedSAM', version: '1.0.0' }),
    segmentFromOrgan('left kidney', { type: 'MANUAL' }),
    {
      ...segmentFromOrgan('lesion', { type: 'AUTOMATIC', name: 'Classical graph cut', version: '0.1' }),
      algorithmFamily: ALGORITHM_FAMILY.clusterAnalysis,
      description: 'Small lesion at the image corners',
      color: [10, 200, 30],
    },
    {
      label: 'Right lung',
      codes: {
        category: ANATOMICAL_STRUCTURE,
        type: { value: '39607008', scheme: 'SCT', meaning: 'Lung' },
        typeModifier: RIGHT,
      },
      algorithmType: 'MANUAL',
      color: [197, 165, 145],
    },
  ];
}

export function testMasks(slices: number, rows: number, columns: number): Uint8Array[] {
  const pixels = rows * columns;
  const [liver, kidney, lesion, lung] = Array.from({ length: 4 }, () => new Uint8Array(slices * pixels));
  const radius = Math.min(rows, columns) / 3;
  for (let z = 0; z < slices; z++) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const i = z * pixels + y * columns + x;
        if (z !== 1 && (x - columns / 2) ** 2 + (y - rows / 2) ** 2 <= radius ** 2) liver[i] = 1;
        if (x >= columns / 2 && y >= rows / 3) kidney[i] = 1;
      }
    }
  }
  const last = (slices - 1) * pixels;
  lesion[last] = 1;
  lesion[last + pixels - 1] = 1;
  lesion[last + columns + 1] = 1;
  void lung; // stays empty
  return [liver, kidney, lesion, lung];
}

/** The same shapes without overlap (a label map cannot hold overlapping segments). */
export function nonOverlapping(masks: Uint8Array[]): Uint8Array[] {
  const taken = new Uint8Array(masks[0].length);
  return masks.map((m) =>
    m.map((v, i) => {
      if (v === 0 || taken[i]) return 0;
      taken[i] = 1;
      return 1;
    }),
  );
}

/** Element-wise equality of two typed arrays (vitest's toEqual is slow on millions of elements). */
export function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
