import { describe, expect, it } from 'vitest';
import { solveRandomWalker } from '../../src/classical/random-walker.ts';
import { fillHoles, keepAnchoredRegion } from '../../src/classical/regions.ts';

describe('random walker', () => {
  it('interpolates linearly between two seeds on a flat chain (the harmonic solution)', () => {
    const width = 11;
    const seeds = new Int8Array(width);
    seeds[0] = 1;
    seeds[width - 1] = -1;
    const { probability } = solveRandomWalker({
      width,
      height: 1,
      image: new Float32Array(width).fill(100),
      seeds,
      beta: 4,
      tolerance: 1e-6,
    });
    for (let i = 0; i < width; i++) expect(probability[i]).toBeCloseTo(1 - i / (width - 1), 4);
  });

  it('puts the boundary on the intensity edge, not half way between the seeds', () => {
    const width = 40;
    const height = 20;
    const image = new Float32Array(width * height);
    const seeds = new Int8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        image[y * width + x] = x < 30 ? 200 : 60; // edge between columns 29 and 30
        if (x === 0) seeds[y * width + x] = 1;
        if (x === width - 1) seeds[y * width + x] = -1;
      }
    }
    const { probability } = solveRandomWalker({ width, height, image, seeds, beta: 4 });
    for (let y = 0; y < height; y++) {
      expect(probability[y * width + 29]).toBeGreaterThan(0.5);
      expect(probability[y * width + 30]).toBeLessThan(0.5);
    }
  });
});

describe('mask regions', () => {
  it('keeps the region holding the anchor and fills its holes', () => {
    const width = 7;
    const height = 5;
    // Two blobs: a ring (with a hole) on the left, a 1-pixel blob on the right.
    const rows = ['ooo....', 'o.o...x', 'ooo....', '.......', '.......'];
    const mask = new Uint8Array(width * height);
    rows.forEach((r, y) => {
      for (let x = 0; x < width; x++) mask[y * width + x] = r[x] === '.' ? 0 : 1;
    });
    const anchor = new Uint8Array(width * height);
    anchor[0] = 1;
    const kept = keepAnchoredRegion(mask, anchor, width, height);
    expect(kept[1 * width + 6]).toBe(0);
    expect(kept[1 * width + 1]).toBe(0);
    const filled = fillHoles(kept, width, height);
    expect(filled[1 * width + 1]).toBe(1);
    expect(Array.from(filled).reduce((a, b) => a + b, 0)).toBe(9);
  });
});
