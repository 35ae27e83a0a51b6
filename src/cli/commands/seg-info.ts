import type { Command } from 'commander';
import {
  masksForSeries,
  type ParsedSegmentation,
  parseSegmentation,
  summarizeSegments,
} from '../../dicom/seg-reader.ts';
import type { Series } from '../../dicom/series.ts';
import {
  readDicomInput,
  readSeriesForCommand,
  type SeriesInputFlags,
  withSeriesInput,
} from '../series-input.ts';

/** Per segment: how many voxels, and on which slices of the source (UIDs; indices with --series). */
interface SegmentReport {
  number: number;
  label: string;
  description?: string;
  category: string;
  type: string;
  typeModifier?: string;
  algorithmType: string;
  algorithmName?: string;
  algorithmVersion?: string;
  color?: [number, number, number];
  voxels: number;
  referencedSlices: { sopInstanceUIDs: string[]; indices?: number[] };
}

const codeText = (c: { value: string; scheme: string; meaning: string }) =>
  `(${c.value}, ${c.scheme}, "${c.meaning}")`;

function segmentReports(seg: ParsedSegmentation, series: Series | undefined): SegmentReport[] {
  const describe = (k: number) => {
    const s = seg.segments[k];
    return {
      number: s.number,
      label: s.label,
      ...(s.description ? { description: s.description } : {}),
      category: codeText(s.codes.category),
      type: codeText(s.codes.type),
      ...(s.codes.typeModifier ? { typeModifier: codeText(s.codes.typeModifier) } : {}),
      algorithmType: s.algorithmType,
      ...(s.algorithmName ? { algorithmName: s.algorithmName } : {}),
      ...(s.algorithmVersion ? { algorithmVersion: s.algorithmVersion } : {}),
      ...(s.color ? { color: s.color } : {}),
    };
  };
  if (!series) {
    return summarizeSegments(seg).map((summary, k) => ({
      ...describe(k),
      voxels: summary.voxels,
      referencedSlices: { sopInstanceUIDs: summary.sopInstanceUIDs },
    }));
  }
  const { masks } = masksForSeries(seg, series);
  const pixels = series.geometry.rows * series.geometry.columns;
  return masks.map((mask, k) => {
    let voxels = 0;
    const indices: number[] = [];
    series.slices.forEach((_, z) => {
      let n = 0;
      for (let i = z * pixels; i < (z + 1) * pixels; i++) n += mask[i];
      if (n > 0) indices.push(z);
      voxels += n;
    });
    return {
      ...describe(k),
      voxels,
      referencedSlices: { sopInstanceUIDs: indices.map((z) => series.slices[z].sopInstanceUID), indices },
    };
  });
}

export async function runSegInfo(
  file: string,
  options: { series?: string } & SeriesInputFlags,
): Promise<string> {
  const { name, bytes } = await readDicomInput(file, '<file>', options);
  const seg = parseSegmentation(bytes, name);
  const series = options.series ? await readSeriesForCommand(options.series, options) : undefined;
  const report = {
    file,
    sopClassUID: seg.sopClassUID,
    segmentationType: seg.segmentationType,
    ...(seg.threshold !== undefined ? { fractionalThreshold: seg.threshold } : {}),
    contentLabel: seg.contentLabel,
    contentDescription: seg.contentDescription,
    contentCreatorName: seg.contentCreatorName,
    segmentsOverlap: seg.segmentsOverlap,
    rows: seg.rows,
    columns: seg.columns,
    frames: seg.frames.length,
    studyInstanceUID: seg.studyInstanceUID,
    seriesInstanceUID: seg.seriesInstanceUID,
    frameOfReferenceUID: seg.frameOfReferenceUID,
    referencedSeriesUIDs: seg.referencedSeriesUIDs,
    ...(series
      ? {
          series: {
            folder: options.series,
            seriesInstanceUID: series.seriesInstanceUID,
            slices: series.slices.length,
          },
        }
      : {}),
    segments: segmentReports(seg, series),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function register(program: Command): void {
  const command = program
    .command('seg-info')
    .description(
      'Print a DICOM SEG as JSON: SOP class, segmentation type, segments (label, codes, algorithm), and per ' +
        'segment its voxel count and referenced slices (slice indices too when --series is given).',
    )
    .argument('<file>', 'the SEG file, or its DICOMweb instance URL')
    .option(
      '--series <dir|url>',
      'the source series (a folder, or its DICOMweb series URL): places frames on its slices and checks they match',
    );
  withSeriesInput(command).action(async (file: string, options: { series?: string } & SeriesInputFlags) => {
    process.stdout.write(await runSegInfo(file, options));
  });
}
