import type { SliceImage } from '../dicom/slice-image.ts';
import { boxAroundMask } from '../model/mask-box.ts';
import type { Segmenter, Window } from '../model/segmenter.ts';
import { resolveWindow } from '../model/window.ts';
import type { CorruptionName, CorruptionParameters, ModalityContext, Severity } from './catalogue.ts';
import { degradeSlice } from './degrade-slice.ts';
import { compareMasks } from './metrics.ts';

/**
 * The robustness benchmark's loop, free of files and terminals: every engine segments every truth
 * structure on every chosen slice, clean and under every corruption and severity, from a box around
 * the truth. Results go to a sink one record at a time; records the sink already holds are skipped,
 * which is what makes an interrupted run resumable.
 */

export interface TruthStructure {
  label: string;
  /** rows x columns, nonzero inside. */
  mask: Uint8Array;
}

export interface BenchmarkSlice {
  /** Index of the slice in the sorted series. */
  index: number;
  slice: SliceImage;
  structures: TruthStructure[];
}

export interface BenchmarkEngine {
  /** Stable id used in result keys and file columns, e.g. 'classical' or 'tiny-robust'. */
  id: string;
  /** What a reader is shown, from the segmenter's info. */
  label: string;
  segmenter: Segmenter;
}

export interface BenchmarkPlan {
  slices: BenchmarkSlice[];
  engines: BenchmarkEngine[];
  corruptions: CorruptionName[];
  severities: Severity[];
  seed: number;
  /** The 8-bit window; default per slice as the model's (CT -160..240 HU, MR percentiles of the clean slice). */
  window?: Window;
  /** Pixels added around the truth's bounding box on every side. */
  boxMargin: number;
  nsdToleranceMm: number;
  /** For MR physical corruptions: the series' intensity reference. */
  context?: ModalityContext;
}

/** The clean condition is written as corruption 'clean', severity 0. */
export const CLEAN = 'clean';

export interface ResultRecord {
  engine: string;
  corruption: string;
  severity: number;
  slice: number;
  sopInstanceUID: string;
  structure: string;
  dice: number;
  iou: number;
  /** mm; null when exactly one mask is empty (infinite). */
  hd95: number | null;
  nsd: number;
  truthArea: number;
  predictedArea: number;
  /** Milliseconds of encode + segment for this structure (encode counted once per slice, on its first structure). */
  milliseconds: number;
  parameters?: CorruptionParameters;
}

export interface ResultSink {
  has(key: string): boolean;
  append(record: ResultRecord): void;
}

export function resultKey(
  r: Pick<ResultRecord, 'engine' | 'corruption' | 'severity' | 'slice' | 'structure'>,
): string {
  return `${r.engine}|${r.corruption}|${r.severity}|${r.slice}|${r.structure}`;
}

export interface Condition {
  corruption: string;
  severity: number;
}

export function conditionsOf(plan: Pick<BenchmarkPlan, 'corruptions' | 'severities'>): Condition[] {
  return [
    { corruption: CLEAN, severity: 0 },
    ...plan.corruptions.flatMap((corruption) =>
      plan.severities.map((severity) => ({ corruption, severity })),
    ),
  ];
}

/** Units of progress: one per engine, condition and slice. */
export function totalUnits(plan: BenchmarkPlan): number {
  return conditionsOf(plan).length * plan.slices.length * plan.engines.length;
}

export async function runBenchmark(
  plan: BenchmarkPlan,
  sink: ResultSink,
  onProgress: (unitsDone: number, what: string) => void = () => {},
): Promise<void> {
  let done = 0;
  for (const condition of conditionsOf(plan)) {
    for (const item of plan.slices) {
      const structures = item.structures.filter((s) =>
        boxAroundMask(s.mask, item.slice.rows, item.slice.columns, 0),
      );
      const pending = plan.engines.map((engine) =>
        structures.filter(
          (s) =>
            !sink.has(resultKey({ engine: engine.id, ...condition, slice: item.index, structure: s.label })),
        ),
      );
      if (pending.every((p) => p.length === 0)) {
        done += plan.engines.length;
        onProgress(done, `${condition.corruption} ${condition.severity} slice ${item.index} (done before)`);
        continue;
      }
      // The clean slice's window for every condition: the model sees the degraded scan through the
      // window it would have used on the clean one.
      const window = resolveWindow(item.slice, plan.window);
      let slice = item.slice;
      let parameters: CorruptionParameters | undefined;
      if (condition.corruption !== CLEAN) {
        const degraded = degradeSlice(
          item.slice,
          {
            name: condition.corruption,
            severity: condition.severity,
            seed: plan.seed,
            sliceIndex: item.index,
          },
          { window, context: plan.context },
        );
        slice = degraded.slice;
        parameters = degraded.parameters;
      }
      for (const [e, engine] of plan.engines.entries()) {
        if (pending[e].length > 0) {
          let started = performance.now();
          await engine.segmenter.encode(slice, { window });
          for (const structure of pending[e]) {
            const box = boxAroundMask(structure.mask, slice.rows, slice.columns, plan.boxMargin)!;
            const result = await engine.segmenter.segment(slice, { box }, { window });
            const milliseconds = performance.now() - started;
            started = performance.now();
            const m = compareMasks(
              structure.mask,
              result.mask,
              { rows: slice.rows, columns: slice.columns, pixelSpacing: slice.pixelSpacing },
              plan.nsdToleranceMm,
            );
            sink.append({
              engine: engine.id,
              corruption: condition.corruption,
              severity: condition.severity,
              slice: item.index,
              sopInstanceUID: item.slice.sopInstanceUID,
              structure: structure.label,
              dice: m.dice,
              iou: m.iou,
              hd95: Number.isFinite(m.hd95) ? m.hd95 : null,
              nsd: m.nsd,
              truthArea: m.truthArea,
              predictedArea: m.predictedArea,
              milliseconds,
              ...(parameters ? { parameters } : {}),
            });
          }
        }
        done++;
        onProgress(done, `${engine.id} ${condition.corruption} ${condition.severity} slice ${item.index}`);
      }
    }
  }
}
