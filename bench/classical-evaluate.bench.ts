/**
 * The full `evaluate` run of the classical engine on both bundled phantoms: every truth structure on
 * every slice, boxes from the truth plus 5 pixels. Records the Dice table and the time per box.
 * `npm run bench -- classical-evaluate`.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassicalSegmenter } from '../src/classical/classical-segmenter.ts';
import { type EvaluationRecord, evaluate, summarise } from '../src/cli/evaluation.ts';
import { loadEvaluationInput } from '../src/cli/evaluation-input.ts';
import { readDicomFile, readSeriesFromDirectory } from '../src/dicom/series-node.ts';
import { type BenchReport, percentile } from './report.ts';

const SAMPLES = fileURLToPath(new URL('../sample-dicom/', import.meta.url));
const MARGIN = 5;

export default async function run(): Promise<BenchReport> {
  const segmenter = new ClassicalSegmenter();
  const rows: BenchReport['rows'] = [];
  const notes: string[] = [];
  const all: EvaluationRecord[] = [];
  for (const name of ['ct-abdomen', 'mr-brain']) {
    const input = loadEvaluationInput(
      readSeriesFromDirectory(join(SAMPLES, name)),
      readDicomFile(join(SAMPLES, `${name}-truth.seg.dcm`)),
    );
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const records = await evaluate(segmenter, input.slices, input.structures, { margin: MARGIN });
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = (performance.now() - started) / 1000;
    const cpuMsPerBox = (cpu.user + cpu.system) / 1000 / records.length;
    all.push(...records);
    const summary = summarise(records, input.structures);
    const { rows: height, columns: width } = input.series.geometry;
    const row = (
      structure: string,
      subset: EvaluationRecord[],
      s: { count: number; mean: number; median: number; min: number },
    ) => {
      const ms = subset.map((r) => r.milliseconds);
      return {
        phantom: `${name} (${width}x${height})`,
        structure,
        boxes: s.count,
        'mean Dice': s.mean.toFixed(4),
        'median Dice': s.median.toFixed(4),
        'min Dice': s.min.toFixed(4),
        'ms/box p50': percentile(ms, 50),
        'ms/box p95': percentile(ms, 95),
      };
    };
    for (const s of summary.structures) {
      rows.push(
        row(
          s.structure,
          records.filter((r) => r.structure === s.structure),
          s,
        ),
      );
    }
    rows.push(row('ALL', records, summary.overall));
    notes.push(
      `${name}: ${input.series.slices.length} slices, ${records.length} boxes in ${seconds.toFixed(1)} s wall; ${cpuMsPerBox.toFixed(1)} ms of CPU per box on average (CPU time is what this process used, unaffected by other load).`,
    );
  }
  const overall = summarise(all, [...new Set(all.map((r) => r.structure))]).overall;
  rows.push({
    phantom: 'both',
    structure: 'ALL',
    boxes: overall.count,
    'mean Dice': overall.mean.toFixed(4),
    'median Dice': overall.median.toFixed(4),
    'min Dice': overall.min.toFixed(4),
    'ms/box p50': percentile(
      all.map((r) => r.milliseconds),
      50,
    ),
    'ms/box p95': percentile(
      all.map((r) => r.milliseconds),
      95,
    ),
  });
  return {
    title: `Classical engine on the bundled phantoms: ${segmenter.info.label}`,
    columns: [
      'phantom',
      'structure',
      'boxes',
      'mean Dice',
      'median Dice',
      'min Dice',
      'ms/box p50',
      'ms/box p95',
    ],
    rows,
    notes: [
      `Engine: ${segmenter.info.label} [${segmenter.info.backend}]; no model. Boxes: the truth's bounding box on each slice plus ${MARGIN} pixels, every structure on every slice where it appears (what \`robustmedsam evaluate\` does).`,
      'Requirement (issue 5): median Dice over all structures and slices >= 0.85.',
      ...notes,
      'ms/box is one segment() call on the slice (window, smoothing, seeds, random-walker solve, clean-up), single thread; it grows with the box area (the liver box is the largest).',
      `Load average when this finished: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} (the machine is shared; times are upper bounds).`,
      'Same numbers as `npm run demo` (CT) and `robustmedsam evaluate --series sample-dicom/mr-brain --truth sample-dicom/mr-brain-truth.seg.dcm` (MR).',
    ],
  };
}
