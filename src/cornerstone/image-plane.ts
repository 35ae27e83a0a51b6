import type { Types } from '@cornerstonejs/core';
import { InputError } from '../errors.ts';
import { core } from './libraries.ts';

/**
 * World (patient mm) <-> pixel index on a displayed image, with x = column and y = row at pixel
 * centres: the frame every engine and `normaliseBox` use (as SAM and MedSAM do).
 *
 * Cornerstone's own `worldToImageCoords` is not that frame: it puts pixel centres at +0.5, and it
 * divides the distance along a row by the row spacing (PixelSpacing[0]) instead of the column spacing
 * (cornerstone3D issue #2758), which is wrong on non-square pixels. Hence this small, explicit version.
 */

interface ImagePlane {
  imagePositionPatient: Types.Point3;
  rowCosines: Types.Point3;
  columnCosines: Types.Point3;
  /** PixelSpacing[0]: the distance between rows (mm). */
  rowPixelSpacing?: number;
  /** PixelSpacing[1]: the distance between columns (mm). */
  columnPixelSpacing?: number;
}

function planeOf(imageId: string): ImagePlane {
  const plane = core().metaData.get('imagePlaneModule', imageId) as ImagePlane | undefined;
  if (!plane?.imagePositionPatient || !plane.rowCosines || !plane.columnCosines) {
    throw new InputError(
      'missing-image-plane',
      `The image ${imageId} has no image plane (position, orientation): a box cannot be placed on it.`,
      'Only CT and MR images with patient geometry can be segmented.',
    );
  }
  return plane;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** World point -> [x (column), y (row)] at pixel centres; not clamped. */
export function worldToPixel(imageId: string, world: Types.Point3): [number, number] {
  const plane = planeOf(imageId);
  const d = [0, 1, 2].map((i) => world[i] - plane.imagePositionPatient[i]);
  return [
    dot(d, plane.rowCosines) / (plane.columnPixelSpacing || 1),
    dot(d, plane.columnCosines) / (plane.rowPixelSpacing || 1),
  ];
}

/** [x (column), y (row)] at pixel centres -> world point; the inverse of worldToPixel. */
export function pixelToWorld(imageId: string, x: number, y: number): Types.Point3 {
  const plane = planeOf(imageId);
  const along = x * (plane.columnPixelSpacing || 1);
  const down = y * (plane.rowPixelSpacing || 1);
  return [0, 1, 2].map(
    (i) => plane.imagePositionPatient[i] + along * plane.rowCosines[i] + down * plane.columnCosines[i],
  ) as Types.Point3;
}
