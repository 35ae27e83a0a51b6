import '../helpers/cornerstone.ts';
import { metaData } from '@cornerstonejs/core';
import { describe, expect, it } from 'vitest';
import { pixelToWorld, worldToPixel } from '../../src/cornerstone/image-plane.ts';

// An oblique plane with non-square pixels: 0.5 mm between rows, 0.8 mm between columns.
const IMAGE_ID = 'test:oblique';
const plane = {
  imagePositionPatient: [10, -20, 30],
  rowCosines: [0, 1, 0],
  columnCosines: [0, 0, -1],
  rowPixelSpacing: 0.5,
  columnPixelSpacing: 0.8,
};
metaData.addProvider((type: string, imageId: string) =>
  type === 'imagePlaneModule' && imageId === IMAGE_ID ? plane : undefined,
);

describe('world <-> pixel index on a displayed image', () => {
  it('puts the first pixel centre (ImagePositionPatient) at column 0, row 0', () => {
    expect(worldToPixel(IMAGE_ID, [10, -20, 30])).toEqual([0, 0]);
  });

  it('steps columns by the column spacing along the row direction, rows by the row spacing', () => {
    // 8 mm along the row direction = 10 columns; 5 mm along the column direction = 10 rows.
    const [x, y] = worldToPixel(IMAGE_ID, [10, -12, 25]);
    expect(x).toBeCloseTo(10, 10);
    expect(y).toBeCloseTo(10, 10);
  });

  it('pixelToWorld inverts worldToPixel, at fractional positions too', () => {
    const [x, y] = worldToPixel(IMAGE_ID, pixelToWorld(IMAGE_ID, 123.25, 7.5));
    expect(x).toBeCloseTo(123.25, 10);
    expect(y).toBeCloseTo(7.5, 10);
  });

  it('refuses an image without plane geometry instead of using the origin', () => {
    expect(() => worldToPixel('test:no-plane', [0, 0, 0])).toThrow(/no image plane/);
  });
});
