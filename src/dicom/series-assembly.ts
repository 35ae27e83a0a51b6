/**
 * One series from the headers of its images, whatever they were read from: DICOM files (series.ts),
 * Cornerstone's metadata (src/cornerstone/series-metadata.ts) or DICOMweb metadata. Every rule about
 * what makes a series lives here, so all sources are checked alike: the identity each image needs, one
 * series of one study, frame of reference and modality, each image once, one stack of parallel slices
 * of one size and spacing, sorted along the slice normal (never by name or InstanceNumber), and the
 * patient, study and inherited attributes a derived object (SEG, degraded copy) repeats. Pixels are
 * not read here.
 */
import { DicomError } from '../errors.ts';
import { type DicomDataset, number, numbers, type PersonName, personName, text } from './dataset.ts';
import {
  checkOneStack,
  checkStackSpacing,
  dot,
  type Orientation,
  sliceNormal,
  type Vec3,
} from './geometry.ts';

/** One image (or one frame of a multi-frame image) as a source describes it. */
export interface ImageHeader {
  /** How messages name it: its file (and frame), or its image id. */
  name: string;
  /**
   * Its attributes, dcmjs-naturalised: a classic image's dataset, or for a frame of an enhanced image
   * the top level overlaid by the frame's functional groups.
   */
  attributes: DicomDataset;
  /** Frame number within its object, from 0. */
  frame: number;
}

export interface PatientInfo {
  /** The alphabetic group, as shown. */
  patientName: string;
  /** Every group of the name (ideographic and phonetic too, when the source has them), as written. */
  patientNameGroups?: PersonName;
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

/** An image placed in the series: its header and where it is. */
export interface PlacedImage<H extends ImageHeader> {
  header: H;
  sopClassUID: string;
  sopInstanceUID: string;
  frame: number;
  imagePositionPatient: Vec3;
  imageOrientationPatient: Orientation;
  pixelSpacing: [number, number];
  rows: number;
  columns: number;
  /** Position along the slice normal (mm), ascending through the series. */
  positionAlongNormal: number;
}

/** What a series is, whatever its images were read from: identity, patient, study, geometry. */
export interface SeriesIdentity {
  modality: string;
  seriesInstanceUID: string;
  seriesNumber?: number;
  seriesDescription: string;
  frameOfReferenceUID: string;
  patient: PatientInfo;
  study: StudyInfo;
  geometry: SeriesGeometry;
  /**
   * Attributes a derived series or SEG repeats as read (patient age and de-identification, KVP, MR
   * sequence, body part ...), so validators find the copies consistent with their source.
   */
  inherited: DicomDataset;
}

export interface AssembledSeries<H extends ImageHeader> extends SeriesIdentity {
  /** Sorted by position along the slice normal, ascending. */
  images: PlacedImage<H>[];
  /** Gaps and uneven spacing: usable, but the user should know. */
  warnings: string[];
}

/**
 * Patient and study attributes every derived object repeats when the source has them (a SEG too), so
 * validators find it consistent with its source.
 */
export const PATIENT_STUDY_INHERITED = [
  'PatientAge',
  'PatientSize',
  'PatientWeight',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
] as const;

/**
 * Attributes copied verbatim into derived objects when present: the patient and study ones above, and
 * the acquisition ones a derived image series (a degraded copy) repeats (KVP, MR sequence, body part ...).
 */
export const INHERITED_KEYWORDS = [
  ...PATIENT_STUDY_INHERITED,
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

/** The Patient module attributes a derived object (SEG, degraded copy) repeats. */
export function patientOf(ds: DicomDataset): PatientInfo {
  return {
    patientName: text(ds, 'PatientName'),
    patientNameGroups: personName(ds, 'PatientName'),
    patientID: text(ds, 'PatientID'),
    patientBirthDate: text(ds, 'PatientBirthDate'),
    patientSex: text(ds, 'PatientSex'),
  };
}

/** The patient's name as a derived object writes it: every group the source had. */
export function patientNameOf(patient: PatientInfo): PersonName {
  return { ...patient.patientNameGroups, Alphabetic: patient.patientName };
}

/** The General Study module attributes a derived object repeats. */
export function studyOf(ds: DicomDataset): StudyInfo {
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

/** What every image must carry to be referenced: its own identity, its series, study and frame of reference. */
const IDENTITY = [
  'SOPInstanceUID',
  'SOPClassUID',
  'SeriesInstanceUID',
  'StudyInstanceUID',
  'FrameOfReferenceUID',
] as const;

const GEOMETRY_HINT =
  'Only cross-sectional images with full patient geometry (CT, MR) can be segmented and saved as SEG.';

/** Where one image is and what it is, or an error naming the image and what it lacks. */
function place<H extends ImageHeader>(header: H): PlacedImage<H> {
  const { name, attributes: a } = header;
  const lacking = (what: string, hint: string) =>
    new DicomError('missing-attribute', `${name} has no ${what}.`, hint);
  for (const keyword of IDENTITY) {
    if (!text(a, keyword)) {
      throw lacking(
        keyword,
        'A SEG or a derived series must reference the image by it; the file or its metadata is damaged.',
      );
    }
  }
  const sopInstanceUID = text(a, 'SOPInstanceUID');
  const sopClassUID = text(a, 'SOPClassUID');
  const geometry = (keyword: string, count: number): number[] => {
    const values = numbers(a, keyword);
    if (values?.length !== count || !values.every(Number.isFinite)) {
      throw new DicomError(
        'missing-geometry',
        `${name} has no usable ${keyword} (${count} numbers).`,
        GEOMETRY_HINT,
      );
    }
    return values;
  };
  const position = geometry('ImagePositionPatient', 3);
  const orientation = geometry('ImageOrientationPatient', 6);
  const spacing = geometry('PixelSpacing', 2);
  const rows = number(a, 'Rows');
  const columns = number(a, 'Columns');
  if (!rows || !columns) {
    throw new DicomError('missing-geometry', `${name} has no Rows or Columns.`, GEOMETRY_HINT);
  }
  const imagePositionPatient = position as Vec3;
  const imageOrientationPatient = orientation as Orientation;
  return {
    header,
    sopClassUID,
    sopInstanceUID,
    frame: header.frame,
    imagePositionPatient,
    imageOrientationPatient,
    pixelSpacing: [spacing[0], spacing[1]],
    rows,
    columns,
    positionAlongNormal: dot(imagePositionPatient, sliceNormal(imageOrientationPatient)),
  };
}

/** One series, study, frame of reference and modality, or an error naming two images that differ. */
function checkOneSeries(images: PlacedImage<ImageHeader>[]): void {
  const first = images[0].header;
  for (const keyword of ['SeriesInstanceUID', 'StudyInstanceUID', 'FrameOfReferenceUID', 'Modality']) {
    const expected = text(first.attributes, keyword);
    for (const { header } of images) {
      const value = text(header.attributes, keyword);
      if (value === expected) continue;
      throw new DicomError(
        keyword === 'SeriesInstanceUID' ? 'multiple-series' : 'inconsistent-series',
        `${header.name} has ${keyword} ${value || '(none)'}, ${first.name} has ${expected || '(none)'}.`,
        keyword === 'SeriesInstanceUID'
          ? 'Pass the images of one series only (each series in its own folder, or one display set).'
          : 'The series is damaged or mixes acquisitions; export it again from the archive.',
      );
    }
  }
}

/** Each image (SOP instance and frame) once: a second copy elsewhere would be referenced wrongly. */
function checkEachImageOnce(images: PlacedImage<ImageHeader>[]): void {
  const seen = new Map<string, PlacedImage<ImageHeader>>();
  for (const image of images) {
    const key = `${image.sopInstanceUID}#${image.frame}`;
    const other = seen.get(key);
    if (other) {
      throw new DicomError(
        'duplicate-sop-instance',
        `${image.header.name} and ${other.header.name} are both SOP Instance UID ${image.sopInstanceUID}` +
          `${image.frame > 0 ? ` frame ${image.frame + 1}` : ''}.`,
        'Each image of a series has its own SOP Instance UID: remove the copy, or the file that was edited without a new UID.',
      );
    }
    seen.set(key, image);
  }
}

/**
 * An attribute as the file reader holds it (dcmjs' naturalised form): a single value unwrapped from
 * its array, where Cornerstone's metadata keeps attributes that may hold several values as arrays.
 */
function naturalised(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

/** The series of these images (any order), or a typed error naming the image that breaks a rule. */
export function assembleSeries<H extends ImageHeader>(headers: H[]): AssembledSeries<H> {
  if (headers.length === 0)
    throw new DicomError('empty-series', 'No images were given.', 'Pass the images of a CT or MR series.');
  const images = headers.map(place);
  checkOneSeries(images);
  checkEachImageOnce(images);
  checkOneStack(images.map((i) => ({ ...i, name: i.header.name, orientation: i.imageOrientationPatient })));
  images.sort((a, b) => a.positionAlongNormal - b.positionAlongNormal);
  const spacing = checkStackSpacing(
    images.map((i) => i.positionAlongNormal),
    images.map((i) => i.header.name),
  );
  const first = images[0];
  const a = first.header.attributes;
  const inherited: DicomDataset = {};
  for (const keyword of INHERITED_KEYWORDS) {
    const value = a[keyword];
    if (value !== undefined && value !== null) inherited[keyword] = naturalised(value);
  }
  return {
    modality: text(a, 'Modality'),
    seriesInstanceUID: text(a, 'SeriesInstanceUID'),
    seriesNumber: number(a, 'SeriesNumber'),
    seriesDescription: text(a, 'SeriesDescription'),
    frameOfReferenceUID: text(a, 'FrameOfReferenceUID'),
    patient: patientOf(a),
    study: studyOf(a),
    geometry: {
      rows: first.rows,
      columns: first.columns,
      pixelSpacing: first.pixelSpacing,
      orientation: first.imageOrientationPatient,
      normal: sliceNormal(first.imageOrientationPatient),
      spacingBetweenSlices: spacing.spacing,
      sliceThickness: number(a, 'SliceThickness'),
    },
    images,
    inherited,
    warnings: spacing.warnings,
  };
}
