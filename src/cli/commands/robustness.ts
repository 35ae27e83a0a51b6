import { basename, join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { masksForSeries, type ParsedSegmentation, parseSegmentation } from '../../dicom/seg-reader.ts';
import type { Series } from '../../dicom/series.ts';
import { InputError, UsageError } from '../../errors.ts';
import { ModelSegmenter } from '../../model/model-segmenter.ts';
import type { Segmenter } from '../../model/segmenter.ts';
import {
  type BenchmarkEngine,
  type BenchmarkPlan,
  type BenchmarkSlice,
  CLEAN,
  conditionsOf,
  resultKey,
  runBenchmark,
  totalUnits,
} from '../../robustness/benchmark.ts';
import {
  type CorruptionName,
  checkSeed,
  corruption,
  corruptionDefinitions,
  corruptionsFor,
  referenceIntensity,
  type Severity,
} from '../../robustness/catalogue.ts';
import { fingerprint } from '../../robustness/fingerprint.ts';
import { DEFAULT_NSD_TOLERANCE_MM } from '../../robustness/metrics.ts';
import {
  diceChartSvg,
  engineSummaries,
  markdownReport,
  recordsToCsv,
  summarise,
} from '../../robustness/report.ts';
import { openSegmenter } from '../engine.ts';
import { makeFolder, writeFileAtomic } from '../files.ts';
import { parseInteger, parseList, parseSeverities, parseWindow } from '../options.ts';
import { checkOutputFolder, outputUnwritable } from '../output-paths.ts';
import {
  readDicomInput,
  readSeriesForCommand,
  SERIES_HELP,
  type SeriesInputFlags,
  withSeriesInput,
} from '../series-input.ts';
import { corruptionHelp } from './degrade.ts';
import { checkRunIdentity, ResultsFile } from './robustness-store.ts';

interface RobustnessOptions extends SeriesInputFlags {
  series: string;
  truth: string;
  model: string[];
  classical: boolean;
  corruptions: string;
  severities: string;
  seed: string;
  window?: string;
  boxMargin: string;
  nsdTolerance: string;
  slices?: string;
  maxSlices?: string;
  structures?: string;
  note: string[];
  out: string;
}

/** The corruptions asked for: 'all' means the paper's 12 plus the physical ones of the modality. */
function chooseCorruptions(text: string, modality: string): CorruptionName[] {
  if (text.trim() === 'all') return corruptionsFor(modality);
  const names = parseList(text).map((n) => corruption(n));
  for (const d of names) {
    if (d.modality && d.modality !== modality.trim().toUpperCase()) {
      throw new InputError(
        'corruption-modality-mismatch',
        `${d.name} models a ${d.modality} acquisition; the series is ${modality}.`,
        `For this series choose from: ${corruptionsFor(modality).join(', ')}.`,
      );
    }
  }
  return [...new Set(names.map((d) => d.name))];
}

/**
 * `count` of `items`, evenly spread: the middle item of each of `count` equal runs, so the organs'
 * thin first and last slices are not favoured.
 */
function spread<T>(items: T[], count: number): T[] {
  if (count >= items.length) return items;
  return Array.from({ length: count }, (_, i) => items[Math.floor(((i + 0.5) * items.length) / count)]);
}

/** What identifies an engine's behaviour across runs: a model's graphs, else its label. */
function engineVersion(segmenter: Segmenter): string {
  if (segmenter instanceof ModelSegmenter) {
    const { graphs } = segmenter.model.manifest;
    return `sha256 ${graphs.encoder.sha256} ${graphs.decoder.sha256}`;
  }
  return segmenter.info.label;
}

/** The run's settings from its flags, checked before anything is read. */
function parseSettings(options: RobustnessOptions) {
  const seed = checkSeed(parseInteger(options.seed, '--seed'));
  const severities = parseSeverities(options.severities) as Severity[];
  const window = options.window === undefined ? undefined : parseWindow(options.window);
  const boxMargin = parseInteger(options.boxMargin, '--box-margin');
  const nsdToleranceMm = Number(options.nsdTolerance);
  if (boxMargin < 0) throw new UsageError('invalid-box-margin', '--box-margin must be 0 or more pixels.');
  if (!(nsdToleranceMm >= 0)) {
    throw new InputError(
      'invalid-nsd-tolerance',
      `--nsd-tolerance must be a distance in mm >= 0, got "${options.nsdTolerance}".`,
    );
  }
  if (options.model.length === 0 && !options.classical) {
    throw new InputError(
      'no-engine',
      'Nothing to benchmark: --no-classical and no --model.',
      'Give at least one --model DIR.',
    );
  }
  checkOutputFolder(options.out, '--out');
  return { seed, severities, window, boxMargin, nsdToleranceMm };
}

/**
 * The slices to run on: those holding truth for the chosen structures (--structures), narrowed to
 * --slices or spread over --max-slices. `labels` tells segments sharing a label apart by number.
 */
function chooseSlices(
  series: Series,
  seg: ParsedSegmentation,
  masks: Uint8Array[],
  options: RobustnessOptions,
) {
  const labels = seg.segments.map((s) =>
    seg.segments.filter((t) => t.label === s.label).length > 1 ? `${s.label} #${s.number}` : s.label,
  );
  const wanted = options.structures ? parseList(options.structures) : labels;
  for (const label of wanted) {
    if (!labels.includes(label)) {
      throw new InputError(
        'unknown-structure',
        `The truth has no segment "${label}".`,
        `Its segments: ${labels.join(', ')}.`,
      );
    }
  }
  const pixels = series.geometry.rows * series.geometry.columns;
  const candidates: BenchmarkSlice[] = [];
  series.slices.forEach((slice, index) => {
    const structures = seg.segments
      .map((_, k) => ({ label: labels[k], mask: masks[k].subarray(index * pixels, (index + 1) * pixels) }))
      .filter((s) => wanted.includes(s.label) && s.mask.some((v) => v !== 0));
    if (structures.length > 0) candidates.push({ index, slice, structures });
  });
  let chosen = candidates;
  if (options.slices) {
    const indices = parseList(options.slices).map((s) => parseInteger(s, '--slices'));
    chosen = indices.map((i) => {
      const found = candidates.find((c) => c.index === i);
      if (!found) {
        throw new InputError(
          'slice-without-truth',
          `Slice ${i} holds none of the chosen structures in the truth (or is not in the series).`,
          `Slices with truth: ${candidates.map((c) => c.index).join(', ')}.`,
        );
      }
      return found;
    });
  }
  if (options.maxSlices) chosen = spread(chosen, parseInteger(options.maxSlices, '--max-slices'));
  if (chosen.length === 0)
    throw new InputError('no-truth', `${options.truth} marks no pixel of the chosen structures.`);
  return { chosen, candidates };
}

/** The classical engine (unless --no-classical) and every --model, with ids and labels told apart. */
async function openEngines(options: RobustnessOptions): Promise<BenchmarkEngine[]> {
  const engines: BenchmarkEngine[] = [];
  if (options.classical) {
    const segmenter = await openSegmenter(undefined);
    engines.push({ id: 'classical', label: segmenter.info.label, segmenter });
  }
  for (const dir of options.model) {
    const segmenter = await openSegmenter(dir);
    let id = basename(resolve(dir));
    while (engines.some((e) => e.id === id)) id = `${id}-${engines.length}`;
    const label = engines.some((e) => e.label === segmenter.info.label)
      ? `${segmenter.info.label} (${id})`
      : segmenter.info.label;
    engines.push({ id, label, segmenter });
  }
  return engines;
}

/** Runs the plan with a progress bar, resuming from what the store holds; the engines are closed after. */
async function runWithProgress(plan: BenchmarkPlan, store: ResultsFile): Promise<number> {
  const started = performance.now();
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'robustness [{bar}] {value}/{total} {what}',
    hideCursor: true,
  });
  bar.start(totalUnits(plan), 0, { what: store.resumed ? `(resuming: ${store.resumed} results found)` : '' });
  try {
    await runBenchmark(plan, store, (done, what) => bar.update(done, { what }));
  } finally {
    bar.stop();
    for (const e of plan.engines) await e.segmenter.dispose();
  }
  return (performance.now() - started) / 1000;
}

export async function runRobustness(options: RobustnessOptions): Promise<void> {
  const { seed, severities, window, boxMargin, nsdToleranceMm } = parseSettings(options);
  const series = await readSeriesForCommand(options.series, options);
  const corruptions = chooseCorruptions(options.corruptions, series.modality);
  const truth = await readDicomInput(options.truth, '--truth', options);
  const seg = parseSegmentation(truth.bytes, truth.name);
  const { masks } = masksForSeries(seg, series);
  const { chosen, candidates } = chooseSlices(series, seg, masks, options);
  const engines = await openEngines(options);

  try {
    makeFolder(options.out);
  } catch (error) {
    throw outputUnwritable(options.out, '--out', error);
  }
  checkRunIdentity(join(options.out, 'run.json'), {
    seriesInstanceUID: series.seriesInstanceUID,
    seriesPixels: fingerprint(series.slices.map((s) => s.values)),
    truthSOPInstanceUID: seg.sopInstanceUID,
    truthMasks: fingerprint(masks),
    seed,
    window: window ? `${window.low},${window.high}` : 'modality default',
    boxMargin,
    nsdToleranceMm,
    engines: Object.fromEntries(engines.map((e) => [e.id, engineVersion(e.segmenter)])),
  });
  const store = new ResultsFile(join(options.out, 'results.jsonl'));
  const plan: BenchmarkPlan = {
    slices: chosen,
    engines,
    corruptions,
    severities,
    seed,
    window,
    boxMargin,
    nsdToleranceMm,
    context: { reference: referenceIntensity(series.slices.map((s) => s.values)) },
  };
  const seconds = await runWithProgress(plan, store);

  // Report on exactly this plan's records (the file may also hold records of earlier, larger runs).
  const planKeys = new Set(
    conditionsOf(plan).flatMap((c) =>
      chosen.flatMap((s) =>
        engines.flatMap((e) =>
          s.structures.map((t) => resultKey({ engine: e.id, ...c, slice: s.index, structure: t.label })),
        ),
      ),
    ),
  );
  const records = store.records.filter((r) => planKeys.has(resultKey(r)));
  const rows = summarise(records);
  const engineLabels = Object.fromEntries(engines.map((e) => [e.id, e.label]));
  const summaries = engineSummaries(records, engineLabels);
  const structures = [...new Set(chosen.flatMap((s) => s.structures.map((t) => t.label)))];
  const setup = [
    `Series: ${series.seriesDescription || '(no description)'} (${series.modality}, ${series.slices.length} slices of ${series.geometry.rows}x${series.geometry.columns}, ${series.geometry.pixelSpacing.join(' x ')} mm), SeriesInstanceUID ${series.seriesInstanceUID}.`,
    `Truth: ${basename(options.truth)}; structures ${structures.join(', ')}.`,
    `Slices (indices in the sorted series): ${chosen.map((s) => s.index).join(', ')} (${chosen.length} of the ${candidates.length} holding truth); ${records.filter((r) => r.corruption === CLEAN).length / Math.max(1, engines.length)} structure instances per engine and condition.`,
    `Engines: ${engines.map((e) => `${e.label} [${e.segmenter.info.backend}]`).join('; ')}.`,
    `Corruptions: ${corruptions.join(', ')}; severities ${severities.join(', ')}; seed ${seed}.`,
    `Prompt: the truth's bounding box plus ${boxMargin} px on each side; window ${window ? `${window.low},${window.high}` : 'the modality default of the clean slice'} for clean and degraded slices alike; NSD tolerance ${nsdToleranceMm} mm.`,
    `Records: ${records.length} (${store.resumed} found from an earlier invocation); engine time in the records ${(records.reduce((t, r) => t + r.milliseconds, 0) / 1000).toFixed(0)} s; this invocation took ${seconds.toFixed(0)} s.`,
  ];
  const levels = corruptionDefinitions()
    .filter((d) => corruptions.includes(d.name))
    .map((d) => ({ name: d.name, summary: d.summary, levels: d.levels }));
  const notes = [
    'Dice per structure instance (one structure on one slice), averaged; both masks empty counts as Dice 1, one empty as 0. HD95 is infinite (null in JSON, inf in CSV) when one mask is empty.',
    'Parameters drawn within a level (a factor in a range, a kernel from a list) are drawn once per seed; every record in results.csv carries the values used.',
    ...options.note,
  ];
  const chartFile = 'dice-vs-severity.svg';
  writeFileAtomic(join(options.out, 'results.csv'), recordsToCsv(records));
  writeFileAtomic(
    join(options.out, 'summary.json'),
    `${JSON.stringify({ setup, engines: summaries, rows, levels }, null, 2)}\n`,
  );
  writeFileAtomic(
    join(options.out, chartFile),
    diceChartSvg(rows, engines, `Mean Dice against severity (${series.modality}, ${chosen.length} slices)`),
  );
  writeFileAtomic(
    join(options.out, 'report.md'),
    markdownReport({
      title: 'Robustness benchmark: Dice under the RobustMedSAM degradations',
      setup,
      engines: summaries,
      rows,
      chartFile,
      levels,
      notes,
    }),
  );
  for (const e of summaries) {
    process.stdout.write(
      `${e.label}: clean Dice ${e.cleanMeanDice.toFixed(3)}, degraded ${e.degradedMeanDice.toFixed(3)}, severity 3 ${e.paperSettingMeanDice.toFixed(3)}\n`,
    );
  }
  process.stdout.write(`Wrote results.csv, summary.json, ${chartFile}, report.md to ${options.out}\n`);
}

export function register(program: Command): void {
  const command = program
    .command('robustness')
    .description(
      'Measure how Dice falls under the RobustMedSAM degradations: boxes from the truth, every engine on clean and degraded slices.',
    )
    .requiredOption('--series <dir|url>', SERIES_HELP)
    .requiredOption(
      '--truth <seg.dcm|url>',
      'ground-truth DICOM SEG of that series: a file, or its DICOMweb instance URL',
    )
    .option('--model <dir>', 'model folder (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--no-classical', 'leave out the model-free default engine')
    .option(
      '--corruptions <list>',
      '"all" (the paper\'s 12 and the physical ones of the series\' modality) or a comma-separated list of names (below)',
      'all',
    )
    .option('--severities <levels>', 'severity levels, e.g. 1-5 or 1,3,5', '1-5')
    .option('--seed <s>', 'integer seed of every degradation', '0')
    .option('--window <low,high>', '8-bit window in modality units (default: CT -160,240; MR percentiles)')
    .option('--box-margin <px>', 'pixels added around the truth bounding box', '5')
    .option('--nsd-tolerance <mm>', 'normalised surface distance tolerance', String(DEFAULT_NSD_TOLERANCE_MM))
    .option('--slices <list>', 'slice indices (in the sorted series) to use; default every slice with truth')
    .option('--max-slices <n>', 'use at most n slices, evenly spread')
    .option('--structures <list>', 'segment labels to use; default all')
    .option(
      '--note <text>',
      'a note for the report (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .requiredOption('--out <dir>', 'folder for results (rerun with the same folder to resume)')
    .addHelpText('after', `\n${corruptionHelp()}`);
  withSeriesInput(command).action(runRobustness);
}
