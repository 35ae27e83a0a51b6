import type { SliceImage } from '../dicom/slice-image.ts';
import { boxAroundMask } from '../model/mask-box.ts';
import type { Box } from '../model/prompts.ts';
import type { Segmenter, Window } from '../model/segmenter.ts';
import { spearman } from '../quality/rank-correlation.ts';
import { dice, median } from '../robustness/metrics.ts';

/**
 * The evaluate command's loop, without files or terminals: for every chosen slice and every truth
 * structure on it, a box around the truth (plus a margin) is segmented and scored by Dice.
 */

export interface EvaluationSlice {
  /** Index in the sorted series. */
  index: number;
  slice: SliceImage;
  /** One rows x columns truth mask per structure (same order as `structures`). */
  truth: Uint8Array[];
}

export interface EvaluationRecord {
  slice: number;
  sopInstanceUID: string;
  structure: string;
  box: Box;
  dice: number;
  /** The engine's own score (SegmentResult.score; the decoder's IoU prediction for a model). */
  score: number;
  truthArea: number;
  predictedArea: number;
  milliseconds: number;
}

export interface StructureSummary {
  structure: string;
  count: number;
  mean: number;
  median: number;
  min: number;
}

export interface EvaluationSummary {
  structures: StructureSummary[];
  overall: { count: number; mean: number; median: number; min: number };
  millisecondsPerBox: { median: number; max: number };
  /**
   * How well the engine's score predicts the real Dice: Spearman's rank correlation over the boxes
   * (null with fewer than 3 boxes, or when the score or Dice is the same for all).
   */
  scoreVsDice: { spearman: number | null; boxes: number };
}

export async function evaluate(
  segmenter: Segmenter,
  slices: EvaluationSlice[],
  structures: string[],
  options: { margin: number; window?: Window },
  onBox: (done: number) => void = () => {},
  onMask: (sliceIndex: number, structure: number, mask: Uint8Array) => void = () => {},
): Promise<EvaluationRecord[]> {
  const records: EvaluationRecord[] = [];
  for (const item of slices) {
    const { slice } = item;
    for (let s = 0; s < structures.length; s++) {
      const box = boxAroundMask(item.truth[s], slice.rows, slice.columns, options.margin);
      if (!box) continue;
      const started = performance.now();
      const result = await segmenter.segment(slice, { box }, { window: options.window });
      const milliseconds = performance.now() - started;
      let truthArea = 0;
      let predictedArea = 0;
      for (let i = 0; i < result.mask.length; i++) {
        truthArea += item.truth[s][i] ? 1 : 0;
        predictedArea += result.mask[i];
      }
      records.push({
        slice: item.index,
        sopInstanceUID: slice.sopInstanceUID,
        structure: structures[s],
        box,
        dice: dice(item.truth[s], result.mask),
        score: result.score,
        truthArea,
        predictedArea,
        milliseconds,
      });
      onMask(item.index, s, result.mask);
      onBox(records.length);
    }
  }
  return records;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export function summarise(records: EvaluationRecord[], structures: string[]): EvaluationSummary {
  const all = records.map((r) => r.dice);
  const times = records.map((r) => r.milliseconds);
  return {
    structures: structures
      .map((structure) => {
        const values = records.filter((r) => r.structure === structure).map((r) => r.dice);
        return values.length
          ? {
              structure,
              count: values.length,
              mean: mean(values),
              median: median(values),
              min: Math.min(...values),
            }
          : undefined;
      })
      .filter((s): s is StructureSummary => s !== undefined),
    overall: all.length
      ? { count: all.length, mean: mean(all), median: median(all), min: Math.min(...all) }
      : { count: 0, mean: Number.NaN, median: Number.NaN, min: Number.NaN },
    millisecondsPerBox: times.length
      ? { median: median(times), max: Math.max(...times) }
      : { median: 0, max: 0 },
    scoreVsDice: scoreVsDice(records),
  };
}

function scoreVsDice(records: EvaluationRecord[]): EvaluationSummary['scoreVsDice'] {
  const rho =
    records.length >= 3
      ? spearman(
          records.map((r) => r.score),
          records.map((r) => r.dice),
        )
      : Number.NaN;
  return { spearman: Number.isNaN(rho) ? null : rho, boxes: records.length };
}

/** One line on whether to believe the engine's score. */
export function describeScoreVsDice(summary: EvaluationSummary): string {
  const { spearman: rho, boxes } = summary.scoreVsDice;
  if (rho === null) return `score vs Dice: not measurable over ${boxes} boxes (too few, or no spread)`;
  return `score vs Dice: Spearman ${rho.toFixed(3)} over ${boxes} boxes (how well the engine's score ranks the masks by their real Dice)`;
}

/** The Dice table as aligned plain text for the terminal. */
export function formatTable(summary: EvaluationSummary): string {
  const rows = [
    ['structure', 'boxes', 'mean Dice', 'median Dice', 'min Dice'],
    ...summary.structures.map((s) => [
      s.structure,
      String(s.count),
      s.mean.toFixed(4),
      s.median.toFixed(4),
      s.min.toFixed(4),
    ]),
    [
      'ALL',
      String(summary.overall.count),
      summary.overall.mean.toFixed(4),
      summary.overall.median.toFixed(4),
      summary.overall.min.toFixed(4),
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}
