/**
 * OHIF's `dicomjson` data source reads a study from a JSON manifest: studies -> series -> instances,
 * each instance with its DICOM attributes (`metadata`, dcmjs-naturalised, pixel data left out) and
 * the `url` of its Part 10 file (`dicomweb:` + absolute URL). This builds one for a folder of files,
 * so `npm run demo` opens the bundled samples in the real OHIF with no PACS.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { DicomError } from '../../src/errors.ts';

type Attributes = Record<string, unknown>;

export interface DicomJsonManifest {
  studies: Array<
    Attributes & { series: Array<Attributes & { instances: Array<{ metadata: Attributes; url: string }> }> }
  >;
}

/** A person name as OHIF's study list shows it: the alphabetic group. */
function personName(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (first && typeof first === 'object' && 'Alphabetic' in first)
    return String((first as { Alphabetic: unknown }).Alphabetic ?? '');
  return first === undefined ? '' : String(first);
}

function readAttributes(path: string): Attributes {
  const bytes = readFileSync(path);
  try {
    const dict = dcmjs.data.DicomMessage.readFile(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const attributes = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as Attributes;
    delete attributes.PixelData;
    delete attributes._vrMap;
    return attributes;
  } catch (error) {
    throw new DicomError(
      'unreadable-dicom',
      `${path} is not a readable DICOM file (${(error as Error).message}).`,
      '',
      { cause: error },
    );
  }
}

/** The DICOM files of one series folder, with each file's attributes. */
export interface SeriesFolder {
  files: string[];
  attributes: Attributes[];
}

/**
 * The DICOM files (`*.dcm`, not `*.seg.dcm`) directly in `folder`, read once; all must belong to one
 * series.
 */
export function readSeriesFolder(folder: string): SeriesFolder {
  const files = readdirSync(folder)
    .filter((f) => f.toLowerCase().endsWith('.dcm') && !f.toLowerCase().endsWith('.seg.dcm'))
    .filter((f) => statSync(join(folder, f)).isFile())
    .sort();
  if (files.length === 0) throw new DicomError('no-dicom-files', `${folder} holds no DICOM files (*.dcm).`);
  const attributes = files.map((file) => readAttributes(join(folder, file)));
  const seriesUids = new Set(attributes.map((a) => a.SeriesInstanceUID));
  if (seriesUids.size !== 1) {
    throw new DicomError(
      'several-series',
      `${folder} holds ${seriesUids.size} series; the demo serves one series per folder.`,
    );
  }
  return { files, attributes };
}

/** The manifest of a series folder whose files are served under `baseUrl` (absolute, ending in '/'). */
export function dicomJsonManifest({ files, attributes }: SeriesFolder, baseUrl: string): DicomJsonManifest {
  const instances = files.map((file, k) => ({
    metadata: attributes[k],
    url: `dicomweb:${new URL(encodeURIComponent(file), baseUrl).href}`,
  }));
  const first = attributes[0];
  return {
    studies: [
      {
        StudyInstanceUID: first.StudyInstanceUID,
        StudyDescription: first.StudyDescription ?? '',
        StudyDate: first.StudyDate ?? '',
        StudyTime: first.StudyTime ?? '',
        PatientName: personName(first.PatientName),
        PatientID: first.PatientID ?? '',
        AccessionNumber: first.AccessionNumber ?? '',
        Modalities: first.Modality,
        NumInstances: instances.length,
        series: [
          {
            SeriesInstanceUID: first.SeriesInstanceUID,
            SeriesDescription: first.SeriesDescription ?? '',
            SeriesNumber: first.SeriesNumber,
            SeriesDate: first.SeriesDate ?? '',
            SeriesTime: first.SeriesTime ?? '',
            Modality: first.Modality,
            SliceThickness: first.SliceThickness,
            instances,
          },
        ],
      },
    ],
  };
}
