import type { Command } from 'commander';
import { DEFAULT_EQUIPMENT, Segmentation } from '../../dicom/seg-writer.ts';
import { longString, longStringProblem, segmentIdentity } from '../../dicom/segment-identity.ts';
import { InputError, UsageError } from '../../errors.ts';
import { estimateImageQuality } from '../../quality/estimate.ts';
import { collect, parseBox, parsePoint } from '../box-option.ts';
import { storeFiles } from '../dicomweb.ts';
import { describeEngine, openSegmenter } from '../engine.ts';
import { encodeNpy } from '../npy.ts';
import { parseInteger, parseWindow } from '../options.ts';
import { checkDistinctOutputs, checkOutputFile, writeOutputs } from '../output-paths.ts';
import { readSeriesForCommand, SERIES_HELP, withSeriesInput } from '../series-input.ts';
import { stowTargetFor, withStow } from '../stow-option.ts';

interface SegmentOptions {
  series: string;
  slice: string;
  box: string;
  model?: string;
  window?: string;
  label: string;
  out: string;
  maskOut?: string;
  skipUnreadable?: boolean;
  dicomwebTimeout?: string;
  stow?: string | boolean;
  point: string[];
  exclude: string[];
  json?: boolean;
}

/** One box on one slice -> a mask -> a DICOM SEG (and optionally the mask as .npy). */
export async function runSegment(options: SegmentOptions): Promise<void> {
  // Every flag is checked before the series is read or a model loaded.
  const box = parseBox(options.box);
  const points = [
    ...options.point.map((p) => ({ ...parsePoint(p, '--point'), label: 1 as const })),
    ...options.exclude.map((p) => ({ ...parsePoint(p, '--exclude'), label: 0 as const })),
  ];
  const sliceIndex = parseInteger(options.slice, '--slice');
  const window = options.window === undefined ? undefined : parseWindow(options.window);
  if (!options.label.trim()) throw new UsageError('invalid-label', '--label must not be empty.');
  const labelProblem = longStringProblem(options.label);
  if (labelProblem) {
    throw new UsageError(
      'invalid-label',
      `--label ${JSON.stringify(options.label.length > 80 ? `${options.label.slice(0, 77)}...` : options.label)} cannot be a segment label: ${labelProblem}.`,
      'A DICOM segment label (LO) holds at most 64 bytes, without backslashes or line breaks.',
    );
  }
  const identity = segmentIdentity(options.label);
  checkOutputFile(options.out, '--out');
  if (options.maskOut) checkOutputFile(options.maskOut, '--mask-out');
  checkDistinctOutputs([
    { path: options.out, flag: '--out' },
    { path: options.maskOut, flag: '--mask-out' },
  ]);
  const stowTarget = stowTargetFor(options);

  const series = await readSeriesForCommand(options.series, options);
  const count = series.slices.length;
  if (sliceIndex < 0 || sliceIndex >= count) {
    throw new InputError(
      'slice-out-of-range',
      `--slice ${sliceIndex} is outside the series, which has ${count} slices (indices 0 to ${count - 1}, sorted along the slice normal).`,
      `Choose a slice index from 0 to ${count - 1}.`,
    );
  }
  const slice = series.slices[sliceIndex];
  const segmenter = await openSegmenter(options.model);
  try {
    const started = performance.now();
    const outside = points.filter(
      (p) => p.x < 0 || p.y < 0 || p.x > slice.columns - 1 || p.y > slice.rows - 1,
    );
    if (outside.length) {
      throw new InputError(
        'point-outside-image',
        `Point ${outside[0].x},${outside[0].y} lies outside the ${slice.columns}x${slice.rows} slice (columns x rows).`,
        'Give points as pixel column,row inside the slice.',
      );
    }
    const result = await segmenter.segment(slice, { box, points }, { window });
    const elapsed = performance.now() - started;
    const pixels = slice.rows * slice.columns;
    let area = 0;
    for (let i = 0; i < pixels; i++) area += result.mask[i];
    if (area === 0) {
      throw new InputError(
        'empty-mask',
        `The ${segmenter.info.label} engine found nothing in box ${options.box} on slice ${sliceIndex}; no SEG was written.`,
        'Draw the box around the structure, with a little margin.',
      );
    }
    const volume = new Uint8Array(count * pixels);
    volume.set(result.mask, sliceIndex * pixels);
    const seg = new Segmentation({
      source: series,
      segments: [
        {
          label: identity.label,
          codes: identity.codes,
          color: identity.color,
          algorithmType: 'SEMIAUTOMATIC',
          algorithmName: longString(segmenter.info.label),
          algorithmVersion: DEFAULT_EQUIPMENT.softwareVersions,
          description: longString(`Box ${options.box}${describePoints(points)} on slice ${sliceIndex}`),
        },
      ],
      masks: [volume],
      contentLabel: 'BOX_PROMPT',
      contentDescription: longString(`Box-prompt segmentation by ${segmenter.info.label}`),
      contentCreatorName: 'ROBUSTMEDSAM^CLI',
      seriesDescription: longString(`${identity.label} (${segmenter.info.label})`),
    });
    // Encode everything first, then write: a failure leaves no output file behind.
    const segBytes = seg.toBytes();
    const npyBytes = options.maskOut
      ? encodeNpy({ dtype: 'uint8', shape: [slice.rows, slice.columns], data: result.mask })
      : undefined;
    writeOutputs([
      { path: options.out, data: segBytes, flag: '--out' },
      ...(options.maskOut && npyBytes ? [{ path: options.maskOut, data: npyBytes, flag: '--mask-out' }] : []),
    ]);

    const [rowSpacing, columnSpacing] = slice.pixelSpacing;
    const areaMm2 = area * rowSpacing * columnSpacing;
    // The slice as the model saw it, around the box: no model involved, a few milliseconds.
    const imageQuality = estimateImageQuality(slice, box, { window });
    const outputs = [options.out, ...(options.maskOut ? [options.maskOut] : [])];
    if (options.json) {
      const report = {
        engine: { ...segmenter.info, description: describeEngine(segmenter) },
        series: options.series,
        slice: { index: sliceIndex, count, sopInstanceUID: slice.sopInstanceUID },
        box,
        points,
        mask: { pixels: area, areaMm2 },
        score: result.score,
        imageQuality,
        timings: { totalMs: elapsed, ...result.timings },
        outputs,
      };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const timings = Object.entries(result.timings)
        .map(([stage, ms]) => `${stage} ${ms.toFixed(1)} ms`)
        .join(', ');
      process.stdout.write(
        `${[
          `engine: ${describeEngine(segmenter)}`,
          `slice ${sliceIndex} of ${count} (SOP Instance UID ${slice.sopInstanceUID}), box ${options.box}${describePoints(points)}`,
          `mask: ${area} pixels (${areaMm2.toFixed(1)} mm^2), score ${result.score.toFixed(3)}`,
          `time: ${elapsed.toFixed(1)} ms total (${timings})`,
          ...(imageQuality.warning ? [`image quality: ${imageQuality.warning.message}`] : []),
          `wrote ${outputs.join(' and ')}`,
        ].join('\n')}\n`,
      );
    }
    // Stored only once it is safe on disk: a failed store loses nothing.
    if (stowTarget) {
      await storeFiles(
        stowTarget,
        [{ path: options.out, bytes: segBytes }],
        options.json ? process.stderr : process.stdout,
      );
    }
  } finally {
    await segmenter.dispose();
  }
}

function describePoints(points: Array<{ x: number; y: number; label: 0 | 1 }>): string {
  const list = (label: 0 | 1) =>
    points
      .filter((p) => p.label === label)
      .map((p) => `${p.x},${p.y}`)
      .join(' ');
  const include = list(1);
  const exclude = list(0);
  return `${include ? `, include ${include}` : ''}${exclude ? `, exclude ${exclude}` : ''}`;
}

export function register(program: Command): void {
  const command = program
    .command('segment')
    .description('Segment one structure from a box on one slice and save it as a DICOM SEG.')
    .requiredOption('--series <dir|url>', SERIES_HELP)
    .requiredOption('--slice <n>', 'slice index in the series sorted along its normal (0-based)')
    .requiredOption('--box <x0,y0,x1,y1>', 'box corners in pixel columns,rows of that slice (any order)')
    .option('--point <x,y>', 'an include point (pixel column,row) refining the box; repeatable', collect, [])
    .option('--exclude <x,y>', 'an exclude point (pixel column,row); repeatable', collect, [])
    .option('--model <dir>', 'model folder (model.json + graphs); without it the classical engine runs')
    .option(
      '--window <low,high>',
      'window to 8 bits in modality units (default: CT -160,240 HU; MR percentiles)',
    )
    .option(
      '--label <name>',
      'segment label; organ names (liver, left kidney, ...) get their SNOMED codes',
      'Segment',
    )
    .requiredOption('--out <seg.dcm>', 'where to write the DICOM SEG')
    .option('--mask-out <mask.npy>', 'also write the mask as a NumPy uint8 array (rows x columns)')
    .option(
      '--json',
      'print one JSON object (mask, score, engine, imageQuality, outputs, ...) instead of the text summary',
    );
  withStow(withSeriesInput(command), 'the SEG').action(runSegment);
}
