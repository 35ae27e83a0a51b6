import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { antialiasBilinear, bilinear, compose, resample2d } from '../../src/model/resize.ts';
import { missingTools } from '../helpers/tools.ts';

function row(values: number[]): Float32Array {
  return Float32Array.from(values);
}

describe('resampling, checked by hand', () => {
  it('plain bilinear upsampling 2 -> 4 (align_corners=False) clamps at the edges', () => {
    // Sources: -0.25 -> 0 (clamped), 0.25, 0.75, 1.25 -> last pixel.
    const out = resample2d(row([0, 8]), 1, 2, bilinear(1, 1), bilinear(2, 4));
    expect([...out]).toEqual([0, 2, 6, 8]);
  });

  it('antialiased bilinear equals plain bilinear when enlarging', () => {
    const src = row([3, 1, 4, 1, 5, 9, 2]);
    const a = resample2d(src, 1, 7, bilinear(1, 1), antialiasBilinear(7, 16));
    const b = resample2d(src, 1, 7, bilinear(1, 1), bilinear(7, 16));
    for (let i = 0; i < 16; i++) expect(a[i]).toBeCloseTo(b[i], 5);
  });

  it('antialiased 4 -> 2 averages with a triangle two pixels wide (weights 3/7, 3/7, 1/7)', () => {
    // scale 2, support 2: output 0 is centred at 1.0, taps x = 0, 1, 2 with weights 0.75, 0.75, 0.25
    // (triangle at (x + 0.5 - 1) / 2), normalised: 3/7, 3/7, 1/7.
    const out = resample2d(row([7, 14, 28, 0]), 1, 4, bilinear(1, 1), antialiasBilinear(4, 2));
    expect(out[0]).toBeCloseTo((3 * 7 + 3 * 14 + 28) / 7, 5);
    // output 1 centred at 3.0: taps 1, 2, 3 -> weights 0.25, 0.75, 0.75 normalised.
    expect(out[1]).toBeCloseTo((14 + 3 * 28 + 3 * 0) / 7, 5);
    // Plain bilinear 4 -> 2 instead samples at 0.5 and 2.5: no antialiasing.
    const plain = resample2d(row([7, 14, 28, 0]), 1, 4, bilinear(1, 1), bilinear(4, 2));
    expect([...plain]).toEqual([10.5, 14]);
  });

  it('composing two resamplings equals applying them one after the other, with a crop between', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i) * 10);
    const up = bilinear(16, 64);
    const down = bilinear(40, 23); // reads only the first 40 of the 64 (a crop)
    const twoSteps = resample2d(
      resample2d(src, 1, 16, bilinear(1, 1), up).subarray(0, 40),
      1,
      40,
      bilinear(1, 1),
      down,
    );
    const oneStep = resample2d(src, 1, 16, bilinear(1, 1), compose(up, down));
    for (let i = 0; i < 23; i++) expect(oneStep[i]).toBeCloseTo(twoSteps[i], 5);
  });
});

const noTorch = missingTools({ python: ['torch', 'numpy'] });

describe.skipIf(noTorch)('resampling equals torch F.interpolate(bilinear, align_corners=False)', () => {
  const cases: Array<[number, number, number, number, boolean]> = [
    [512, 384, 1024, 768, true], // sam contract, upscaling
    [1300, 900, 1024, 709, true], // sam contract, a slice larger than 1024: antialiasing matters
    [384, 512, 1024, 1024, true], // medsam stretch
    [256, 256, 700, 333, false], // postprocessing
    [1024, 1024, 301, 777, false],
  ];
  it.each(cases)('%ix%i -> %ix%i antialias=%s', (rows, columns, outRows, outColumns, antialias) => {
    const src = Float32Array.from(
      { length: rows * columns },
      (_, i) => ((i * 7919) % 256) + Math.sin(i) * 0.5,
    );
    const script = `
import sys, numpy as np, torch, torch.nn.functional as F
a = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).reshape(1, 1, ${rows}, ${columns}).copy()
o = F.interpolate(torch.from_numpy(a), size=(${outRows}, ${outColumns}), mode='bilinear', align_corners=False, antialias=${antialias ? 'True' : 'False'})
sys.stdout.buffer.write(o.numpy().astype(np.float32).tobytes())`;
    const bytes = execFileSync('/usr/bin/python3', ['-c', script], {
      input: Buffer.from(src.buffer),
      maxBuffer: 1 << 28,
    });
    const expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const resampling = antialias ? antialiasBilinear : bilinear;
    const actual = resample2d(src, rows, columns, resampling(rows, outRows), resampling(columns, outColumns));
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
    expect(actual.length).toBe(expected.length);
    expect(maxDiff).toBeLessThan(1e-3); // values span 0-256: float32 rounding only
  });
});
