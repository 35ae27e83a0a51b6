import { existsSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { deriveSeries, writeImageSeries } from '../../dicom/image-series-writer.ts';
import {
  checkSeed,
  checkSeverity,
  corruption,
  corruptionDefinitions,
  referenceIntensity,
} from '../../robustness/catalogue.ts';
import { degradeSlice } from '../../robustness/degrade-slice.ts';
import { makeFolder, writeFileAtomic } from '../files.ts';
import { parseInteger, parseWindow } from '../options.ts';
import { checkOutputFolder, outputUnwritable } from '../output-paths.ts';
import { readSeriesForCommand, SERIES_HELP, withSeriesInput } from '../series-input.ts';

interface DegradeOptions {
  skipUnreadable?: boolean;
  series: string;
  corruption: string;
  severity: string;
  seed: string;
  window?: string;
  out: string;
}

export async function runDegrade(options: DegradeOptions): Promise<void> {
  const definition = corruption(options.corruption);
  const severity = checkSeverity(parseInteger(options.severity, '--severity'));
  const seed = checkSeed(parseInteger(options.seed, '--seed'));
  const window = options.window === undefined ? undefined : parseWindow(options.window);
  checkOutputFolder(options.out, '--out', { mustBeEmpty: true });

  const series = await readSeriesForCommand(options.series, options);
  const context =
    definition.domain === 'modality'
      ? { reference: referenceIntensity(series.slices.map((s) => s.values)) }
      : {};
  let parameters = {};
  const windows = new Set<string>();
  const values = series.slices.map((slice, sliceIndex) => {
    const degraded = degradeSlice(
      slice,
      { name: definition.name, severity, seed, sliceIndex },
      { window, context },
    );
    parameters = degraded.parameters;
    if (degraded.window) windows.add(`${degraded.window.low},${degraded.window.high}`);
    return degraded.slice.values;
  });

  // SeriesDescription is LO (64 characters): the name, severity and seed; the rest goes in
  // DerivationDescription (ST, 1024 characters).
  const seriesDescription = `Degraded ${definition.name} severity ${severity} seed ${seed}`;
  const windowNote =
    definition.domain === 'image8'
      ? windows.size === 1
        ? ` on the 8-bit window [${[...windows][0]}]`
        : " on each slice's own 8-bit window"
      : ' on modality values';
  const derivationDescription =
    `robustmedsam degrade: ${definition.name} (${definition.summary}) severity ${severity} seed ${seed}` +
    `${windowNote}; parameters ${JSON.stringify(parameters)}; from series ${series.seriesInstanceUID}`;
  const instances = writeImageSeries(
    deriveSeries(series, values, {
      seriesDescription,
      derivationDescription: derivationDescription.slice(0, 1024),
    }),
  );

  // Written into a side folder and renamed into place, so an interruption never leaves half a series.
  const partial = `${options.out.replace(/\/+$/, '')}.partial-${process.pid}`;
  try {
    rmSync(partial, { recursive: true, force: true });
    makeFolder(partial);
    const digits = String(instances.length).length;
    for (const instance of instances) {
      writeFileAtomic(
        join(partial, `${String(instance.index + 1).padStart(Math.max(4, digits), '0')}.dcm`),
        instance.bytes,
      );
    }
    if (existsSync(options.out)) rmdirSync(options.out); // empty, checked above (rmdir refuses otherwise)
    renameSync(partial, options.out);
  } catch (error) {
    try {
      rmSync(partial, { recursive: true, force: true });
    } catch {
      // Nothing was created where the folder could not be made; the original error is the one to report.
    }
    throw outputUnwritable(options.out, '--out', error);
  }
  const summary = {
    corruption: definition.name,
    severity,
    seed,
    parameters,
    windows: [...windows],
    slices: instances.length,
    seriesDescription,
    out: options.out,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

/** The corruptions and what each severity level means, for --help. */
export function corruptionHelp(): string {
  const lines = ['Corruptions (severity 1-5; 3 is the RobustMedSAM paper setting):'];
  for (const d of corruptionDefinitions()) {
    const where = d.domain === 'image8' ? '8-bit window' : `${d.modality} modality values`;
    lines.push(`  ${d.name} (${where}): ${d.summary}`, `      ${d.levels.join(' | ')}`);
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  const command = program
    .command('degrade')
    .description(
      'Write a degraded copy of a CT/MR series as a new DICOM series (same study, geometry and frame of reference).',
    )
    .requiredOption('--series <dir|url>', SERIES_HELP)
    .requiredOption(
      '--corruption <name>',
      'corruption name (see `robustmedsam robustness --help` for the list)',
    )
    .requiredOption('--severity <k>', 'severity 1 (mild) to 5 (severe); 3 is the RobustMedSAM paper setting')
    .requiredOption('--seed <s>', 'integer seed: the same seed gives the same pixels')
    .option(
      '--window <low,high>',
      '8-bit window in modality units for the paper corruptions (default: CT -160,240; MR percentiles)',
    )
    .requiredOption('--out <dir>', 'new or empty folder for the degraded series')
    .addHelpText('after', `\n${corruptionHelp()}`);
  withSeriesInput(command).action(runDegrade);
}
