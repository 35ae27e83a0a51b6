/**
 * A private Orthanc seeded with the bundled samples (sample-dicom/: one image series per folder, and the
 * ground-truth SEG beside each), for `npm run pacs`, `npm run demo -- --pacs` and the real-OHIF PACS
 * test. Each series comes back with the DICOMweb URL the CLI takes (`--series URL`), each truth SEG with
 * its instance URL (`--truth URL`).
 */
import { join } from 'node:path';
import { listSeries } from '../demo/local-data-plugin.ts';
import { type Orthanc, type OrthancOptions, startOrthanc } from './orthanc.ts';

export interface SamplePacsInstance {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
  modality: string;
  seriesDescription: string;
}

export interface SamplePacsSeries {
  /** The series folder under the samples root (e.g. ct-abdomen). */
  id: string;
  modality: string;
  description: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  instances: number;
  /** http://127.0.0.1:PORT/dicom-web/studies/S/series/R: what `--series` takes. */
  url: string;
  /** The ground-truth SEGs stored beside it, with their instance URLs (what `--truth` takes). */
  truths: Array<{ file: string; sopInstanceUID: string; url: string }>;
}

export interface SamplePacs {
  orthanc: Orthanc;
  series: SamplePacsSeries[];
}

export interface SamplePacsOptions extends OrthancOptions {
  /** The samples root (sample-dicom/). */
  samples: string;
  /** Only these series folders (default: all). */
  only?: string[];
  /** Also store each series' ground-truth SEG (default true). */
  truth?: boolean;
}

/** The UIDs of one stored instance, from Orthanc's REST API. */
async function instanceTags(orthanc: Orthanc, id: string): Promise<SamplePacsInstance> {
  const response = await orthanc.rest(`/instances/${id}/simplified-tags`);
  if (!response.ok)
    throw new Error(`Orthanc: GET /instances/${id}/simplified-tags answered ${response.status}`);
  const tags = (await response.json()) as Record<string, string>;
  return {
    studyInstanceUID: tags.StudyInstanceUID,
    seriesInstanceUID: tags.SeriesInstanceUID,
    sopInstanceUID: tags.SOPInstanceUID,
    modality: tags.Modality,
    seriesDescription: tags.SeriesDescription ?? '',
  };
}

/** Starts Orthanc and stores the samples in it; Orthanc is stopped again if seeding fails. */
export async function startSamplePacs(options: SamplePacsOptions): Promise<SamplePacs> {
  const entries = listSeries(options.samples).filter((s) => !options.only || options.only.includes(s.id));
  const orthanc = await startOrthanc(options);
  try {
    const series: SamplePacsSeries[] = [];
    for (const entry of entries) {
      const folder = entry.id === '.' ? options.samples : join(options.samples, entry.id);
      const ids = await orthanc.seed(entry.files.sort().map((f) => join(folder, f)));
      const first = await instanceTags(orthanc, ids[0]);
      const url = `${orthanc.dicomWebRoot}/studies/${first.studyInstanceUID}/series/${first.seriesInstanceUID}`;
      const truths: SamplePacsSeries['truths'] = [];
      for (const seg of options.truth === false ? [] : entry.segs) {
        const file = join(options.samples, seg);
        const [segId] = await orthanc.seed([file]);
        const tags = await instanceTags(orthanc, segId);
        truths.push({
          file,
          sopInstanceUID: tags.sopInstanceUID,
          url: `${orthanc.dicomWebRoot}/studies/${tags.studyInstanceUID}/series/${tags.seriesInstanceUID}/instances/${tags.sopInstanceUID}`,
        });
      }
      series.push({
        id: entry.id,
        modality: first.modality,
        description: first.seriesDescription,
        studyInstanceUID: first.studyInstanceUID,
        seriesInstanceUID: first.seriesInstanceUID,
        instances: ids.length,
        url,
        truths,
      });
    }
    return { orthanc, series };
  } catch (error) {
    await orthanc.stop();
    throw error;
  }
}

/** What `npm run pacs` and `npm run demo -- --pacs` print: the DICOMweb root and a URL per series. */
export function describeSamplePacs(pacs: SamplePacs): string[] {
  const lines = [
    `Orthanc (pid ${pacs.orthanc.pid}) with the bundled samples; DICOMweb root: ${pacs.orthanc.dicomWebRoot}`,
  ];
  for (const s of pacs.series) {
    lines.push(`  ${s.id} (${s.modality}, ${s.instances} instances): ${s.url}`);
    for (const t of s.truths) lines.push(`    ground-truth SEG: ${t.url}`);
  }
  return lines;
}

/** Whether nothing listens on this loopback port (0: any free port will do). */
export async function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  if (port === 0) return true;
  const { createServer } = await import('node:net');
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, host, () => probe.close(() => done(true)));
  });
}
