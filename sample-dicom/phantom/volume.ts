import type { SegmentCodes } from '../../src/dicom/codes.ts';
import { createGaussian, createRandom } from './random.ts';
import type { Shape } from './shapes.ts';

/** A labelled structure of a phantom: its entry in the SEG organ table (src/dicom/codes.ts), or its own codes. */
export interface PhantomStructure {
  label: string;
  organ?: string;
  codes?: SegmentCodes;
}

/** A synthetic series, before any DICOM encoding: its geometry and a way to draw any one slice. */
export interface PhantomDefinition {
  modality: 'CT' | 'MR';
  description: string;
  rows: number;
  columns: number;
  slices: number;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing: [number, number];
  sliceThickness: number;
  structures: PhantomStructure[];
  /**
   * Slice k (0 = most superior): stored values, row-major (modality values = stored: slope 1,
   * intercept 0), and the ground truth as bit flags (bit s set = inside structures[s]; structures may
   * overlap: the brain contains its ventricles). Each slice depends only on the seed and k.
   */
  renderSlice(k: number): { values: Int16Array; labels: Uint8Array };
}

/**
 * One tissue painted over what is below it: value += coverage * (tissue - value). Where coverage >= 0.5
 * the ground truth changes by `label`: a structure number k replaces whatever was there by structure k,
 * 0 erases (a vessel cut out of an organ), 'keep' leaves it (vessels inside the liver belong to the
 * liver), and { add: k } adds structure k to what is there (a ventricle inside the brain).
 */
export interface Layer {
  shape: Shape;
  tissue: (x: number, y: number, z: number) => number;
  label: number | 'keep' | { add: number };
}

/** Sub-slices averaged per slice: the partial-volume effect of a finite slice thickness. */
const Z_SAMPLES = [-1 / 3, 0, 1 / 3];

/** Paints `layers` in order onto one slice (float values) and its label map. */
export function paintSlice(
  layers: Layer[],
  z: number,
  rows: number,
  columns: number,
  background: number,
): { values: Float32Array; labels: Uint8Array } {
  const values = new Float32Array(rows * columns).fill(background);
  const labels = new Uint8Array(rows * columns);
  for (const layer of layers) {
    let box: [number, number, number, number] | null = null;
    for (const dz of Z_SAMPLES) {
      const b = layer.shape.bounds(z + dz);
      if (b)
        box = box
          ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])]
          : b;
    }
    if (!box) continue;
    const x0 = Math.max(0, Math.floor(box[0]));
    const y0 = Math.max(0, Math.floor(box[1]));
    const x1 = Math.min(columns - 1, Math.ceil(box[2]));
    const y1 = Math.min(rows - 1, Math.ceil(box[3]));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let cover = 0;
        for (const dz of Z_SAMPLES) cover += layer.shape.coverage(x, y, z + dz);
        cover /= Z_SAMPLES.length;
        if (cover === 0) continue;
        const i = y * columns + x;
        values[i] += cover * (layer.tissue(x, y, z) - values[i]);
        if (cover < 0.5 || layer.label === 'keep') continue;
        if (typeof layer.label === 'number') labels[i] = layer.label === 0 ? 0 : 1 << (layer.label - 1);
        else labels[i] |= 1 << (layer.label.add - 1);
      }
    }
  }
  return { values, labels };
}

/**
 * Gaussian noise with a short correlation length (white noise through a 3x3 binomial blur), as
 * filtered back-projection gives CT. Returns `rows * columns` samples with standard deviation 1.
 */
export function correlatedNoise(seed: number, rows: number, columns: number): Float32Array {
  const gaussian = createGaussian(createRandom(seed));
  const white = new Float32Array(rows * columns);
  for (let i = 0; i < white.length; i++) white[i] = gaussian();
  const out = new Float32Array(rows * columns);
  const kernel = [1, 2, 1];
  // The binomial 3x3 kernel (sum 16) keeps sqrt(sum w^2) / 16 = 0.375 of the white noise's spread.
  const gain = 1 / (16 * 0.375);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      let sum = 0;
      for (let j = -1; j <= 1; j++) {
        const yy = Math.min(rows - 1, Math.max(0, y + j));
        for (let k = -1; k <= 1; k++) {
          const xx = Math.min(columns - 1, Math.max(0, x + k));
          sum += kernel[j + 1] * kernel[k + 1] * white[yy * columns + xx];
        }
      }
      out[y * columns + x] = sum * gain;
    }
  }
  return out;
}
