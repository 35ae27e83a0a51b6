/**
 * Writes a CT or MR image series (classic single-frame CT Image / MR Image storage) from modality
 * values and geometry: used to make the bundled phantoms and degraded copies of a study. Each
 * instance carries every type 1 and 2 attribute of its IOD that dciodvfy checks.
 */

import { DicomError } from '../errors.ts';
import { PRODUCT_VERSION } from '../version.ts';
import { type DicomDataset, decimal, encodeDicom } from './dataset.ts';
import { dicomDate, dicomTime } from './dicom-datetime.ts';
import { type Orientation, sliceNormal, type Vec3 } from './geometry.ts';
import type { PatientInfo, Series, StudyInfo } from './series.ts';
import { patientNameOf } from './series-assembly.ts';
import { CT_IMAGE_STORAGE, MR_IMAGE_STORAGE } from './sop-classes.ts';
import { newUid } from './uid.ts';

export interface ImageSeriesGeometry {
  rows: number;
  columns: number;
  /** [row spacing, column spacing] mm. */
  pixelSpacing: [number, number];
  orientation: Orientation;
  /** ImagePositionPatient of each slice, in the order of `values`. */
  positions: Vec3[];
  sliceThickness: number;
}

/** Stored integers and the rescale that turns them into modality values. */
export interface StoredSlices {
  data: Int16Array[];
  slope: number;
  intercept: number;
}

export interface ImageSeriesSpec {
  modality: 'CT' | 'MR';
  patient: PatientInfo;
  study: StudyInfo;
  frameOfReferenceUID: string;
  geometry: ImageSeriesGeometry;
  /** Modality values (HU for CT) per slice, row-major; or `stored` instead. */
  values?: Float32Array[];
  stored?: StoredSlices;
  seriesDescription: string;
  seriesNumber: number;
  /** Defaults to fresh UIDs. Pass fixed ones (uidFromSeed) for reproducible output. */
  seriesInstanceUID?: string;
  sopInstanceUIDs?: string[];
  /** Default: CT soft tissue (40/400), MR from the 0.5-99.5 percentiles of the middle slice. */
  window?: { center: number; width: number };
  /** Extra attributes (KVP, MR sequence parameters, BodyPartExamined, PatientAge ...) written as given. */
  acquisition?: DicomDataset;
  /** 'ORIGINAL' for acquired-looking phantoms, 'DERIVED' for processed copies. */
  derived?: boolean;
  /** Says how a derived series was made (DerivationDescription). */
  derivationDescription?: string;
  /** Series/content date and time; default now. Fix it for reproducible output. */
  createdAt?: Date;
  manufacturer?: string;
  softwareVersions?: string;
}

export interface WrittenInstance {
  sopInstanceUID: string;
  /** Position in the series (0-based, order of `values`). */
  index: number;
  bytes: Uint8Array;
}

const INT16_MIN = -32768;
const INT16_MAX = 32767;

/**
 * Chooses the stored representation: signed 16-bit. CT is rounded to whole HU (its usual precision);
 * MR keeps integers as they are and otherwise spreads the value range over the int16 range with a
 * rescale slope, so fractional maps lose at most half a step.
 */
export function encodeStored(values: Float32Array[], modality: 'CT' | 'MR'): StoredSlices {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let integral = true;
  for (const slice of values) {
    for (let i = 0; i < slice.length; i++) {
      const v = slice[i];
      if (!Number.isFinite(v))
        throw new DicomError('invalid-pixel-value', `A pixel value is ${v}; values must be finite.`);
      if (v < min) min = v;
      if (v > max) max = v;
      if (integral && v !== Math.round(v)) integral = false;
    }
  }
  let slope = 1;
  let intercept = 0;
  const fitsInt16 = Math.round(min) >= INT16_MIN && Math.round(max) <= INT16_MAX;
  if (!(fitsInt16 && (integral || modality === 'CT'))) {
    slope = max > min ? (max - min) / (INT16_MAX - INT16_MIN) : 1;
    intercept = min - INT16_MIN * slope;
  }
  const data = values.map((slice) => {
    const out = new Int16Array(slice.length);
    for (let i = 0; i < slice.length; i++) {
      const s = Math.round((slice[i] - intercept) / slope);
      out[i] = Math.min(INT16_MAX, Math.max(INT16_MIN, s));
    }
    return out;
  });
  return { data, slope, intercept };
}

function defaultWindow(spec: ImageSeriesSpec, stored: StoredSlices): { center: number; width: number } {
  if (spec.modality === 'CT') return { center: 40, width: 400 };
  const middle = stored.data[Math.floor(stored.data.length / 2)];
  const sorted = Int16Array.from(middle).sort();
  const lo = sorted[Math.floor(0.005 * (sorted.length - 1))] * stored.slope + stored.intercept;
  const hi = sorted[Math.ceil(0.995 * (sorted.length - 1))] * stored.slope + stored.intercept;
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1) };
}

function checkSpec(spec: ImageSeriesSpec, stored: StoredSlices): void {
  const { rows, columns, positions } = spec.geometry;
  const count = stored.data.length;
  if (count === 0) throw new DicomError('invalid-series-spec', 'An image series needs at least one slice.');
  if (positions.length !== count) {
    throw new DicomError(
      'invalid-series-spec',
      `${count} slices but ${positions.length} positions were given.`,
    );
  }
  if (spec.sopInstanceUIDs && spec.sopInstanceUIDs.length !== count) {
    throw new DicomError(
      'invalid-series-spec',
      `${count} slices but ${spec.sopInstanceUIDs.length} SOP Instance UIDs.`,
    );
  }
  stored.data.forEach((slice, i) => {
    if (slice.length !== rows * columns) {
      throw new DicomError(
        'invalid-series-spec',
        `Slice ${i} has ${slice.length} values; ${rows}x${columns} needs ${rows * columns}.`,
      );
    }
  });
  if (!spec.study.studyInstanceUID || !spec.frameOfReferenceUID) {
    throw new DicomError('invalid-series-spec', 'StudyInstanceUID and FrameOfReferenceUID are required.');
  }
}

/** Writes the series; returns one Part 10 file per slice, in the order of the input. */
export function writeImageSeries(spec: ImageSeriesSpec): WrittenInstance[] {
  const stored = spec.stored ?? (spec.values ? encodeStored(spec.values, spec.modality) : undefined);
  if (!stored) throw new DicomError('invalid-series-spec', 'Give either `values` or `stored` pixel data.');
  checkSpec(spec, stored);
  const { geometry } = spec;
  const createdAt = spec.createdAt ?? new Date();
  const seriesInstanceUID = spec.seriesInstanceUID ?? newUid();
  const window = spec.window ?? defaultWindow(spec, stored);
  const isCT = spec.modality === 'CT';
  const normal = sliceNormal(geometry.orientation);
  const along = geometry.positions.map((p) => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2]);
  const acquisitionDefaults: DicomDataset = isCT
    ? { KVP: 120, ConvolutionKernel: 'STANDARD' }
    : {
        ScanningSequence: 'SE',
        SequenceVariant: 'NONE',
        ScanOptions: '',
        MRAcquisitionType: '2D',
        RepetitionTime: 500,
        EchoTime: 15,
        EchoTrainLength: 1,
        MagneticFieldStrength: 1.5,
        ImagedNucleus: '1H',
      };
  const acquisition = { ...spec.acquisition };
  // InversionTime is only allowed in MR when the sequence is an inversion recovery.
  if (!String(acquisition.ScanningSequence ?? '').includes('IR')) delete acquisition.InversionTime;
  // Laterality (type 2C) is required, empty meaning unknown, unless the body part is named.
  if (acquisition.BodyPartExamined === undefined) acquisition.Laterality = '';
  const writeRescale = isCT || stored.slope !== 1 || stored.intercept !== 0;
  return stored.data.map((pixels, index) => {
    const sopInstanceUID = spec.sopInstanceUIDs?.[index] ?? newUid();
    const position = geometry.positions[index];
    const ds: DicomDataset = {
      _vrMap: { PixelData: 'OW' },
      SpecificCharacterSet: 'ISO_IR 192',
      ImageType: [
        spec.derived ? 'DERIVED' : 'ORIGINAL',
        spec.derived ? 'SECONDARY' : 'PRIMARY',
        isCT ? 'AXIAL' : 'OTHER',
      ],
      SOPClassUID: isCT ? CT_IMAGE_STORAGE : MR_IMAGE_STORAGE,
      SOPInstanceUID: sopInstanceUID,
      StudyDate: spec.study.studyDate,
      SeriesDate: dicomDate(createdAt),
      ContentDate: dicomDate(createdAt),
      StudyTime: spec.study.studyTime,
      SeriesTime: dicomTime(createdAt),
      ContentTime: dicomTime(createdAt),
      AccessionNumber: spec.study.accessionNumber,
      Modality: spec.modality,
      Manufacturer: spec.manufacturer ?? 'RobustMedSAM project',
      ReferringPhysicianName: [{ Alphabetic: spec.study.referringPhysicianName }],
      StudyDescription: spec.study.studyDescription,
      SeriesDescription: spec.seriesDescription,
      SoftwareVersions: spec.softwareVersions ?? PRODUCT_VERSION,
      PatientName: [patientNameOf(spec.patient)],
      PatientID: spec.patient.patientID,
      PatientBirthDate: spec.patient.patientBirthDate,
      PatientSex: spec.patient.patientSex,
      ...acquisitionDefaults,
      ...acquisition,
      SliceThickness: decimal(geometry.sliceThickness),
      PatientPosition: (spec.acquisition?.PatientPosition as string | undefined) ?? 'HFS',
      StudyInstanceUID: spec.study.studyInstanceUID,
      SeriesInstanceUID: seriesInstanceUID,
      StudyID: spec.study.studyID,
      SeriesNumber: spec.seriesNumber,
      AcquisitionNumber: 1,
      InstanceNumber: index + 1,
      ImagePositionPatient: position.map(decimal),
      ImageOrientationPatient: geometry.orientation.map(decimal),
      FrameOfReferenceUID: spec.frameOfReferenceUID,
      PositionReferenceIndicator: '',
      SliceLocation: decimal(along[index]),
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: geometry.rows,
      Columns: geometry.columns,
      PixelSpacing: geometry.pixelSpacing.map(decimal),
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      WindowCenter: decimal(window.center),
      WindowWidth: decimal(window.width),
      PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
    };
    if (writeRescale) {
      ds.RescaleIntercept = decimal(stored.intercept);
      ds.RescaleSlope = decimal(stored.slope);
      if (isCT) ds.RescaleType = 'HU';
    }
    if (spec.derived && spec.derivationDescription) ds.DerivationDescription = spec.derivationDescription;
    return { sopInstanceUID, index, bytes: encodeDicom(ds) };
  });
}

/**
 * A new series of the same study, patient, frame of reference and geometry as `source`, with other
 * pixel values (one Float32Array per slice, in the source's sorted order): e.g. a degraded copy.
 * New Series and SOP Instance UIDs; ImageType DERIVED.
 */
export function deriveSeries(
  source: Series,
  values: Float32Array[],
  options: {
    seriesDescription: string;
    seriesNumber?: number;
    derivationDescription?: string;
    createdAt?: Date;
  },
): ImageSeriesSpec {
  const modality = source.modality === 'CT' || source.modality === 'MR' ? source.modality : undefined;
  if (!modality) {
    throw new DicomError(
      'unsupported-modality',
      `Only CT and MR series can be copied; this one is ${source.modality || '(no modality)'}.`,
    );
  }
  if (values.length !== source.slices.length) {
    throw new DicomError(
      'invalid-series-spec',
      `${values.length} slices of values for a series of ${source.slices.length} slices.`,
    );
  }
  const first = source.slices[0];
  return {
    modality,
    patient: source.patient,
    study: source.study,
    frameOfReferenceUID: source.frameOfReferenceUID,
    geometry: {
      rows: source.geometry.rows,
      columns: source.geometry.columns,
      pixelSpacing: source.geometry.pixelSpacing,
      orientation: source.geometry.orientation,
      positions: source.slices.map((s) => s.imagePositionPatient),
      sliceThickness: source.geometry.sliceThickness ?? source.geometry.spacingBetweenSlices ?? 1,
    },
    values,
    seriesDescription: options.seriesDescription,
    seriesNumber: options.seriesNumber ?? (source.seriesNumber ?? 0) + 1000,
    window: first.voi,
    acquisition: source.inherited,
    derived: true,
    derivationDescription: options.derivationDescription ?? options.seriesDescription,
    createdAt: options.createdAt,
  };
}

/**
 * Positions of `count` parallel slices `step` mm apart along the normal of `orientation`, starting
 * at `origin` (the first slice's ImagePositionPatient). For generated phantoms.
 */
export function stackPositions(origin: Vec3, orientation: Orientation, step: number, count: number): Vec3[] {
  const n = sliceNormal(orientation);
  return Array.from({ length: count }, (_, k) => [
    origin[0] + k * step * n[0],
    origin[1] + k * step * n[1],
    origin[2] + k * step * n[2],
  ]);
}
