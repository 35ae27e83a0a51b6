/**
 * Motion ghosting, in 8-bit grey levels: how much brighter the darkest part of the strip through the
 * box along one axis is than along the other (the larger of the two ways round, 0 at least).
 *
 * Motion during an MR acquisition spreads the moving anatomy's signal along the phase-encoding
 * direction: ghosts and streaks cross the whole field of view along that axis, air included, and
 * leave the other axis alone. This is the ACR phantom test's "percent signal ghosting" (background
 * ROIs along the phase direction against those along the frequency direction) made local: the strips
 * above/below and left/right of the box stand in for its ROIs, and each strip's 10th percentile for
 * its background level (the darkest tenth: air or fat in a clean slice, lit up where streaks cross).
 * On a clean slice both strips reach the same dark background and the value is near 0; our
 * `step_motion` lights the strip along the columns (the paper's phase direction), by a few grey levels
 * at severity 2 and by tens from severity 3 (where the moved k-space half holds the centre line and
 * the column-mean profile streaks across the image). Severities 3, 4 and 5 differ only in the shift,
 * which this measure does not see. NaN when either strip has fewer than 64 sampled pixels (a box spanning the
 * image along an axis).
 */
export function ghostingLevel(strips: { vertical: Uint8Array; horizontal: Uint8Array }): number {
  if (strips.vertical.length < 64 || strips.horizontal.length < 64) return Number.NaN;
  const v = lowPercentile(strips.vertical, 0.1);
  const h = lowPercentile(strips.horizontal, 0.1);
  return Math.abs(v - h);
}

/** The p-quantile of 8-bit values (the lowest level with at least p of them at or below it). */
function lowPercentile(values: Uint8Array, p: number): number {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) histogram[values[i]]++;
  const wanted = p * values.length;
  let seen = 0;
  for (let g = 0; g < 256; g++) {
    seen += histogram[g];
    if (seen >= wanted) return g;
  }
  return 255;
}
