export type QualityMeasure = 'noise' | 'blur' | 'ghosting';

/** A severity at or above this warns (the issue: "degraded beyond severity 2"). */
export const WARNING_SEVERITY = 3;

/**
 * Where each severity 1-5 starts, per measure (`thresholds[k - 1]` for severity k; Infinity: never
 * reported). Derived by `npx tsx src/quality/calibrate-node.ts` (its comment has the rule) from our own
 * corruptions (src/robustness: gauss_noise for noise, gaussian_blur for blur, step_motion for ghosting;
 * seed 1) at severities 0-5 on slices 6, 12, 19, 26, 33 of sample-dicom/ct-abdomen and 8, 12, 15, 18,
 * 22 of sample-dicom/mr-brain, one box per truth structure (plus 5 px), CT and MR pooled, so that a
 * severity means the same on both. The values measured then (min..median..max per level 0-5):
 *
 *   noise (grey levels) 0: 1.40..1.53..6.42   1: 7.77..8.51..11.0   2: 11.5..12.4..14.1
 *                       3: 15.1..16.3..17.7   4: 21.7..23.5..25.3   5: 27.8..30.9..32.2
 *   blur (0-1)          0: 0.22..0.28..0.34   1: 0.38..0.43..0.55   2: 0.45..0.51..0.63
 *                       3: 0.55..0.61..0.71   4: 0.74..0.79..0.83   5: 0.81..0.84..0.87
 *   ghosting (grey)     0: 0..0..2            1: 0..0..9            2: 1..4..11
 *                       3: 37..52..133        4: 37..52.5..134      5: 37..57.5..134
 *
 * Across degradations: noise reads at most 6.4 under blur or step motion, blur at most 0.43 under noise
 * or step motion, ghosting at most 3 under noise or blur: none reaches its warning threshold.
 * Ghosting cannot tell step_motion 3, 4 and 5 apart (they differ only in the shift; see ghosting.ts),
 * so it reports at most severity 3.
 */
export const QUALITY_THRESHOLDS: Record<QualityMeasure, readonly number[]> = {
  noise: [5.019, 10.48, 14.39, 19.92, 27.19],
  blur: [0.353, 0.4682, 0.5796, 0.6983, 0.8158],
  ghosting: [2, 2, 30.5, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
};
