import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import type { SliceImage } from '../../src/dicom/slice-image.ts';
import type { Box } from '../../src/model/prompts.ts';
import type { QualityMeasure } from '../../src/quality/calibration.ts';
import {
  degraded,
  QUALITY_DEGRADATIONS,
  type QualityDegradation,
  sampleSlices,
} from '../../src/quality/calibration-cases-node.ts';
import { estimateImageQuality } from '../../src/quality/estimate.ts';
import { spearman } from '../../src/quality/rank-correlation.ts';
import { SEVERITIES } from '../../src/robustness/catalogue.ts';
import { missingTools, REPO_ROOT, SHARED_DATA } from '../helpers/tools.ts';

const SAMPLES = join(REPO_ROOT, 'sample-dicom');
const MEASURE: Record<QualityDegradation, QualityMeasure> = {
  gauss_noise: 'noise',
  gaussian_blur: 'blur',
  step_motion: 'ghosting',
};
// Other slices and another seed than the calibration (slices 6, 12, 19, 26, 33 and 8, 12, 15, 18, 22; seed 1).
const SEED = 2;
const CASES = {
  'ct-abdomen': sampleSlices(SAMPLES, 'ct-abdomen', [9, 23, 30]),
  'mr-brain': sampleSlices(SAMPLES, 'mr-brain', [10, 20]),
};

describe('image-quality estimate on our own degradations', () => {
  for (const [sample, items] of Object.entries(CASES)) {
    for (const degradation of QUALITY_DEGRADATIONS) {
      it(`${sample}, ${degradation} 1-5: the ${MEASURE[degradation]} severity rises with the true one; warns at 4-5, not at 0-1`, () => {
        const truth: number[] = [];
        const estimated: number[] = [];
        for (const item of items) {
          for (const severity of [0, ...SEVERITIES] as const) {
            const slice = degraded(item, degradation, severity, SEED);
            for (const box of item.boxes) {
              const q = estimateImageQuality(slice, box);
              truth.push(severity);
              estimated.push(q[MEASURE[degradation]].severity);
              const where = `${sample} slice ${item.index} box ${JSON.stringify(box)} severity ${severity}`;
              if (severity <= 1) expect(q.warning, where).toBeUndefined();
              if (severity >= 4) expect(q.warning?.degradation, where).toBe(MEASURE[degradation]);
            }
          }
        }
        expect(spearman(truth, estimated)).toBeGreaterThanOrEqual(0.9);
      });
    }
  }
});

/** Boxes on a slice without truth: the whole slice, its central half, and a box off-centre. */
function genericBoxes(slice: SliceImage): Box[] {
  const { rows: r, columns: c } = slice;
  return [
    { x0: 0, y0: 0, x1: c - 1, y1: r - 1 },
    { x0: c / 4, y0: r / 4, x1: (3 * c) / 4, y1: (3 * r) / 4 },
    { x0: c / 8, y0: r / 2, x1: c / 3, y1: (3 * r) / 4 },
  ];
}

function warnings(slices: SliceImage[], boxesOf: (s: SliceImage, i: number) => Box[]): string[] {
  const found: string[] = [];
  slices.forEach((slice, i) => {
    for (const box of boxesOf(slice, i)) {
      const q = estimateImageQuality(slice, box);
      if (q.warning) found.push(`slice ${i} box ${JSON.stringify(box)}: ${q.warning.message}`);
    }
  });
  return found;
}

describe('image-quality estimate on clean series: no warning', () => {
  for (const sample of ['ct-abdomen', 'mr-brain'] as const) {
    it(`every slice of the bundled ${sample} (truth boxes and generic boxes)`, () => {
      const series = readSeriesFromDirectory(join(SAMPLES, sample));
      const withTruth = new Map(
        sampleSlices(
          SAMPLES,
          sample,
          series.slices.map((_, i) => i),
        ).map((s) => [s.index, s.boxes]),
      );
      expect(warnings(series.slices, (s, i) => [...(withTruth.get(i) ?? []), ...genericBoxes(s)])).toEqual(
        [],
      );
    });
  }

  const missing = missingTools({ paths: [SHARED_DATA] });
  for (const name of ['ct-3slice', 'mr-adc', 'ct-23x38x3', 'ct-24x38x3', 'pydicom-ct5n']) {
    it.skipIf(missing)(`every slice of the real ../shared/data/${name}`, () => {
      const series = readSeriesFromDirectory(join(SHARED_DATA, name));
      expect(warnings(series.slices, genericBoxes)).toEqual([]);
    });
  }
});

describe('spearman', () => {
  it('is 1 for a monotone relation, -1 reversed, and handles ties at their mean rank', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 35, 90])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // scipy.stats.spearmanr([0,1,2,3,4,5],[0,0,1,3,3,3]) = 0.9258...
    expect(spearman([0, 1, 2, 3, 4, 5], [0, 0, 1, 3, 3, 3])).toBeCloseTo(0.92582, 4);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});
