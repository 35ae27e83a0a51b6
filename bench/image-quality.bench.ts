/**
 * The image-quality estimate (src/quality): its cost per slice and box (target <= 5 ms for 512 x 512),
 * and how its severities follow the true ones on our own degradations (Spearman per sample and
 * degradation, on the test's slices and seed, not the calibration's).
 */

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { readSeriesFromDirectory } from '../src/dicom/series-node.ts';
import type { Box } from '../src/model/prompts.ts';
import type { QualityMeasure } from '../src/quality/calibration.ts';
import {
  degraded,
  QUALITY_DEGRADATIONS,
  type QualityDegradation,
  sampleSlices,
} from '../src/quality/calibration-cases-node.ts';
import { estimateImageQuality } from '../src/quality/estimate.ts';
import { spearman } from '../src/quality/rank-correlation.ts';
import { SEVERITIES } from '../src/robustness/catalogue.ts';
import { timeSync } from './latency.ts';
import { type BenchReport, percentile, repoPath } from './report.ts';

const SAMPLES = join(import.meta.dirname, '..', 'sample-dicom');
const RUNS = 200;
const MEASURE: Record<QualityDegradation, QualityMeasure> = {
  gauss_noise: 'noise',
  gaussian_blur: 'blur',
  step_motion: 'ghosting',
};

export default async function (): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const ct = readSeriesFromDirectory(join(SAMPLES, 'ct-abdomen')).slices[20];
  const mr = readSeriesFromDirectory(join(SAMPLES, 'mr-brain')).slices[15];
  const cases: Array<[string, typeof ct, string, Box, { window?: { low: number; high: number } }]> = [
    ['CT 512 x 512', ct, 'liver (231 x 211)', { x0: 60, y0: 130, x1: 290, y1: 340 }, {}],
    ['CT 512 x 512', ct, 'kidney-sized (60 x 70)', { x0: 330, y0: 280, x1: 390, y1: 350 }, {}],
    ['CT 512 x 512', ct, 'whole slice', { x0: 0, y0: 0, x1: 511, y1: 511 }, {}],
    ['MR 256 x 256 (percentile window)', mr, 'brain (whole head)', { x0: 30, y0: 20, x1: 225, y1: 235 }, {}],
    [
      'MR 256 x 256 (window given)',
      mr,
      'brain (whole head)',
      { x0: 30, y0: 20, x1: 225, y1: 235 },
      { window: { low: 0, high: 900 } },
    ],
  ];
  const rows: BenchReport['rows'] = [];
  let sink = 0;
  for (const [slice, sliceObj, boxName, box, options] of cases) {
    const times = timeSync(
      RUNS,
      () => {
        sink += estimateImageQuality(sliceObj, box, options).noise.severity;
      },
      10,
    );
    rows.push({
      slice,
      box: boxName,
      runs: RUNS,
      p50_ms: percentile(times, 50),
      p95_ms: percentile(times, 95),
    });
  }
  if (Number.isNaN(sink)) throw new Error('unreachable');

  const correlations: string[] = [];
  const testCases = {
    'ct-abdomen': sampleSlices(SAMPLES, 'ct-abdomen', [9, 23, 30]),
    'mr-brain': sampleSlices(SAMPLES, 'mr-brain', [10, 20]),
  };
  for (const [sample, items] of Object.entries(testCases)) {
    for (const degradation of QUALITY_DEGRADATIONS) {
      const truth: number[] = [];
      const estimated: number[] = [];
      const perLevel: number[][] = [[], [], [], [], [], []];
      for (const item of items) {
        for (const severity of [0, ...SEVERITIES] as const) {
          const s = degraded(item, degradation, severity, 2);
          for (const b of item.boxes) {
            const e = estimateImageQuality(s, b)[MEASURE[degradation]].severity;
            truth.push(severity);
            estimated.push(e);
            perLevel[severity].push(e);
          }
        }
      }
      const mean = (v: number[]) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(1);
      correlations.push(
        `${sample}, ${degradation}: Spearman ${spearman(truth, estimated).toFixed(3)} over ${truth.length} (box, severity) pairs; mean estimated ${MEASURE[degradation]} severity at true 0-5: ${perLevel.map(mean).join(', ')}.`,
      );
    }
  }
  return {
    title: 'Image-quality estimate (noise, blur, ghosting) per slice and box',
    columns: ['slice', 'box', 'runs', 'p50_ms', 'p95_ms'],
    rows,
    notes: [
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run (2 cores, shared with other work: a load above 2 inflates every time).`,
      'Target: <= 5 ms per 512 x 512 slice. One call: window the box neighbourhood (box + 25 % of its longer side, >= 16 px) to 8 bits as the model does, noise, blur, and the 10th percentiles of the strips through the box.',
      'An MR slice without a given window pays for its percentile window (a sort of the non-zero pixels); the segmenter computes the same window for the model.',
      `Slices: ${repoPath(join(SAMPLES, 'ct-abdomen'))} slice 20, ${repoPath(join(SAMPLES, 'mr-brain'))} slice 15. Single thread.`,
      'Severity against the truth (test slices CT 9, 23, 30 and MR 10, 20, seed 2; boxes from the truth + 5 px):',
      ...correlations,
    ],
  };
}
