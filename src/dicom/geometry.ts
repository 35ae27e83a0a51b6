import { DicomError } from '../errors.ts';

export type Vec3 = [number, number, number];
export type Orientation = [number, number, number, number, number, number];

/** The slice normal: row direction x column direction (PS3.3 C.7.6.2.1.1). */
export function sliceNormal(o: Orientation): Vec3 {
  const [rx, ry, rz, cx, cy, cz] = o;
  return [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Position tolerance (mm) below which two slices count as the same place. */
export const POSITION_TOLERANCE_MM = 1e-3;
const ORIENTATION_TOLERANCE = 1e-4;
const SPACING_TOLERANCE_MM = 1e-3;

export function sameOrientation(a: Orientation, b: Orientation): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= ORIENTATION_TOLERANCE);
}

export function sameSpacing(a: [number, number], b: [number, number]): boolean {
  return Math.abs(a[0] - b[0]) <= SPACING_TOLERANCE_MM && Math.abs(a[1] - b[1]) <= SPACING_TOLERANCE_MM;
}

/** What the one-stack check needs of a slice; `name` says which file, frame or image it is. */
export interface StackSlice {
  name: string;
  rows: number;
  columns: number;
  pixelSpacing: [number, number];
  orientation: Orientation;
}

/**
 * One stack of parallel slices of one size and pixel spacing, or a DicomError naming the slice that
 * differs from the first and how.
 */
export function checkOneStack(slices: StackSlice[]): void {
  const first = slices[0];
  for (const s of slices) {
    if (!sameOrientation(s.orientation, first.orientation)) {
      throw new DicomError(
        'mixed-orientation',
        `${s.name} has ImageOrientationPatient ${s.orientation.join('\\')}, ${first.name} has ${first.orientation.join('\\')}: the slices are not parallel.`,
        'A series must be one stack of parallel slices; leave localisers and other planes out.',
      );
    }
    if (s.rows !== first.rows || s.columns !== first.columns) {
      throw new DicomError(
        'mixed-size',
        `${s.name} is ${s.rows}x${s.columns} pixels, ${first.name} is ${first.rows}x${first.columns}.`,
        'All slices of a series must have the same Rows and Columns.',
      );
    }
    if (!sameSpacing(s.pixelSpacing, first.pixelSpacing)) {
      throw new DicomError(
        'mixed-pixel-spacing',
        `${s.name} has PixelSpacing ${s.pixelSpacing.join('\\')} mm, ${first.name} has ${first.pixelSpacing.join('\\')} mm.`,
        'All slices of a series must have the same PixelSpacing.',
      );
    }
  }
}

/** What a stack of sorted slices says about its spacing along the normal. */
export interface StackSpacing {
  /** Median distance between neighbouring slices (mm); undefined for one slice. */
  spacing?: number;
  warnings: string[];
}

/**
 * Checks the distances between neighbouring slices, given their positions along the normal in
 * ascending order. Duplicates are errors (two images at one place make the volume ambiguous); gaps
 * and uneven steps only warn, with the numbers, since such series are still usable slice by slice.
 */
export function checkStackSpacing(along: number[], names: string[]): StackSpacing {
  const steps: number[] = [];
  for (let i = 1; i < along.length; i++) {
    const step = along[i] - along[i - 1];
    if (step <= POSITION_TOLERANCE_MM) {
      throw new DicomError(
        'duplicate-slice-position',
        `${names[i - 1]} and ${names[i]} are at the same position along the slice normal (${along[i].toFixed(3)} mm).`,
        'The folder holds a duplicate slice or two acquisitions of one series; keep only one image per position.',
      );
    }
    steps.push(step);
  }
  if (steps.length === 0) return { warnings: [] };
  const sorted = [...steps].sort((a, b) => a - b);
  const spacing = sorted[Math.floor(sorted.length / 2)];
  const warnings: string[] = [];
  steps.forEach((step, i) => {
    if (step > 1.5 * spacing) {
      warnings.push(
        `gap of ${step.toFixed(3)} mm between slices ${i} and ${i + 1} (${names[i]}, ${names[i + 1]}); median spacing is ${spacing.toFixed(3)} mm`,
      );
    }
  });
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  if (max - min > Math.max(0.01 * spacing, SPACING_TOLERANCE_MM) && warnings.length === 0) {
    warnings.push(
      `irregular slice spacing: steps range from ${min.toFixed(3)} to ${max.toFixed(3)} mm (median ${spacing.toFixed(3)} mm)`,
    );
  }
  return { spacing, warnings };
}
