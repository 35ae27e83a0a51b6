import { detLog } from './det-math.ts';

/**
 * The seeded random source of every corruption. Integer-based (xoshiro128**, 32-bit words via
 * Math.imul and unsigned shifts) so a seed gives bit-identical streams in Node and in any browser; the
 * normal deviates use the Marsaglia polar method with `detLog` and the correctly rounded `Math.sqrt`
 * only, so they are identical everywhere too.
 *
 * A stream is named by the user's seed plus stream numbers (e.g. slice index), so that slice 7 of a
 * series degrades the same way whether or not slices 0-6 were degraded first.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** `seed` and `streams` are integers in [0, 2^32); larger or fractional values are rejected. */
  constructor(seed: number, ...streams: number[]) {
    for (const v of [seed, ...streams]) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new RangeError(`seed and stream numbers must be integers in [0, 2^32), got ${v}`);
      }
    }
    // Mix every word into the state with splitmix32-style finalisers, so nearby seeds give unrelated streams.
    let h = 0x9e3779b9;
    const words: number[] = [];
    for (const v of [seed, streams.length, ...streams]) {
      h = mix32((h + v + 0x9e3779b9) >>> 0);
    }
    for (let i = 0; i < 4; i++) {
      h = mix32((h + 0x9e3779b9 + i) >>> 0);
      words.push(h);
    }
    if (!words.some((w) => w !== 0)) words[0] = 1; // xoshiro's one forbidden state
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [low, high], both ends included (like Python's random.randint). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.integer(0, items.length - 1)];
  }

  /** Standard normal deviate (mean 0, standard deviation 1). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const factor = Math.sqrt((-2 * detLog(s)) / s);
      this.spareNormal = v * factor;
      return u * factor;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
