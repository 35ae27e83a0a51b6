/**
 * Seeded randomness for the phantoms: the same seed gives the same bytes on every machine, because
 * everything is built from 32-bit integer arithmetic and Math functions on exactly representable inputs.
 */

/** mulberry32: a small, well-mixed 32-bit generator (uniform in [0, 1)). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box-Muller, pairs cached. */
export function createGaussian(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - random(); // (0, 1]: log stays finite
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

/**
 * Smooth 3-D value noise in about [-1, 1]: random values on a lattice of `cell` pixels (in-plane) and
 * `cellZ` slices, interpolated with a smoothstep. Used for tissue texture, bias fields and for
 * irregular organ outlines.
 */
export class SmoothNoise3D {
  private readonly nx: number;
  private readonly ny: number;
  private readonly nz: number;
  private readonly lattice: Float32Array;

  constructor(
    random: () => number,
    private readonly width: number,
    private readonly height: number,
    private readonly depth: number,
    private readonly cell: number,
    private readonly cellZ: number,
  ) {
    this.nx = Math.ceil(width / cell) + 2;
    this.ny = Math.ceil(height / cell) + 2;
    this.nz = Math.ceil(depth / cellZ) + 2;
    this.lattice = new Float32Array(this.nx * this.ny * this.nz);
    for (let i = 0; i < this.lattice.length; i++) this.lattice[i] = random() * 2 - 1;
  }

  /** x, y in pixels, z in slices; coordinates outside the volume are clamped. */
  at(x: number, y: number, z: number): number {
    const fx = clamp(x, 0, this.width) / this.cell;
    const fy = clamp(y, 0, this.height) / this.cell;
    const fz = clamp(z, 0, this.depth) / this.cellZ;
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    const iz = Math.floor(fz);
    const tx = smooth(fx - ix);
    const ty = smooth(fy - iy);
    const tz = smooth(fz - iz);
    const { nx, ny, lattice } = this;
    const at = (a: number, b: number, c: number) => lattice[(c * ny + b) * nx + a];
    const plane = (c: number) => {
      const top = at(ix, iy, c) + (at(ix + 1, iy, c) - at(ix, iy, c)) * tx;
      const bottom = at(ix, iy + 1, c) + (at(ix + 1, iy + 1, c) - at(ix, iy + 1, c)) * tx;
      return top + (bottom - top) * ty;
    };
    const near = plane(iz);
    return near + (plane(iz + 1) - near) * tz;
  }
}

/** Smooth 1-D periodic noise on [0, 2*pi), for wobbling an outline around its centre. */
export class AngularNoise {
  private readonly values: Float32Array;

  constructor(random: () => number, lobes: number) {
    this.values = new Float32Array(lobes);
    for (let i = 0; i < lobes; i++) this.values[i] = random() * 2 - 1;
  }

  at(angle: number): number {
    const n = this.values.length;
    const f = ((((angle / (2 * Math.PI)) % 1) + 1) % 1) * n;
    const i = Math.floor(f);
    const t = smooth(f - i);
    return this.values[i % n] + (this.values[(i + 1) % n] - this.values[i % n]) * t;
  }
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
