import type { SliceImage } from '../src/dicom/slice-image.ts';

/**
 * A 512 x 512 CT-like slice for runtime benchmarks: a soft-tissue disc with smooth texture in air.
 * Pre/postprocessing and encoder timings do not depend on the pixel values, only on the size.
 */
export function syntheticCtSlice(sopInstanceUID: string): SliceImage {
  const side = 512;
  const values = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const r = Math.hypot(x - 256, y - 256);
      values[y * side + x] = r < 200 ? 40 + 60 * Math.sin(x / 11) * Math.cos(y / 7) : -1000;
    }
  }
  return {
    rows: side,
    columns: side,
    values,
    modality: 'CT',
    photometric: 'MONOCHROME2',
    sopInstanceUID,
    frame: 0,
    pixelSpacing: [0.8, 0.8],
  };
}
