import { detExp } from '../det-math.ts';
import type { Image8 } from './image8.ts';

/** OpenCV's sigma for a Gaussian kernel of odd size k given sigma <= 0: 0.3·((k - 1)·0.5 - 1) + 0.8. */
export function openCvSigma(kernelSize: number): number {
  return 0.3 * ((kernelSize - 1) * 0.5 - 1) + 0.8;
}

/**
 * OpenCV's fixed kernels (getGaussianKernel with sigma <= 0 and an odd size up to 7 uses these tables,
 * not the formula: cv2.GaussianBlur(img, (7, 7), 0), the paper's smallest blur, is this binomial-like
 * table).
 */
const OPENCV_SMALL_KERNELS: Record<number, number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
  7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
};

/** The 1-D kernel cv2.GaussianBlur(img, (k, k), 0) uses on both axes; it sums to 1. */
export function gaussianKernel(kernelSize: number): Float64Array {
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new RangeError(`Gaussian kernel size must be an odd positive integer, got ${kernelSize}`);
  }
  const table = OPENCV_SMALL_KERNELS[kernelSize];
  if (table) return Float64Array.from(table);
  const sigma = openCvSigma(kernelSize);
  const kernel = new Float64Array(kernelSize);
  const centre = (kernelSize - 1) / 2;
  let sum = 0;
  for (let i = 0; i < kernelSize; i++) {
    kernel[i] = detExp(-((i - centre) ** 2) / (2 * sigma * sigma));
    sum += kernel[i];
  }
  for (let i = 0; i < kernelSize; i++) kernel[i] /= sum;
  return kernel;
}

/** OpenCV's default border, BORDER_REFLECT_101: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ... */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Separable Gaussian blur with OpenCV's kernel and border; rounded to nearest as OpenCV does for 8 bits. */
export function gaussianBlur(image: Image8, kernelSize: number): Image8 {
  const kernel = gaussianKernel(kernelSize);
  const { rows, columns } = image;
  const half = (kernelSize - 1) / 2;
  const horizontal = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      let sum = 0;
      for (let k = 0; k < kernelSize; k++)
        sum += kernel[k] * image.data[r * columns + reflect101(c + k - half, columns)];
      horizontal[r * columns + c] = sum;
    }
  }
  const data = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      let sum = 0;
      for (let k = 0; k < kernelSize; k++)
        sum += kernel[k] * horizontal[reflect101(r + k - half, rows) * columns + c];
      data[r * columns + c] = Math.min(255, Math.max(0, Math.floor(sum + 0.5)));
    }
  }
  return { rows, columns, data };
}
