/**
 * Re-derives the calibration constants of src/quality/calibration.ts from the bundled samples:
 *
 *     npx tsx src/quality/calibrate-node.ts
 *
 * For each measure and its own degradation (noise: gauss_noise, blur: gaussian_blur, ghosting:
 * step_motion) at severities 0 (clean) to 5, seed 1, on CALIBRATION_SLICES of both samples (one box per
 * truth structure, plus 5 pixels), it pools CT and MR and prints the values per level and the
 * thresholds:
 * - severity k starts halfway between the medians of levels k - 1 and k, where the measure tells level k
 *   from level k - 1: level k's median is above level k - 1's upper quartile;
 * - a level it cannot tell from the one below shares the threshold of the next level it can tell (so
 *   ghosting's severity 1 starts with 2), and levels above the last one it can tell get Infinity (never
 *   reported: ghosting cannot tell step_motion 4 and 5 from 3, which differ only in the shift);
 * - the warning threshold (severity 3) is also at least halfway between the largest value seen at
 *   levels 0 and 1 and the median of level 3, so that no clean or mildly degraded slice of the
 *   calibration set comes near it (it must not cry wolf);
 * - thresholds never decrease.
 * It also prints each measure on the other two degradations: a warning for the wrong cause would show
 * up there.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEVERITIES } from '../robustness/catalogue.ts';
import type { QualityMeasure } from './calibration.ts';
import {
  degraded,
  QUALITY_DEGRADATIONS,
  type QualityDegradation,
  sampleSlices,
} from './calibration-cases-node.ts';
import { estimateImageQuality } from './estimate.ts';

const CALIBRATION_SEED = 1;
const CALIBRATION_SLICES = { 'ct-abdomen': [6, 12, 19, 26, 33], 'mr-brain': [8, 12, 15, 18, 22] } as const;

const MEASURE_OF: Record<QualityDegradation, QualityMeasure> = {
  gauss_noise: 'noise',
  gaussian_blur: 'blur',
  step_motion: 'ghosting',
};
/** Linear-interpolated quantile. */
const quantile = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const i = Math.floor(at);
  return i + 1 < s.length ? s[i] + (at - i) * (s[i + 1] - s[i]) : s[i];
};
const median = (v: number[]) => quantile(v, 0.5);

/** The rule of the module comment, on one measure's values per level 0-5. */
function deriveThresholds(levels: number[][]): number[] {
  const mid: number[] = [];
  const told: boolean[] = [];
  for (let k = 1; k <= 5; k++) {
    told.push(median(levels[k]) > quantile(levels[k - 1], 0.75));
    mid.push((median(levels[k - 1]) + median(levels[k])) / 2);
  }
  const t = new Array<number>(5).fill(Number.POSITIVE_INFINITY);
  for (let k = 4; k >= 0; k--) t[k] = told[k] ? mid[k] : k < 4 ? t[k + 1] : Number.POSITIVE_INFINITY;
  // Levels above the last one told apart are never reported.
  const last = told.lastIndexOf(true);
  for (let k = last + 1; k < 5; k++) t[k] = Number.POSITIVE_INFINITY;
  const mild = Math.max(...levels[0], ...levels[1]);
  t[2] = Math.max(t[2], (mild + median(levels[3])) / 2);
  for (let k = 1; k < 5; k++) t[k] = Math.max(t[k], t[k - 1]);
  return t;
}

const samples = join(dirname(fileURLToPath(import.meta.url)), '../../sample-dicom');
const items = [
  ...sampleSlices(samples, 'ct-abdomen', [...CALIBRATION_SLICES['ct-abdomen']]),
  ...sampleSlices(samples, 'mr-brain', [...CALIBRATION_SLICES['mr-brain']]),
];
const thresholds: Partial<Record<QualityMeasure, number[]>> = {};
for (const degradation of QUALITY_DEGRADATIONS) {
  const byLevel: Record<QualityMeasure, number[][]> = { noise: [], blur: [], ghosting: [] };
  for (const severity of [0, ...SEVERITIES] as const) {
    const values: Record<QualityMeasure, number[]> = { noise: [], blur: [], ghosting: [] };
    for (const item of items) {
      const slice = degraded(item, degradation, severity, CALIBRATION_SEED);
      for (const box of item.boxes) {
        const q = estimateImageQuality(slice, box);
        for (const m of ['noise', 'blur', 'ghosting'] as const)
          if (q[m].value !== null) values[m].push(q[m].value);
      }
    }
    for (const m of ['noise', 'blur', 'ghosting'] as const) byLevel[m].push(values[m]);
  }
  const own = MEASURE_OF[degradation];
  thresholds[own] = deriveThresholds(byLevel[own]);
  console.log(`\n${degradation} (own measure: ${own})`);
  for (const m of ['noise', 'blur', 'ghosting'] as const) {
    const line = byLevel[m]
      .map(
        (v, k) => `${k}: ${Math.min(...v).toFixed(3)}..${median(v).toFixed(3)}..${Math.max(...v).toFixed(3)}`,
      )
      .join('  ');
    console.log(`  ${m.padEnd(8)} ${line}`);
  }
}
console.log(
  '\nQUALITY_THRESHOLDS =',
  JSON.stringify(thresholds, (_, v) =>
    v === Number.POSITIVE_INFINITY ? 'Infinity' : typeof v === 'number' ? Number(v.toPrecision(4)) : v,
  ),
);
