/**
 * Value -> severity 0-5 on one measure: the number of calibrated thresholds the value reaches.
 * `thresholds[k - 1]` is where severity k starts (increasing; Infinity for a level the measure cannot
 * tell from the one below it). NaN (not measurable) is severity 0.
 */
export function severityOf(value: number, thresholds: readonly number[]): number {
  if (Number.isNaN(value)) return 0;
  let severity = 0;
  for (const t of thresholds) {
    if (value >= t) severity++;
    else break;
  }
  return severity;
}
