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
  const x = new Float32Array(n);
  const free = new Uint8Array(n);
  const diagonal = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (seeds[i] !== 0) {
      x[i] = seeds[i] > 0 ? 1 : 0;
      continue;
    }
    free[i] = 1;
    x[i] = problem.initial ? problem.initial[i] : 0.5;
  }
  // Diagonal (degree + prior weight) and right-hand side (edges to foreground seeds + prior).
  for (let y = 0; y < height; y++) {
    for (let xx = 0; xx < width; xx++) {
      const i = y * width + xx;
      if (!free[i]) continue;
      let degree = gamma;
      let rhs = prior ? gamma * prior.foreground[i] : 0;
      const visit = (j: number, w: number) => {
        degree += w;
        if (!free[j]) rhs += w * x[j];
      };
      if (xx > 0) visit(i - 1, right[i - 1]);
      if (xx + 1 < width) visit(i + 1, right[i]);
      if (y > 0) visit(i - width, down[i - width]);
      if (y + 1 < height) visit(i + width, down[i]);
      diagonal[i] = degree;
      b[i] = rhs;
    }
  }
  // The free pixels as a list, each with its four neighbours' weights (0 for a seed or past the
  // border, where the neighbour index points back at the pixel itself), so the product A v is a
  // branch-free loop.
  let m = 0;
  for (let i = 0; i < n; i++) m += free[i];
  const index = new Int32Array(m);
  const neighbour = new Int32Array(4 * m);
  const weight = new Float32Array(4 * m);
  for (let i = 0, k = 0; i < n; i++) {
    if (!free[i]) continue;
    index[k] = i;
    const xx = i % width;
    const candidates: Array<[boolean, number, number]> = [
      [xx > 0, i - 1, xx > 0 ? right[i - 1] : 0],
      [xx + 1 < width, i + 1, right[i]],
      [i >= width, i - width, i >= width ? down[i - width] : 0],
      [i + width < n, i + width, down[i]],
    ];
    candidates.forEach(([inside, j, w], c) => {
      const linked = inside && free[j] === 1;
      neighbour[4 * k + c] = linked ? j : i;
      weight[4 * k + c] = linked ? w : 0;
    });
    k++;
  }
  const multiply = (v: Float32Array, out: Float32Array) => {
    for (let k = 0; k < m; k++) {
      const i = index[k];
      const q = 4 * k;
      out[i] =
        diagonal[i] * v[i] -
        weight[q] * v[neighbour[q]] -
        weight[q + 1] * v[neighbour[q + 1]] -
        weight[q + 2] * v[neighbour[q + 2]] -
        weight[q + 3] * v[neighbour[q + 3]];
    }
  };

  const r = new Float32Array(n);
  const z = new Float32Array(n);
  const p = new Float32Array(n);
  const ap = new Float32Array(n);
  multiply(x, ap);
  let rz = 0;
  let bNorm = 0;
  let rNorm = 0;
  for (let k = 0; k < m; k++) {
    const i = index[k];
    r[i] = b[i] - ap[i];
    z[i] = r[i] / diagonal[i];
    p[i] = z[i];
    rz += r[i] * z[i];
    rNorm += r[i] * r[i];
    bNorm += b[i] * b[i];
  }
  const tolerance = (problem.tolerance ?? 1e-3) * Math.sqrt(Math.max(bNorm, 1e-30));
  const maxIterations = problem.maxIterations ?? 2000;
  let iterations = 0;
  for (; iterations < maxIterations && Math.sqrt(rNorm) > tolerance; iterations++) {
    multiply(p, ap);
    let pap = 0;
    for (let k = 0; k < m; k++) pap += p[index[k]] * ap[index[k]];
    if (pap <= 0) break;
    const alpha = rz / pap;
    let rzNext = 0;
    rNorm = 0;
    for (let k = 0; k < m; k++) {
      const i = index[k];
      x[i] += alpha * p[i];
      r[i] -= alpha * ap[i];
      z[i] = r[i] / diagonal[i];
      rzNext += r[i] * z[i];
      rNorm += r[i] * r[i];
    }
    const betaCg = rzNext / rz;
    rz = rzNext;
    for (let k = 0; k < m; k++) {
      const i = index[k];
      p[i] = z[i] + betaCg * p[i];
    }
  }
  for (let i = 0; i < n; i++) x[i] = Math.min(1, Math.max(0, x[i]));
  return { probability: x, iterations };
}
