import { type AngularNoise, clamp } from './random.ts';

/**
 * Shapes with soft edges. `coverage` is the fraction of a pixel the shape covers (0..1), from an
 * approximate signed distance to the outline in pixels: this is what gives the phantoms partial-volume
 * edges instead of hard steps. x = column, y = row (pixels), z = slice index (fractional).
 */
export interface Shape {
  coverage(x: number, y: number, z: number): number;
  /** Pixel bounding box [x0, y0, x1, y1] at slice z, or null when the shape is absent there. */
  bounds(z: number): [number, number, number, number] | null;
}

export interface EllipseSpec {
  /** Centre (pixels) at slice `zCentre`; it moves by `drift` pixels per slice. */
  cx: number;
  cy: number;
  /** Semi-axes (pixels) at the widest slice. */
  a: number;
  b: number;
  /** Rotation of the `a` axis from the +x axis, radians. */
  angle?: number;
  /** Slice of the widest section and half-length in slices (an ellipsoid); omit for a prism. */
  zCentre?: number;
  zHalf?: number;
  drift?: [number, number];
  /** Irregular outline: relative radius change `amplitude * noise(angle)`. */
  wobble?: { noise: AngularNoise; amplitude: number };
}

/** An ellipse per slice, optionally an ellipsoid along z, optionally with an irregular outline. */
export class Ellipse implements Shape {
  private readonly cos: number;
  private readonly sin: number;

  constructor(private readonly spec: EllipseSpec) {
    this.cos = Math.cos(spec.angle ?? 0);
    this.sin = Math.sin(spec.angle ?? 0);
  }

  private section(z: number): { cx: number; cy: number; scale: number } | null {
    const { spec } = this;
    const dz = z - (spec.zCentre ?? 0);
    let scale = 1;
    if (spec.zHalf !== undefined) {
      const t = dz / spec.zHalf;
      if (Math.abs(t) >= 1) return null;
      scale = Math.sqrt(1 - t * t);
    }
    const [dx, dy] = spec.drift ?? [0, 0];
    return { cx: spec.cx + dx * dz, cy: spec.cy + dy * dz, scale };
  }

  coverage(x: number, y: number, z: number): number {
    const s = this.section(z);
    if (!s) return 0;
    const a = this.spec.a * s.scale;
    const b = this.spec.b * s.scale;
    const px = x - s.cx;
    const py = y - s.cy;
    const u = px * this.cos + py * this.sin;
    const v = -px * this.sin + py * this.cos;
    const r = Math.sqrt((u / a) ** 2 + (v / b) ** 2);
    let edge = 1;
    if (this.spec.wobble)
      edge += this.spec.wobble.amplitude * this.spec.wobble.noise.at(Math.atan2(v / b, u / a));
    const rho = Math.sqrt(px * px + py * py);
    // Distance along the ray from the centre to the outline, in pixels (exact for a circle).
    const distance = r > 1e-9 ? rho * (1 - edge / r) : -Math.min(a, b) * edge;
    return clamp(0.5 - distance, 0, 1);
  }

  bounds(z: number): [number, number, number, number] | null {
    const s = this.section(z);
    if (!s) return null;
    const reach = Math.max(this.spec.a, this.spec.b) * s.scale * (1 + (this.spec.wobble?.amplitude ?? 0)) + 2;
    return [s.cx - reach, s.cy - reach, s.cx + reach, s.cy + reach];
  }
}

/** Everything in `outer` that is not in `hole` (a crescent, a notch, a ring). */
export class Difference implements Shape {
  constructor(
    private readonly outer: Shape,
    private readonly hole: Shape,
  ) {}

  coverage(x: number, y: number, z: number): number {
    const c = this.outer.coverage(x, y, z);
    return c === 0 ? 0 : c * (1 - this.hole.coverage(x, y, z));
  }

  bounds(z: number): [number, number, number, number] | null {
    return this.outer.bounds(z);
  }
}

/** The union of several shapes (a vertebra: body, pedicles, spinous process). */
export class Union implements Shape {
  constructor(private readonly parts: Shape[]) {}

  coverage(x: number, y: number, z: number): number {
    let c = 0;
    for (const part of this.parts) c = Math.max(c, part.coverage(x, y, z));
    return c;
  }

  bounds(z: number): [number, number, number, number] | null {
    let box: [number, number, number, number] | null = null;
    for (const part of this.parts) {
      const b = part.bounds(z);
      if (!b) continue;
      box = box
        ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])]
        : b;
    }
    return box;
  }
}

/** An axis-aligned box with soft edges (a spinous process, a pedicle). */
export class Rectangle implements Shape {
  constructor(
    private readonly x0: number,
    private readonly y0: number,
    private readonly x1: number,
    private readonly y1: number,
  ) {}

  coverage(x: number, y: number): number {
    const distance = Math.max(this.x0 - x, x - this.x1, this.y0 - y, y - this.y1);
    return clamp(0.5 - distance, 0, 1);
  }

  bounds(): [number, number, number, number] {
    return [this.x0 - 1, this.y0 - 1, this.x1 + 1, this.y1 + 1];
  }
}

/** The part of `shape` inside `within` (an organ that stops at the abdominal wall). */
export class Intersection implements Shape {
  constructor(
    private readonly shape: Shape,
    private readonly within: Shape,
  ) {}

  coverage(x: number, y: number, z: number): number {
    const c = this.shape.coverage(x, y, z);
    return c === 0 ? 0 : Math.min(c, this.within.coverage(x, y, z));
  }

  bounds(z: number): [number, number, number, number] | null {
    return this.shape.bounds(z);
  }
}
