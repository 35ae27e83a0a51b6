/**
 * A CT or MR series read from DICOM bytes: slices sorted along the slice normal (never by file name
 * or InstanceNumber), geometry checked, and the patient/study/frame-of-reference facts a derived
 * object (SEG, a degraded copy) must repeat. No Node APIs: the browser passes File/ArrayBuffer
 * contents; Node folder reading is in series-node.ts.
 */
import { DicomError } from '../errors.ts';
import { type DicomDataset, number, numbers, parseDicom, raw, sequence, text } from './dataset.ts';
import {
  checkOneStack,
  checkStackSpacing,
  dot,
  type Orientation,
  sliceNormal,
  type Vec3,
} from './geometry.ts';
import { nativeFrameBytes } from './pixel-data.ts';
import { modalityValuesFromStored, type SliceImage } from './slice-image.ts';
import { ENHANCED_IMAGE_SOP_CLASS_UIDS, IMAGE_SOP_CLASS_UIDS, SEG_SOP_CLASS_UIDS } from './sop-classes.ts';

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

export interface PatientInfo {
  patientName: string;
  patientID: string;
  patientBirthDate: string;
  patientSex: string;
}

export interface StudyInfo {
  studyInstanceUID: string;
  studyDate: string;
  studyTime: string;
  studyID: string;
  accessionNumber: string;
  referringPhysicianName: string;
  studyDescription: string;
}

export interface SeriesGeometry {
  rows: number;
  columns: number;
  /** [row spacing, column spacing] mm. */
  pixelSpacing: [number, number];
  orientation: Orientation;
  normal: Vec3;
  /** Median step between slices along the normal (mm); undefined for a single slice. */
  spacingBetweenSlices?: number;
  sliceThickness?: number;
}

export interface Series {
  modality: string;
  seriesInstanceUID: string;
  seriesNumber?: number;
  seriesDescription: string;
  frameOfReferenceUID: string;
  patient: PatientInfo;
  study: StudyInfo;
  geometry: SeriesGeometry;
  /** Sorted by position along the slice normal, ascending. */
  slices: SeriesSlice[];
  /**
   * Attributes a derived series or SEG repeats as read (patient age and de-identification, KVP, MR
   * sequence, body part ...), so validators find the copies consistent with their source.
   */
  inherited: DicomDataset;
  /** Gaps, uneven spacing, skipped files: usable, but the user should know. */
  warnings: string[];
}

/** Attributes copied verbatim into derived objects when present (see Series.inherited). */
export const INHERITED_KEYWORDS = [
  'PatientAge',
  'PatientSize',
  'PatientWeight',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'BodyPartExamined',
  'PatientPosition',
  'Manufacturer',
  'ManufacturerModelName',
  'KVP',
  'ConvolutionKernel',
  'ScanningSequence',
  'SequenceVariant',
  'ScanOptions',
  'MRAcquisitionType',
  'RepetitionTime',
  'EchoTime',
  'EchoTrainLength',
  'InversionTime',
  'MagneticFieldStrength',
  'ImagedNucleus',
  'FlipAngle',
] as const;

/** Reads browser File objects (or any Blob with a name) as one series. */
export async function readSeriesFromFiles(
  files: Array<{ name: string; arrayBuffer(): Promise<ArrayBuffer> }>,
): Promise<Series> {
  const contents = await Promise.all(
    files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })),
  );
  return readSeries(contents);
}

/**
 * Reads the files of one series; an enhanced multi-frame file gives one slice per frame. SEGs and
 * other non-image objects among them are skipped with a warning (they often sit beside their
 * series); anything else that is not an image of the same series is an error.
 */
export function readSeries(files: DicomFileBytes[]): Series {
  if (files.length === 0) throw new DicomError('empty-series', 'No DICOM files were given.');
  const warnings: string[] = [];
  const images: Array<{ name: string; ds: DicomDataset; transferSyntaxUID: string }> = [];
  for (const file of files) {
    const { dataset, transferSyntaxUID } = parseDicom(file.bytes, file.name);
    const sopClassUID = text(dataset, 'SOPClassUID');
    if (SEG_SOP_CLASS_UIDS.has(sopClassUID)) {
      warnings.push(`skipped ${file.name}: a segmentation object, not an image`);
      continue;
    }
    // Reports, key-object selections and presentation states often sit in exported folders. A CT or
    // MR image cut short is not skipped: it is reported as damaged below.
    if (
      dataset.PixelData === undefined &&
      dataset.Rows === undefined &&
      !IMAGE_SOP_CLASS_UIDS.has(sopClassUID)
    ) {
      warnings.push(`skipped ${file.name}: not an image (SOP class ${sopClassUID || 'unknown'})`);
      continue;
    }
    images.push({ name: file.name, ds: dataset, transferSyntaxUID });
  }
  if (images.length === 0) {
    throw new DicomError(
      'empty-series',
      `The files hold no images (${warnings.join('; ')}).`,
      'Pass the files of a CT or MR series.',
    );
  }
  checkOneSeries(images);
  const first = images[0].ds;
  const slices = images.flatMap(({ name, ds, transferSyntaxUID }) => readSlices(ds, transferSyntaxUID, name));
  const geometry = checkGeometry(slices);
  slices.sort((a, b) => a.positionAlongNormal - b.positionAlongNormal);
  const spacing = checkStackSpacing(
    slices.map((s) => s.positionAlongNormal),
    slices.map(sliceName),
  );
  geometry.spacingBetweenSlices = spacing.spacing;
  geometry.sliceThickness = number(frameAttributes(first, 0), 'SliceThickness');
  warnings.push(...spacing.warnings);
  const inherited: DicomDataset = {};
  for (const keyword of INHERITED_KEYWORDS) {
    if (first[keyword] !== undefined && first[keyword] !== null) inherited[keyword] = raw(first, keyword);
  }
  return {
    modality: text(first, 'Modality'),
    seriesInstanceUID: text(first, 'SeriesInstanceUID'),
    seriesNumber: number(first, 'SeriesNumber'),
    seriesDescription: text(first, 'SeriesDescription'),
    frameOfReferenceUID: text(first, 'FrameOfReferenceUID'),
    patient: patientOf(first),
    study: studyOf(first),
    geometry,
    slices,
    inherited,
    warnings,
  };
}

/** The Patient module attributes a derived object (SEG, degraded copy) repeats. */
export function patientOf(ds: DicomDataset): Series['patient'] {
  return {
    patientName: text(ds, 'PatientName'),
    patientID: text(ds, 'PatientID'),
    patientBirthDate: text(ds, 'PatientBirthDate'),
    patientSex: text(ds, 'PatientSex'),
  };
}

/** The General Study module attributes a derived object repeats. */
export function studyOf(ds: DicomDataset): Series['study'] {
  return {
    studyInstanceUID: text(ds, 'StudyInstanceUID'),
    studyDate: text(ds, 'StudyDate'),
    studyTime: text(ds, 'StudyTime'),
    studyID: text(ds, 'StudyID'),
    accessionNumber: text(ds, 'AccessionNumber'),
    referringPhysicianName: text(ds, 'ReferringPhysicianName'),
    studyDescription: text(ds, 'StudyDescription'),
  };
}

function checkOneSeries(images: Array<{ name: string; ds: DicomDataset }>): void {
  const byUid = (keyword: string) => new Set(images.map((i) => text(i.ds, keyword)));
  const series = byUid('SeriesInstanceUID');
  if (series.size > 1) {
    throw new DicomError(
      'multiple-series',
      `The files belong to ${series.size} series (${[...series].join(', ')}).`,
      'Put each series in its own folder, or pass the files of one series only.',
    );
  }
  for (const keyword of ['FrameOfReferenceUID', 'StudyInstanceUID', 'Modality']) {
    const values = byUid(keyword);
    if (values.size > 1) {
      throw new DicomError(
        'inconsistent-series',
        `The files of one series disagree on ${keyword} (${[...values].join(', ')}).`,
        'The series is damaged or mixes acquisitions; export it again from the archive.',
      );
    }
  }
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

/** Every frame of one image object as a slice: one for classic images, NumberOfFrames for enhanced ones. */
function readSlices(ds: DicomDataset, transferSyntaxUID: string, source: string): SeriesSlice[] {
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
  return Array.from({ length: frames }, (_, f) =>
    readFrame(
      ds,
      frameAttributes(ds, f),
      f,
      transferSyntaxUID,
      frames > 1 ? `${source} frame ${f + 1}` : source,
      source,
    ),
  );
}

function readFrame(
  ds: DicomDataset,
  fa: DicomDataset,
  frame: number,
  transferSyntaxUID: string,
  label: string,
  source: string,
): SeriesSlice {
  const position = numbers(fa, 'ImagePositionPatient');
  const orientation = numbers(fa, 'ImageOrientationPatient');
  const spacing = numbers(fa, 'PixelSpacing');
  const rows = number(ds, 'Rows');
  const columns = number(ds, 'Columns');
  if (position?.length !== 3 || orientation?.length !== 6 || spacing?.length !== 2 || !rows || !columns) {
    throw new DicomError(
      'missing-geometry',
      `${label} lacks ImagePositionPatient, ImageOrientationPatient, PixelSpacing, Rows or Columns.`,
      'Only cross-sectional images with full patient geometry (CT, MR) can be segmented and saved as SEG.',
    );
  }
  const imageOrientationPatient = orientation as Orientation;
  const imagePositionPatient = position as Vec3;
  const data = nativeFrameBytes(ds, transferSyntaxUID, frame, label);
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
    sopInstanceUID: text(ds, 'SOPInstanceUID'),
    frame,
    pixelSpacing: [spacing[0], spacing[1]],
    imagePositionPatient,
    imageOrientationPatient,
    voi: center !== undefined && width !== undefined && width > 0 ? { center, width } : undefined,
    sopClassUID: text(ds, 'SOPClassUID'),
    instanceNumber: number(ds, 'InstanceNumber'),
    source,
    positionAlongNormal: dot(imagePositionPatient, sliceNormal(imageOrientationPatient)),
  };
}

/** How errors name a slice: its file, and the frame within it for multi-frame images. */
function sliceName(s: SeriesSlice): string {
  return s.frame > 0 || ENHANCED_IMAGE_SOP_CLASS_UIDS.has(s.sopClassUID)
    ? `${s.source} frame ${s.frame + 1}`
    : s.source;
}

function checkGeometry(slices: SeriesSlice[]): SeriesGeometry {
  checkOneStack(
    slices.map((s) => ({
      name: sliceName(s),
      rows: s.rows,
      columns: s.columns,
      pixelSpacing: s.pixelSpacing,
      orientation: s.imageOrientationPatient,
    })),
  );
  const first = slices[0];
  return {
    rows: first.rows,
    columns: first.columns,
    pixelSpacing: first.pixelSpacing,
    orientation: first.imageOrientationPatient,
    normal: sliceNormal(first.imageOrientationPatient),
  };
}
