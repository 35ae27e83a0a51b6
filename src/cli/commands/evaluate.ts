import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { withSctCodes } from '../../dicom/codes.ts';
import { DEFAULT_EQUIPMENT, Segmentation } from '../../dicom/seg-writer.ts';
import { longString } from '../../dicom/segment-identity.ts';
import { UsageError } from '../../errors.ts';
import { storeFiles } from '../dicomweb.ts';
import { describeEngine, openSegmenter } from '../engine.ts';
import {
  describeScoreVsDice,
  type EvaluationRecord,
  evaluate,
  formatTable,
  summarise,
} from '../evaluation.ts';
import { loadEvaluationInput } from '../evaluation-input.ts';
import { parseInteger, parseList, parseWindow } from '../options.ts';
import { checkOutputFolder, writeOutputs } from '../output-paths.ts';
import { readDicomInput, readSeriesForCommand, SERIES_HELP, withSeriesInput } from '../series-input.ts';
import { stowTargetFor, withStow } from '../stow-option.ts';

interface EvaluateOptions {
  series: string;
  truth: string;
  model?: string;
  out: string;
  margin: string;
  slices?: string;
  window?: string;
  skipUnreadable?: boolean;
  dicomwebTimeout?: string;
  stow?: string | boolean;
}

/** "3,5,9-12" -> [3, 5, 9, 10, 11, 12]. */
function parseSliceList(text: string): number[] {
  const indices: number[] = [];
  for (const part of parseList(text)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      for (let i = Number(range[1]); i <= Number(range[2]); i++) indices.push(i);
    } else {
      indices.push(parseInteger(part, '--slices'));
    }
  }
  if (indices.length === 0) throw new UsageError('invalid-slices', `--slices names no slice: "${text}".`);
  return [...new Set(indices)].sort((a, b) => a - b);
}

function csv(records: EvaluationRecord[]): string {
  const header =
    'slice,sop_instance_uid,structure,box_x0,box_y0,box_x1,box_y1,dice,score,truth_area,predicted_area,milliseconds';
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = records.map((r) =>
    [
      r.slice,
      r.sopInstanceUID,
      quote(r.structure),
      r.box.x0,
      r.box.y0,
      r.box.x1,
      r.box.y1,
      r.dice.toFixed(6),
      r.score.toFixed(6),
      r.truthArea,
      r.predictedArea,
      r.milliseconds.toFixed(1),
    ].join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}

export async function runEvaluate(options: EvaluateOptions): Promise<void> {
  const margin = parseInteger(options.margin, '--margin');
  if (margin < 0) throw new UsageError('invalid-margin', '--margin must be 0 or more pixels.');
  const window = options.window === undefined ? undefined : parseWindow(options.window);
  const wantedSlices = options.slices === undefined ? undefined : parseSliceList(options.slices);
  checkOutputFolder(options.out, '--out');
  const stowTarget = stowTargetFor(options);

  const truthFile = await readDicomInput(options.truth, '--truth', options);
  const {
    series,
    truth,
    structures,
    slices: chosen,
    boxes,
  } = loadEvaluationInput(await readSeriesForCommand(options.series, options), truthFile, wantedSlices);
  const pixels = series.geometry.rows * series.geometry.columns;

  const segmenter = await openSegmenter(options.model);
  const predicted = structures.map(() => new Uint8Array(series.slices.length * pixels));
  const bar = new SingleBar({
    stream: process.stderr,
    format: `evaluate with ${segmenter.info.label} [{bar}] {value}/{total} boxes | {eta_formatted} left`,
    hideCursor: true,
  });
  const started = performance.now();
  let records: EvaluationRecord[];
  bar.start(boxes, 0);
  try {
    records = await evaluate(
      segmenter,
      chosen,
      structures,
      { margin, window },
      (done) => bar.update(done),
      (sliceIndex, s, mask) => predicted[s].set(mask, sliceIndex * pixels),
    );
  } finally {
    bar.stop();
    await segmenter.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = summarise(records, structures);

  // The truth's codes are carried into the predicted SEG, in SNOMED CT (an archive SEG may use SRT).
  const truthCodes = truth.segments.map((s) => withSctCodes(s.codes, s.label));
  for (const warning of truthCodes.flatMap((c) => c.warnings))
    process.stderr.write(`robustmedsam: warning: ${warning}\n`);
  const seg = new Segmentation({
    source: series,
    segments: truth.segments.map((s, k) => ({
      label: s.label,
      codes: truthCodes[k].codes,
      color: s.color,
      algorithmType: 'SEMIAUTOMATIC',
      algorithmName: longString(segmenter.info.label),
      algorithmVersion: DEFAULT_EQUIPMENT.softwareVersions,
      description: `Box from the truth plus ${margin} pixels, one per slice`,
    })),
    masks: predicted,
    contentLabel: 'EVALUATION',
    contentDescription: longString(`Predicted by ${segmenter.info.label}`),
    contentCreatorName: 'ROBUSTMEDSAM^CLI',
    seriesDescription: longString(`Evaluation (${segmenter.info.label})`),
  });
  const report = {
    engine: segmenter.info,
    series: {
      folder: options.series,
      seriesInstanceUID: series.seriesInstanceUID,
      modality: series.modality,
      slices: series.slices.length,
    },
    truth: { source: options.truth, sopInstanceUID: truth.sopInstanceUID },
    boxMarginPixels: margin,
    window: window ?? 'modality default (CT -160..240 HU; MR 0.5-99.5 percentiles of the slice)',
    slicesEvaluated: chosen.map((c) => c.index),
    summary,
    seconds,
    records,
  };
  const segBytes = seg.toBytes();
  const segPath = join(options.out, 'predicted.seg.dcm');
  writeOutputs([
    { path: join(options.out, 'dice.csv'), data: csv(records), flag: '--out' },
    {
      path: join(options.out, 'evaluation.json'),
      data: `${JSON.stringify(report, null, 2)}\n`,
      flag: '--out',
    },
    { path: segPath, data: segBytes, flag: '--out' },
  ]);

  process.stdout.write(
    `${[
      `engine: ${describeEngine(segmenter)}`,
      `series: ${series.modality}, ${series.slices.length} slices; ${chosen.length} slices with truth evaluated, box margin ${margin} px`,
      '',
      formatTable(summary),
      describeScoreVsDice(summary),
      '',
      `${records.length} boxes in ${seconds.toFixed(1)} s (median ${summary.millisecondsPerBox.median.toFixed(1)} ms per box)`,
      `wrote ${join(options.out, 'dice.csv')}, ${join(options.out, 'evaluation.json')}, ${segPath}`,
    ].join('\n')}\n`,
  );
  // Stored only once it is safe on disk: a failed store loses nothing.
  if (stowTarget) await storeFiles(stowTarget, [{ path: segPath, bytes: segBytes }]);
}

export function register(program: Command): void {
  const command = program
    .command('evaluate')
    .description('Segment every truth structure on every slice from a box around it, and report Dice.')
    .requiredOption('--series <dir|url>', SERIES_HELP)
    .requiredOption(
      '--truth <seg.dcm|url>',
      'ground truth DICOM SEG of that series: a file, or its DICOMweb instance URL',
    )
    .option('--model <dir>', 'model folder (model.json + graphs); without it the classical engine runs')
    .option('--out <dir>', 'folder for dice.csv, evaluation.json and predicted.seg.dcm', 'out/evaluate')
    .option('--margin <pixels>', 'pixels added around the truth bounding box on every side', '5')
    .option(
      '--slices <list>',
      'only these slice indices, e.g. 10,12 or 8-14 (default: every slice with truth)',
    )
    .option('--window <low,high>', 'window to 8 bits in modality units (default: modality default)');
  withStow(withSeriesInput(command), 'predicted.seg.dcm').action(runEvaluate);
}
