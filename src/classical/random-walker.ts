/**
 * Grady's random walker (IEEE PAMI 2006) with intensity priors (Grady, MICCAI 2005) on a 4-connected
 * pixel grid. Every pixel gets the probability that a random walk started there reaches a foreground
 * seed before a background seed; walks prefer to stay within regions of similar intensity, so the
 * 0.5 level set follows edges, even weak ones, and closes across gaps where edges are missing.
 *
 * The probabilities minimise  sum_ij w_ij (x_i - x_j)^2 + gamma * sum_i [ (1 - p_i) x_i^2 + p_i (1 - x_i)^2 ]
 * with seeds fixed (1 foreground, 0 background), where p_i is a per-pixel foreground likelihood from
 * intensity models. The minimiser solves a sparse symmetric positive definite system, done here with
 * Jacobi-preconditioned conjugate gradients and no matrix stored (the grid is the matrix).
 */

export interface RandomWalkerProblem {
  width: number;
  height: number;
  /** Intensities (any scale), row-major, width * height. Smooth them first: edges come from differences. */
  image: Float32Array;
  /** 1 = foreground seed, -1 = background seed, 0 = free. */
  seeds: Int8Array;
  /** Edge sharpness: w = exp(-beta * d^2 / mean(d^2)) for intensity difference d between neighbours. */
  beta: number;
  /** Per-pixel foreground likelihood in [0, 1] and its weight against the edge terms; omit for none. */
  prior?: { foreground: Float32Array; weight: number };
  /** Starting guess (e.g. from a coarser grid); default 0.5 everywhere. */
  initial?: Float32Array;
  /** Relative residual at which to stop (default 1e-3) and the iteration cap (default 2000). */
  tolerance?: number;
  maxIterations?: number;
}

export interface RandomWalkerSolution {
  /** Foreground probability per pixel (seeds exactly 1 or 0). */
  probability: Float32Array;
  iterations: number;
}

/** Weights of the right (horizontal) and down (vertical) edge of every pixel; 0 past the border. */
function edgeWeights(width: number, height: number, image: Float32Array, beta: number) {
  const right = new Float32Array(width * height);
  const down = new Float32Array(width * height);
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x + 1 < width) {
        const d = image[i + 1] - image[i];
        right[i] = d * d;
        sum += d * d;
        count++;
      }
      if (y + 1 < height) {
        const d = image[i + width] - image[i];
        down[i] = d * d;
        sum += d * d;
        count++;
      }
    }
  }
  // Normalising by the mean squared difference makes beta independent of the image's contrast scale.
  const scale = beta / Math.max(sum / Math.max(count, 1), 1e-12);
  // A small floor keeps the system connected (and positive definite) across the strongest edges.
  const floor = 1e-6;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      right[i] = x + 1 < width ? Math.exp(-scale * right[i]) + floor : 0;
      down[i] = y + 1 < height ? Math.exp(-scale * down[i]) + floor : 0;
    }
  }
  return { right, down };
}

export function solveRandomWalker(problem: RandomWalkerProblem): RandomWalkerSolution {
  const { width, height, seeds, prior } = problem;
  const n = width * height;
  const { right, down } = edgeWeights(width, height, problem.image, problem.beta);
  const gamma = prior?.weight ?? 0;
  // The unknowns are the free (unseeded) pixels, numbered 0..m-1 in raster order; every vector of the
  // solver lives in that compact numbering, so its loops run over contiguous memory.
  const compact = new Int32Array(n).fill(-1);
  let m = 0;
  for (let i = 0; i < n; i++) if (seeds[i] === 0) compact[i] = m++;
  const pixel = new Int32Array(m);
  for (let i = 0; i < n; i++) if (compact[i] >= 0) pixel[compact[i]] = i;

  // Row k of the system: diagonal (degree + prior weight), up to four off-diagonal links to free
  // neighbours (a missing link points back at k with weight 0, which keeps the product branch-free),
  // and the right-hand side (edges to foreground seeds + prior).
  const diagonal = new Float32Array(m);
  const b = new Float32Array(m);
  const neighbour = new Int32Array(4 * m);
  const weight = new Float32Array(4 * m);
  const x = new Float32Array(m);
  const link = (k: number, c: number, j: number, w: number) => {
    diagonal[k] += w;
    if (compact[j] >= 0) {
      neighbour[4 * k + c] = compact[j];
      weight[4 * k + c] = w;
    } else if (seeds[j] > 0) {
      b[k] += w;
    }
  };
  for (let k = 0; k < m; k++) {
    const i = pixel[k];
    const column = i % width;
    neighbour.fill(k, 4 * k, 4 * k + 4);
    diagonal[k] = gamma;
    b[k] = prior ? gamma * prior.foreground[i] : 0;
    if (column > 0) link(k, 0, i - 1, right[i - 1]);
    if (column + 1 < width) link(k, 1, i + 1, right[i]);
    if (i >= width) link(k, 2, i - width, down[i - width]);
    if (i + width < n) link(k, 3, i + width, down[i]);
    x[k] = problem.initial ? problem.initial[i] : 0.5;
  }
  const multiply = (v: Float32Array, out: Float32Array) => {
    for (let k = 0; k < m; k++) {
      const q = 4 * k;
      out[k] =
        diagonal[k] * v[k] -
        weight[q] * v[neighbour[q]] -
        weight[q + 1] * v[neighbour[q + 1]] -
        weight[q + 2] * v[neighbour[q + 2]] -
        weight[q + 3] * v[neighbour[q + 3]];
    }
  };

  const r = new Float32Array(m);
  const z = new Float32Array(m);
  const p = new Float32Array(m);
  const ap = new Float32Array(m);
  multiply(x, ap);
  let rz = 0;
  let bNorm = 0;
  let rNorm = 0;
  for (let k = 0; k < m; k++) {
    r[k] = b[k] - ap[k];
    z[k] = r[k] / diagonal[k];
    p[k] = z[k];
    rz += r[k] * z[k];
    rNorm += r[k] * r[k];
    bNorm += b[k] * b[k];
  }
  const tolerance = (problem.tolerance ?? 1e-3) * Math.sqrt(Math.max(bNorm, 1e-30));
  const maxIterations = problem.maxIterations ?? 2000;
  let iterations = 0;
  for (; iterations < maxIterations && Math.sqrt(rNorm) > tolerance; iterations++) {
    multiply(p, ap);
    let pap = 0;
    for (let k = 0; k < m; k++) pap += p[k] * ap[k];
    if (pap <= 0) break;
    const alpha = rz / pap;
    let rzNext = 0;
    rNorm = 0;
    for (let k = 0; k < m; k++) {
      x[k] += alpha * p[k];
      r[k] -= alpha * ap[k];
      z[k] = r[k] / diagonal[k];
      rzNext += r[k] * z[k];
      rNorm += r[k] * r[k];
    }
    const betaCg = rzNext / rz;
    rz = rzNext;
    for (let k = 0; k < m; k++) p[k] = z[k] + betaCg * p[k];
  }

  const probability = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    probability[i] = compact[i] >= 0 ? Math.min(1, Math.max(0, x[compact[i]])) : seeds[i] > 0 ? 1 : 0;
  }
  return { probability, iterations };
}
