/**
 * Percentiles by linear interpolation between order statistics, numpy's default method: the MR window
 * (window.ts) and the robustness metrics (HD95, medians of Dice) use this one definition.
 */

/** p-th percentile (0-100) of values already sorted ascending; NaN for none. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (p / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** p-th percentile (0-100) of values in any order (sorts a copy); NaN for none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(Float64Array.from(values).sort(), p);
}
