/**
 * A CT or MR series read from DICOM bytes: slices sorted along the slice normal (never by file name
 * or InstanceNumber), geometry checked, and the patient/study/frame-of-reference facts a derived
 * object (SEG, a degraded copy) must repeat. No Node APIs: the browser passes File/ArrayBuffer
 * contents; Node folder reading is in series-node.ts.
 */
import { DicomError } from '../errors.ts';
import { type DicomDataset, number, parseDicom, sequence, text } from './dataset.ts';
import type { Orientation, Vec3 } from './geometry.ts';
import { nativeFrameBytes } from './pixel-data.ts';
import {
  type AssembledSeries,
  assembleSeries,
  type ImageHeader,
  type PatientInfo,
  type SeriesGeometry,
  type SeriesIdentity,
  type StudyInfo,
} from './series-assembly.ts';
import { modalityValuesFromStored, type SliceImage } from './slice-image.ts';
import { ENHANCED_IMAGE_SOP_CLASS_UIDS, IMAGE_SOP_CLASS_UIDS, SEG_SOP_CLASS_UIDS } from './sop-classes.ts';

export type { PatientInfo, SeriesGeometry, StudyInfo };

/** One file's contents, named for error messages. */
export interface DicomFileBytes {
  name: string;
  bytes: Uint8Array | ArrayBuffer;
}

/** A slice of a read series: the hand-off SliceImage plus what references and copies need. */
export interface SeriesSlice extends SliceImage {
  imagePositionPatient: Vec3;
  imageOrientationPatient: Orientation;
  sopClassUID: string;
  instanceNumber?: number;
  /** The file it came from. */
  source: string;
  /** Position along the slice normal (mm), ascending through the series. */
  positionAlongNormal: number;
}

/** A series read from files, its slices with their pixels. */
export interface Series extends SeriesIdentity {
  /** Sorted by position along the slice normal, ascending. */
  slices: SeriesSlice[];
  /** Gaps, uneven spacing, skipped files: usable, but the user should know. */
  warnings: string[];
}

/** Reads browser File objects (or any Blob with a name) as one series. */
export async function readSeriesFromFiles(
  files: Array<{ name: string; arrayBuffer(): Promise<ArrayBuffer> }>,
): Promise<Series> {
  const contents = await Promise.all(
    files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })),
  );
  return readSeries(contents);
}

export interface ReadSeriesOptions {
  /**
   * Leave out files that cannot be read as DICOM images (damaged, cut short, undecodable pixels),
   * each with a warning. Without it such a file is an error: a series that silently lost a slice
   * renumbers every slice after it.
   */
  skipUnreadable?: boolean;
}

/**
 * Reads the files of one series; an enhanced multi-frame file gives one slice per frame. SEGs and
 * other objects of a known non-image kind are skipped with a warning (they often sit beside their
 * series); a file that cannot be read is an error (or skipped with a warning: `skipUnreadable`); any
 * image that is not of the same series is an error.
 */
export function readSeries(files: DicomFileBytes[], options: ReadSeriesOptions = {}): Series {
  if (files.length === 0) throw new DicomError('empty-series', 'No DICOM files were given.');
  const warnings: string[] = [];
  const frames: FileFrame[] = [];
  for (const file of files) {
    try {
      frames.push(...readFileFrames(file, warnings));
    } catch (error) {
      if (!options.skipUnreadable || !(error instanceof DicomError)) throw error;
      warnings.push(`skipped ${file.name}: ${error.message}`);
    }
  }
  if (frames.length === 0) {
    throw new DicomError(
      'empty-series',
      `The files hold no images (${warnings.join('; ')}).`,
      'Pass the files of a CT or MR series.',
    );
  }
  // Every frame's pixel bytes were read with its header, so a damaged file is reported as such before
  // any series rule is applied to what it claims; then every series rule in one place.
  const { images: placed, warnings: seriesWarnings, ...identity } = assembleSeries(frames);
  return {
    ...identity,
    slices: placed.map(decodeSlice),
    warnings: [...warnings, ...seriesWarnings],
  };
}

/**
 * The image frames of one file, or none (with a warning) for an object of a known non-image kind; a
 * DicomError when the file cannot be read as an image.
 */
function readFileFrames(file: DicomFileBytes, warnings: string[]): FileFrame[] {
  const { dataset, transferSyntaxUID } = parseDicom(file.bytes, file.name);
  const sopClassUID = text(dataset, 'SOPClassUID');
  if (SEG_SOP_CLASS_UIDS.has(sopClassUID)) {
    warnings.push(`skipped ${file.name}: a segmentation object, not an image`);
    return [];
  }
  if (!sopClassUID) {
    throw new DicomError(
      'truncated-dicom',
      `${file.name} has no SOP Class UID: it is cut short or damaged.`,
      'Copy the file again from its source, or leave it out.',
    );
  }
  // Reports, key-object selections and presentation states often sit in exported folders. A CT or
  // MR image cut short is not skipped: it is reported as damaged below.
  if (
    dataset.PixelData === undefined &&
    dataset.Rows === undefined &&
    !IMAGE_SOP_CLASS_UIDS.has(sopClassUID)
  ) {
    warnings.push(`skipped ${file.name}: not an image (SOP class ${sopClassUID})`);
    return [];
  }
  return frameHeaders(dataset, transferSyntaxUID, file.name);
}

/** A frame of a file, as the series assembly sees it, with its native pixel bytes. */
interface FileFrame extends ImageHeader {
  ds: DicomDataset;
  source: string;
  data: Uint8Array;
}

/**
 * The attributes that describe frame `f`: the top level (all a classic image has), overlaid by the
 * items of the shared and then the frame's own functional groups (enhanced multi-frame images keep
 * ImagePositionPatient, PixelSpacing, RescaleSlope, WindowCenter ... there).
 */
function frameAttributes(ds: DicomDataset, f: number): DicomDataset {
  const merged: DicomDataset = { ...ds };
  const groups = [
    sequence(ds, 'SharedFunctionalGroupsSequence')[0],
    sequence(ds, 'PerFrameFunctionalGroupsSequence')[f],
  ];
  for (const group of groups) {
    if (!group) continue;
    for (const [keyword, value] of Object.entries(group)) {
      if (keyword.startsWith('_') || !Array.isArray(value)) continue;
      const item = value[0];
      if (item && typeof item === 'object' && !(item instanceof ArrayBuffer)) Object.assign(merged, item);
    }
  }
  return merged;
}

/** Every frame of one image object: one for classic images, NumberOfFrames for enhanced ones. */
function frameHeaders(ds: DicomDataset, transferSyntaxUID: string, source: string): FileFrame[] {
  const sopClassUID = text(ds, 'SOPClassUID');
  const frames = number(ds, 'NumberOfFrames') ?? 1;
  const enhanced = ENHANCED_IMAGE_SOP_CLASS_UIDS.has(sopClassUID);
  if (frames > 1 && !enhanced && !ds.PerFrameFunctionalGroupsSequence) {
    throw new DicomError(
      'multiframe-unsupported',
      `${source} is a multi-frame image (SOP class ${sopClassUID}, ${frames} frames) without per-frame geometry.`,
      'Only single-frame CT/MR images and enhanced multi-frame CT/MR (with functional groups) can be read.',
    );
  }
  return Array.from({ length: frames }, (_, frame) => {
    const name = frames > 1 || enhanced ? `${source} frame ${frame + 1}` : source;
    return {
      name,
      attributes: frameAttributes(ds, frame),
      frame,
      ds,
      source,
      data: nativeFrameBytes(ds, transferSyntaxUID, frame, name),
    };
  });
}

/** A placed frame as a slice: its pixels as modality values, with what references and copies need. */
function decodeSlice(image: AssembledSeries<FileFrame>['images'][number]): SeriesSlice {
  const { header, rows, columns } = image;
  const { ds, attributes: fa, frame, source, data } = header;
  const values = modalityValuesFromStored({
    rows,
    columns,
    samplesPerPixel: number(ds, 'SamplesPerPixel') ?? 1,
    photometricInterpretation: text(ds, 'PhotometricInterpretation'),
    bitsAllocated: number(ds, 'BitsAllocated') ?? 0,
    bitsStored: number(ds, 'BitsStored') ?? number(ds, 'BitsAllocated') ?? 0,
    pixelRepresentation: number(ds, 'PixelRepresentation') ?? 0,
    rescaleSlope: number(fa, 'RescaleSlope'),
    rescaleIntercept: number(fa, 'RescaleIntercept'),
    data,
  });
  const center = number(fa, 'WindowCenter');
  const width = number(fa, 'WindowWidth');
  return {
    rows,
    columns,
    values,
    modality: text(ds, 'Modality'),
    photometric: text(ds, 'PhotometricInterpretation') === 'MONOCHROME1' ? 'MONOCHROME1' : 'MONOCHROME2',
    sopInstanceUID: image.sopInstanceUID,
    frame,
    pixelSpacing: image.pixelSpacing,
    imagePositionPatient: image.imagePositionPatient,
    imageOrientationPatient: image.imageOrientationPatient,
    voi: center !== undefined && width !== undefined && width > 0 ? { center, width } : undefined,
    sopClassUID: image.sopClassUID,
    instanceNumber: number(ds, 'InstanceNumber'),
    source,
    positionAlongNormal: image.positionAlongNormal,
  };
}
