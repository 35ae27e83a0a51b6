/**
 * An enhanced (legacy converted) multi-frame copy of a classic CT or MR series folder: one object with
 * functional groups, its frames in file-name order (not position order), the way a legacy-converted
 * enhanced image stores them. Used by the DICOM suites and the viewer's end-to-end tests.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DicomDataset, encodeDicom, parseDicom } from '../../src/dicom/dataset.ts';
import { nativeFrameBytes } from '../../src/dicom/pixel-data.ts';
import { readDicomFile } from '../../src/dicom/series-node.ts';
import { newUid } from '../../src/dicom/uid.ts';

const LEGACY_ENHANCED = { CT: '1.2.840.10008.5.1.4.1.1.2.2', MR: '1.2.840.10008.5.1.4.1.1.4.4' };
const PER_SLICE = [
  'ImagePositionPatient',
  'ImageOrientationPatient',
  'PixelSpacing',
  'SliceThickness',
  'SliceLocation',
  'RescaleIntercept',
  'RescaleSlope',
  'RescaleType',
  'WindowCenter',
  'WindowWidth',
  'WindowCenterWidthExplanation',
  'InstanceNumber',
];

/**
 * The enhanced copy (written uncompressed, whatever the source's transfer syntax) and the source file
 * names in frame order. Same series, study and frame of reference as the source; a new SOP instance.
 */
export function enhancedFrom(folder: string): { bytes: Uint8Array; files: string[] } {
  const files = readdirSync(folder).sort();
  const parsed = files.map((f) => parseDicom(readDicomFile(join(folder, f)).bytes, f));
  const datasets = parsed.map((p) => p.dataset);
  const first = datasets[0];
  const ds: DicomDataset = { ...first, _vrMap: { PixelData: 'OW' } };
  for (const k of PER_SLICE) delete ds[k];
  for (const k of Object.keys(ds)) if (/^[0-9A-F]{8}$/i.test(k)) delete ds[k]; // private tags
  const modality = first.Modality as 'CT' | 'MR';
  Object.assign(ds, {
    SOPClassUID: LEGACY_ENHANCED[modality],
    SOPInstanceUID: newUid(),
    NumberOfFrames: datasets.length,
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: first.PixelSpacing, SliceThickness: first.SliceThickness }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: first.ImageOrientationPatient }],
      },
    ],
    PerFrameFunctionalGroupsSequence: datasets.map((d) => ({
      PlanePositionSequence: [{ ImagePositionPatient: d.ImagePositionPatient }],
      PixelValueTransformationSequence: [
        { RescaleIntercept: d.RescaleIntercept ?? 0, RescaleSlope: d.RescaleSlope ?? 1, RescaleType: 'US' },
      ],
      FrameVOILUTSequence: [{ WindowCenter: 40, WindowWidth: 400 }],
    })),
    PixelData: [concat(parsed.map((p, i) => nativeFrameBytes(p.dataset, p.transferSyntaxUID, 0, files[i])))],
  });
  return { bytes: encodeDicom(ds), files };
}

function concat(frames: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(frames.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of frames) {
    out.set(b, offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
