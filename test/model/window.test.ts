import { describe, expect, it } from 'vitest';
import type { SliceImage } from '../../src/dicom/slice-image.ts';
import { InputError } from '../../src/errors.ts';
import { CT_DEFAULT_WINDOW, percentileWindow, resolveWindow, windowTo8Bit } from '../../src/model/window.ts';

function slice(
  values: number[],
  modality = 'CT',
  photometric: SliceImage['photometric'] = 'MONOCHROME2',
): SliceImage {
  return {
    rows: 1,
    columns: values.length,
    values: Float32Array.from(values),
    modality,
    photometric,
    sopInstanceUID: '1.2.3',
    frame: 0,
    pixelSpacing: [1, 1],
  };
}

describe('8-bit window', () => {
  it('CT uses MedSAM abdomen window [-160, 240] HU with floor((clip(v) - lo) / (hi - lo) * 255)', () => {
    const s = slice([-1000, -160, -159, 0, 40, 239, 240, 3000]);
    const w = resolveWindow(s);
    expect(w).toEqual(CT_DEFAULT_WINDOW);
    // (v + 160) / 400 * 255, floored: -159 -> 0.6375 -> 0; 0 -> 102; 40 -> 127.5 -> 127; 239 -> 254.36 -> 254
    expect([...windowTo8Bit(s, w)]).toEqual([0, 0, 0, 102, 127, 254, 255, 255]);
  });

  it("a caller's window replaces the default, and a reversed or empty window is refused", () => {
    const s = slice([0, 50, 100]);
    expect([...windowTo8Bit(s, resolveWindow(s, { low: 0, high: 100 }))]).toEqual([0, 127, 255]);
    expect(() => resolveWindow(s, { low: 10, high: 10 })).toThrow(InputError);
    expect(() => resolveWindow(s, { low: 10, high: -10 })).toThrow(/high end must be above/);
  });

  it('MONOCHROME1 is inverted after windowing', () => {
    const s = slice([-160, 40, 240], 'CT', 'MONOCHROME1');
    expect([...windowTo8Bit(s, resolveWindow(s))]).toEqual([255, 128, 0]);
  });

  it('MR uses the 0.5 and 99.5 percentiles of non-zero pixels, linearly interpolated as NumPy does', () => {
    // Non-zero values 1..200: rank = p/100 * 199 -> 0.995 -> 1.995; 197.005 -> 198.005.
    const values = [0, 0, 0, ...Array.from({ length: 200 }, (_, i) => 200 - i)];
    const w = resolveWindow(slice(values, 'MR'));
    expect(w.low).toBeCloseTo(1.995, 10);
    expect(w.high).toBeCloseTo(199.005, 10);
    const u8 = windowTo8Bit(slice(values, 'MR'), w);
    expect(u8[0]).toBe(0);
    expect(u8[3]).toBe(255); // 200 above the high percentile
    expect(u8[values.length - 1]).toBe(0); // 1 below the low percentile
  });

  it('an MR slice without non-zero pixels windows to all zeros', () => {
    const s = slice([0, 0, 0, 0], 'MR');
    expect(percentileWindow(s.values, 0.5, 99.5)).toEqual({ low: 0, high: 0 });
    expect([...windowTo8Bit(s, resolveWindow(s))]).toEqual([0, 0, 0, 0]);
  });
});
