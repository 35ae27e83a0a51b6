import { describe, expect, it } from 'vitest';
import { composeMaskIntoLabelmap } from '../../src/cornerstone/labelmap-compose.ts';
import { grownBox, maskBoundingBox } from '../../src/model/mask-box.ts';

describe('composeMaskIntoLabelmap', () => {
  const before = Uint8Array.from([0, 1, 2, 3, 0, 2]);
  const mask = Uint8Array.from([1, 1, 1, 1, 0, 0]);

  it('paints the preview and the accepted value inside the mask, leaving locked segments alone', () => {
    const out = composeMaskIntoLabelmap({
      before,
      mask,
      labelValue: 1,
      lockedLabelValues: [2],
      previewLabelValue: 255,
    });
    expect(Array.from(out.preview)).toEqual([255, 255, 2, 255, 0, 2]);
    expect(Array.from(out.accepted)).toEqual([1, 1, 2, 1, 0, 2]);
    // Pixel 1 already was segment 1; pixel 2 is locked: two pixels change.
    expect(out.changed).toBe(2);
    expect(Array.from(before)).toEqual([0, 1, 2, 3, 0, 2]);
  });

  it('keeps the labelmap array type', () => {
    const wide = Uint16Array.from([0, 300, 0]);
    const out = composeMaskIntoLabelmap({
      before: wide,
      mask: Uint8Array.from([1, 1, 0]),
      labelValue: 7,
      lockedLabelValues: [],
      previewLabelValue: 255,
    });
    expect(out.accepted).toBeInstanceOf(Uint16Array);
    expect(Array.from(out.accepted)).toEqual([7, 7, 0]);
  });

  it('rejects a mask of another size', () => {
    expect(() =>
      composeMaskIntoLabelmap({
        before,
        mask: new Uint8Array(5),
        labelValue: 1,
        lockedLabelValues: [],
        previewLabelValue: 255,
      }),
    ).toThrow(/5 pixels/);
  });
});

describe('mask boxes for propagation', () => {
  it('finds the inclusive bounding box and area, or null when empty', () => {
    const mask = new Uint8Array(5 * 4);
    expect(maskBoundingBox(mask, 4, 5)).toBeNull();
    mask[1 * 5 + 2] = 1;
    mask[3 * 5 + 4] = 1;
    expect(maskBoundingBox(mask, 4, 5)).toEqual({ x0: 2, y0: 1, x1: 4, y1: 3, area: 2 });
  });

  it('grows a box by the margin, clamped to the image', () => {
    expect(grownBox({ x0: 2, y0: 1, x1: 4, y1: 3, area: 2 }, 5, 4, 5)).toEqual({
      x0: 0,
      y0: 0,
      x1: 4,
      y1: 3,
    });
    expect(grownBox({ x0: 20, y0: 20, x1: 30, y1: 30, area: 1 }, 5, 100, 100)).toEqual({
      x0: 15,
      y0: 15,
      x1: 35,
      y1: 35,
    });
  });
});
