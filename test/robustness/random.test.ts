import { describe, expect, it } from 'vitest';
import { detExp, detLog, detSinCos } from '../../src/robustness/det-math.ts';
import { Rng } from '../../src/robustness/random.ts';
import { meanAndStd } from './helpers.ts';

describe('engine-independent math', () => {
  it('matches Math.log, Math.exp, Math.sin and Math.cos to a few ulp', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 2000; i++) {
      const x = 10 ** rng.uniformRange(-300, 300);
      expect(Math.abs(detLog(x) - Math.log(x))).toBeLessThanOrEqual(
        4e-16 * Math.max(1, Math.abs(Math.log(x))),
      );
      const y = rng.uniformRange(-700, 700);
      expect(Math.abs(detExp(y) / Math.exp(y) - 1)).toBeLessThan(1e-14);
      const a = rng.uniformRange(-20, 20);
      const [s, c] = detSinCos(a);
      expect(Math.abs(s - Math.sin(a))).toBeLessThan(1e-15);
      expect(Math.abs(c - Math.cos(a))).toBeLessThan(1e-15);
    }
    expect(detLog(1)).toBe(0);
    expect(detLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(detLog(5e-324)).toBeCloseTo(Math.log(5e-324), 12);
    expect(detExp(0)).toBe(1);
  });
});

describe('seeded random numbers', () => {
  it('repeats a stream for the same seed and streams, and differs otherwise', () => {
    const take = (rng: Rng) => Array.from({ length: 8 }, () => rng.nextUint32());
    expect(take(new Rng(42, 1, 7))).toEqual(take(new Rng(42, 1, 7)));
    expect(take(new Rng(42, 1, 7))).not.toEqual(take(new Rng(43, 1, 7)));
    expect(take(new Rng(42, 1, 7))).not.toEqual(take(new Rng(42, 1, 8)));
    expect(take(new Rng(42))).not.toEqual(take(new Rng(42, 0)));
  });

  it('pins the first outputs of seed 0, so a change of generator cannot slip through', () => {
    // These values define the project's degradations: the same seed must give the same pixels in
    // every release, in Node and in browsers (all integer arithmetic).
    const rng = new Rng(0);
    const first = Array.from({ length: 4 }, () => rng.nextUint32());
    expect(first).toEqual(PINNED_SEED0);
  });

  it('draws uniform, integer and normal deviates with the right moments', () => {
    const rng = new Rng(3);
    const n = 200_000;
    const uniforms = Float64Array.from({ length: n }, () => rng.uniform());
    const u = meanAndStd(uniforms);
    expect(u.mean).toBeCloseTo(0.5, 2);
    expect(u.std).toBeCloseTo(Math.sqrt(1 / 12), 2);
    expect(uniforms.every((v) => v >= 0 && v < 1)).toBe(true);
    const normals = Float64Array.from({ length: n }, () => rng.normal());
    const g = meanAndStd(normals);
    expect(Math.abs(g.mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(g.std - 1)).toBeLessThan(0.01);
    const within1 = normals.filter((v) => Math.abs(v) < 1).length / n;
    expect(within1).toBeCloseTo(0.6827, 2);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const k = rng.integer(5, 10);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 10]);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('refuses seeds that are not 32-bit unsigned integers', () => {
    expect(() => new Rng(-1)).toThrow(RangeError);
    expect(() => new Rng(1.5)).toThrow(RangeError);
    expect(() => new Rng(2 ** 32)).toThrow(RangeError);
  });
});

const PINNED_SEED0 = [1169056798, 4156835409, 2366863362, 1271681449];
