import { describe, expect, it } from 'vitest';
import type { SliceImage } from '../../src/dicom/slice-image.ts';
import { windowTo8Bit } from '../../src/model/window.ts';
import { corruptImage8 } from '../../src/robustness/catalogue.ts';
import { degradeSlice, image8Of, modalityValuesFrom8Bit } from '../../src/robustness/degrade-slice.ts';
import { Rng } from '../../src/robustness/random.ts';

function ctSlice(photometric: SliceImage['photometric'] = 'MONOCHROME2'): SliceImage {
  const rng = new Rng(1);
  const rows = 48;
  const columns = 40;
  return {
    rows,
    columns,
    values: Float32Array.from({ length: rows * columns }, () => Math.round(rng.uniformRange(-1100, 1500))),
    modality: 'CT',
    photometric,
    sopInstanceUID: '1.2.3.4',
    frame: 0,
    pixelSpacing: [0.8, 0.8],
  };
}

describe('the inverse window', () => {
  it('gives back every grey level when windowed again, also after rounding to whole HU', () => {
    const window = { low: -160, high: 240 };
    const grey = Uint8Array.from({ length: 256 }, (_, g) => g);
    for (const photometric of ['MONOCHROME2', 'MONOCHROME1'] as const) {
      const values = modalityValuesFrom8Bit(grey, window, photometric);
      const slice = { ...ctSlice(photometric), rows: 16, columns: 16, values };
      expect(Array.from(windowTo8Bit(slice, window))).toEqual(Array.from(grey));
      const rounded = { ...slice, values: values.map(Math.round) };
      expect(Array.from(windowTo8Bit(rounded, window))).toEqual(Array.from(grey));
      // Everything lies inside the window: values outside it were clipped to its ends.
      expect(Math.min(...values)).toBe(-160);
      expect(Math.max(...values)).toBe(240);
    }
  });
});

describe('degradeSlice', () => {
  it('applies an 8-bit corruption in the window and maps it back to HU', () => {
    const slice = ctSlice();
    const request = { name: 'rician_noise', severity: 3, seed: 9, sliceIndex: 4 };
    const degraded = degradeSlice(slice, request);
    expect(degraded.window).toEqual({ low: -160, high: 240 });
    const expected = corruptImage8(image8Of(slice, { low: -160, high: 240 }), request).image.data;
    expect(Array.from(windowTo8Bit(degraded.slice, { low: -160, high: 240 }))).toEqual(Array.from(expected));
    // A different image: a cache keyed by instance must not take it for the clean slice.
    expect(degraded.slice.sopInstanceUID).not.toBe(slice.sopInstanceUID);
    expect(degraded.slice.pixelSpacing).toEqual(slice.pixelSpacing);
    expect(slice.values[0]).toBe(ctSlice().values[0]); // the input is not modified
  });

  it('applies physical corruptions to modality values of their own modality only', () => {
    const slice = ctSlice();
    const degraded = degradeSlice(slice, { name: 'ct_low_dose', severity: 5, seed: 1 });
    expect(degraded.window).toBeUndefined();
    expect(Math.max(...degraded.slice.values)).toBeGreaterThan(1500); // not clipped to any window
    expect(() => degradeSlice(slice, { name: 'mr_spike', severity: 3, seed: 1 })).toThrow(
      /models a MR acquisition/,
    );
  });
});
