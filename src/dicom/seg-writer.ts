/**
 * DICOM Segmentation writer, after highdicom's SEG API: an explicit constructor that validates its
 * input and builds the whole dataset, so an object that exists is a valid SEG. Every rule for a SEG
 * that dciodvfy, highdicom and OHIF accept is applied here and only here; the reader (seg-reader.ts) mirrors them.
 *
 * BINARY (Segmentation Storage, 1-bit frames, one frame per segment and slice, empty frames omitted)
 * is the default; LABELMAP (Label Map Segmentation Storage, Supplement 243: one 8-bit frame per
 * slice whose pixels hold segment numbers) is the option for viewers that want one layer.
 */
import dcmjs from 'dcmjs';
import { DicomError } from '../errors.ts';
import { PRODUCT_VERSION } from '../version.ts';
import { packedLength, packFrame } from './bit-packing.ts';
import { ALGORITHM_FAMILY, type CodedConcept, organ, type SegmentCodes } from './codes.ts';
import { type DicomDataset, decimal, encodeDicom } from './dataset.ts';
import { dicomDate, dicomTime } from './dicom-datetime.ts';
import { dot, sliceNormal } from './geometry.ts';
import { longStringProblem } from './segment-identity.ts';
import type { Series, SeriesSlice } from './series.ts';
import { PATIENT_STUDY_INHERITED, patientNameOf } from './series-assembly.ts';
import {
  ENHANCED_IMAGE_SOP_CLASS_UIDS,
  LABELMAP_SEGMENTATION_STORAGE,
  SEGMENTATION_STORAGE,
} from './sop-classes.ts';
import { newUid, uidFromSeed } from './uid.ts';

export type SegmentationType = 'BINARY' | 'LABELMAP';
export type AlgorithmType = 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';

export interface SegmentDescription {
  label: string;
  codes: SegmentCodes;
  algorithmType: AlgorithmType;
  /** Required unless MANUAL (SegmentAlgorithmName is type 1C). */
  algorithmName?: string;
  algorithmVersion?: string;
  /** Algorithm family (CID 7162, codes.ts ALGORITHM_FAMILY); default DCM 123110 Artificial Intelligence. */
  algorithmFamily?: CodedConcept;
  /** Display colour, sRGB 0-255, stored as RecommendedDisplayCIELabValue. */
  color?: [number, number, number];
  description?: string;
}

/** What the SEG refers to: a read Series satisfies this; a viewer can build it from its metadata. */
export interface SegmentationSource {
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  patient: Series['patient'];
  study: Series['study'];
  geometry: Pick<
    Series['geometry'],
    'rows' | 'columns' | 'pixelSpacing' | 'orientation' | 'sliceThickness' | 'spacingBetweenSlices'
  >;
  /** In the order the masks use (a read Series: sorted along the normal). */
  /** `frame` (0-based) matters for slices that are frames of one multi-frame instance. */
  slices: Array<
    Pick<SeriesSlice, 'sopClassUID' | 'sopInstanceUID' | 'imagePositionPatient'> & { frame?: number }
  >;
  /** Patient/study attributes to repeat (Series.inherited). */
  inherited?: DicomDataset;
}

export interface Equipment {
  manufacturer: string;
  manufacturerModelName: string;
  deviceSerialNumber: string;
  softwareVersions: string;
}

export interface SegmentationOptions {
  source: SegmentationSource;
  segments: SegmentDescription[];
  /**
   * One mask per segment (same order): slices x rows x columns, slice-major in source.slices order,
   * nonzero = inside. Masks may overlap (BINARY only).
   */
  masks: Uint8Array[];
  type?: SegmentationType;
  /** CS: upper-case letters, digits, '_' and space, at most 16 characters. */
  contentLabel?: string;
  contentDescription?: string;
  contentCreatorName?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  equipment?: Partial<Equipment>;
  /** Fresh UIDs by default; pass fixed ones for reproducible output. */
  seriesInstanceUID?: string;
  sopInstanceUID?: string;
  createdAt?: Date;
}

export const DEFAULT_EQUIPMENT: Equipment = {
  manufacturer: 'RobustMedSAM project',
  manufacturerModelName: 'robustmedsam',
  deviceSerialNumber: '1',
  softwareVersions: PRODUCT_VERSION,
};

const SOURCE_IMAGE_PURPOSE = code({
  value: '121322',
  scheme: 'DCM',
  meaning: 'Source image for image processing operation',
});
const SEGMENTATION_DERIVATION = code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' });
const CONTENT_LABEL = /^[A-Z0-9_ ]{1,16}$/;
/** DimensionIndexPointer / FunctionalGroupPointer values (AT). */
const TAG = {
  ReferencedSegmentNumber: 0x0062000b,
  SegmentIdentificationSequence: 0x0062000a,
  ImagePositionPatient: 0x00200032,
  PlanePositionSequence: 0x00209113,
};

/** A segment described from the organ table (codes.ts), e.g. segmentFromOrgan('liver', {...}). */
export function segmentFromOrgan(
  name: string,
  algorithm: { type: AlgorithmType; name?: string; version?: string },
): SegmentDescription {
  const entry = organ(name);
  if (!entry) {
    throw new DicomError(
      'unknown-organ',
      `"${name}" is not in the organ table.`,
      'Use one of the names in src/dicom/codes.ts ORGANS, or give SCT category and type codes yourself.',
    );
  }
  return {
    label: entry.label,
    codes: { category: entry.category, type: entry.type, typeModifier: entry.typeModifier },
    algorithmType: algorithm.type,
    algorithmName: algorithm.name,
    algorithmVersion: algorithm.version,
    color: entry.color,
  };
}

function code(c: CodedConcept): DicomDataset {
  return { CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning };
}

function invalid(message: string, hint = ''): DicomError {
  return new DicomError('invalid-segmentation', message, hint);
}

/** Checks everything the caller gives before anything is built. */
function validate(o: SegmentationOptions, type: SegmentationType): void {
  const { source, segments, masks } = o;
  const { rows, columns } = source.geometry;
  if (segments.length === 0) throw invalid('A segmentation needs at least one segment.');
  if (type === 'LABELMAP' && segments.length > 255) {
    throw invalid(
      `${segments.length} segments do not fit an 8-bit label map (at most 255).`,
      'Write BINARY.',
    );
  }
  if (masks.length !== segments.length) {
    throw invalid(`${segments.length} segments but ${masks.length} masks; give one mask per segment.`);
  }
  if (source.slices.length === 0) throw invalid('The source series has no slices.');
  if (!source.study.studyInstanceUID || !source.frameOfReferenceUID || !source.seriesInstanceUID) {
    throw invalid('The source lacks StudyInstanceUID, SeriesInstanceUID or FrameOfReferenceUID.');
  }
  for (const s of source.slices) {
    if (!s.sopClassUID || !s.sopInstanceUID)
      throw invalid('Every source slice needs its SOP Class and Instance UIDs.');
  }
  const voxels = source.slices.length * rows * columns;
  masks.forEach((m, k) => {
    if (m.length !== voxels) {
      throw invalid(
        `Mask ${k + 1} has ${m.length} voxels; ${source.slices.length} slices of ${rows}x${columns} need ${voxels}.`,
      );
    }
  });
  segments.forEach((s, k) => {
    const which = `Segment ${k + 1} (${s.label || 'no label'})`;
    if (!s.label.trim()) throw invalid(`${which} has no label.`);
    const labelProblem = longStringProblem(s.label);
    if (labelProblem)
      throw invalid(`${which}: its label cannot be a DICOM SegmentLabel (LO): ${labelProblem}.`);
    if (s.algorithmType !== 'MANUAL' && !s.algorithmName?.trim()) {
      throw invalid(`${which} is ${s.algorithmType} but has no algorithm name (required unless MANUAL).`);
    }
    for (const [role, c] of [
      ['category', s.codes.category],
      ['type', s.codes.type],
      ['type modifier', s.codes.typeModifier],
    ] as const) {
      if (!c) continue;
      if (!c.value || !c.scheme || !c.meaning) throw invalid(`${which}: its ${role} code is incomplete.`);
      if (c.scheme === 'SRT') {
        throw invalid(
          `${which}: its ${role} code uses the deprecated scheme SRT.`,
          'Use the SCT code instead.',
        );
      }
    }
    if (s.color && !s.color.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
      throw invalid(`${which}: its colour ${s.color.join(',')} is not three integers 0-255.`);
    }
  });
  const label = o.contentLabel ?? 'SEGMENTATION';
  if (!CONTENT_LABEL.test(label)) {
    throw invalid(
      `ContentLabel "${label}" is not a valid DICOM CS value.`,
      'Use at most 16 upper-case letters, digits, underscores and spaces, e.g. "LIVER_SEG".',
    );
  }
}

/**
 * The same mask bytes as 32-bit words, when the layout allows (aligned, slices a whole number of
 * words): emptiness and overlap scans then test four pixels at a time. Most of a mask is empty, so
 * this is where export spends its time on large series.
 */
function words(mask: Uint8Array, pixels: number): Uint32Array | undefined {
  if (mask.byteOffset % 4 !== 0 || pixels % 4 !== 0 || mask.length % 4 !== 0) return undefined;
  return new Uint32Array(mask.buffer, mask.byteOffset, mask.length / 4);
}

function isEmpty(
  mask: Uint8Array,
  maskWords: Uint32Array | undefined,
  start: number,
  count: number,
): boolean {
  if (maskWords) {
    for (let i = start / 4; i < (start + count) / 4; i++) if (maskWords[i] !== 0) return false;
    return true;
  }
  for (let i = start; i < start + count; i++) if (mask[i] !== 0) return false;
  return true;
}

/** Whether any pixel is inside two segments; only slices where both are non-empty are scanned. */
function anyOverlap(masks: Uint8Array[], nonEmpty: boolean[][], pixels: number): boolean {
  const maskWords = masks.map((m) => words(m, pixels));
  const slices = nonEmpty[0].length;
  for (let j = 0; j < masks.length; j++) {
    for (let k = j + 1; k < masks.length; k++) {
      const [a, b, aw, bw] = [masks[j], masks[k], maskWords[j], maskWords[k]];
      for (let z = 0; z < slices; z++) {
        if (!nonEmpty[j][z] || !nonEmpty[k][z]) continue;
        const start = z * pixels;
        if (aw && bw) {
          for (let w = start / 4; w < (start + pixels) / 4; w++) {
            if (aw[w] === 0 || bw[w] === 0) continue;
            for (let i = 4 * w; i < 4 * w + 4; i++) if (a[i] !== 0 && b[i] !== 0) return true;
          }
        } else {
          for (let i = start; i < start + pixels; i++) if (a[i] !== 0 && b[i] !== 0) return true;
        }
      }
    }
  }
  return false;
}

function segmentItem(s: SegmentDescription, number: number): DicomDataset {
  const type: DicomDataset = code(s.codes.type);
  if (s.codes.typeModifier) type.SegmentedPropertyTypeModifierCodeSequence = [code(s.codes.typeModifier)];
  const item: DicomDataset = {
    SegmentNumber: number,
    SegmentLabel: s.label,
    SegmentedPropertyCategoryCodeSequence: [code(s.codes.category)],
    SegmentedPropertyTypeCodeSequence: [type],
    SegmentAlgorithmType: s.algorithmType,
  };
  if (s.description) item.SegmentDescription = s.description;
  if (s.algorithmType !== 'MANUAL') {
    item.SegmentAlgorithmName = s.algorithmName;
    item.SegmentationAlgorithmIdentificationSequence = [
      {
        AlgorithmFamilyCodeSequence: [code(s.algorithmFamily ?? ALGORITHM_FAMILY.artificialIntelligence)],
        AlgorithmName: s.algorithmName,
        AlgorithmVersion: s.algorithmVersion || 'unknown',
      },
    ];
  }
  if (s.color) {
    const lab = dcmjs.data.Colors.rgb2DICOMLAB(s.color.map((v) => v / 255));
    item.RecommendedDisplayCIELabValue = lab.map((v) => Math.min(65535, Math.max(0, Math.round(v))));
  }
  return item;
}

interface FramePlan {
  /** 1-based segment number; 0 for label-map frames, which hold every segment. */
  segment: number;
  slice: number;
}

export class Segmentation {
  readonly type: SegmentationType;
  readonly sopInstanceUID: string;
  readonly seriesInstanceUID: string;
  /** Frames written (empty ones omitted). */
  readonly frameCount: number;
  readonly segmentsOverlap: boolean;
  /** The naturalised dataset, pixel data included. */
  readonly dataset: DicomDataset;

  constructor(options: SegmentationOptions) {
    const type = options.type ?? 'BINARY';
    validate(options, type);
    const { source, masks, segments } = options;
    const { rows, columns } = source.geometry;
    const pixels = rows * columns;
    const sliceCount = source.slices.length;
    const nonEmpty = masks.map((m) => {
      const maskWords = words(m, pixels);
      return Array.from({ length: sliceCount }, (_, z) => !isEmpty(m, maskWords, z * pixels, pixels));
    });
    this.segmentsOverlap = anyOverlap(masks, nonEmpty, pixels);
    if (type === 'LABELMAP' && this.segmentsOverlap) {
      throw invalid(
        'Segments overlap; a label map holds one segment per pixel.',
        'Write BINARY for overlapping segments.',
      );
    }

    // Frames: BINARY segment by segment, each in slice order; LABELMAP one per slice. Empty omitted.
    const plan: FramePlan[] = [];
    if (type === 'BINARY') {
      segments.forEach((_, k) => {
        for (let z = 0; z < sliceCount; z++) if (nonEmpty[k][z]) plan.push({ segment: k + 1, slice: z });
      });
    } else {
      for (let z = 0; z < sliceCount; z++)
        if (nonEmpty.some((e) => e[z])) plan.push({ segment: 0, slice: z });
    }
    // A SEG needs at least one frame: when every mask is empty (nothing found), keep one empty frame
    // (as highdicom does) so that "no finding" can still be saved and read back.
    if (plan.length === 0) plan.push({ segment: type === 'BINARY' ? 1 : 0, slice: 0 });
    this.type = type;
    this.frameCount = plan.length;
    this.sopInstanceUID = options.sopInstanceUID ?? newUid();
    this.seriesInstanceUID = options.seriesInstanceUID ?? newUid();
    const pixelData = type === 'BINARY' ? packBinary(plan, masks, pixels) : packLabelmap(plan, masks, pixels);
    this.dataset = this.build(options, type, plan, pixelData);
  }

  /** The Part 10 file (Explicit VR Little Endian), as bytes; works in Node and in browsers. */
  toBytes(): Uint8Array {
    return encodeDicom(this.dataset);
  }

  private build(
    o: SegmentationOptions,
    type: SegmentationType,
    plan: FramePlan[],
    pixelData: Uint8Array,
  ): DicomDataset {
    const { source } = o;
    const g = source.geometry;
    const at = o.createdAt ?? new Date();
    const equipment = { ...DEFAULT_EQUIPMENT, ...o.equipment };
    const binary = type === 'BINARY';
    // Derived from a caller-fixed SOP Instance UID so that reproducible outputs (the committed sample
    // truth SEGs) are byte-identical run to run; otherwise as fresh as the instance itself.
    const dimensionOrganizationUID = o.sopInstanceUID
      ? uidFromSeed(`${o.sopInstanceUID} dimension organization`)
      : newUid();
    const positionDimension = {
      DimensionOrganizationUID: dimensionOrganizationUID,
      DimensionIndexPointer: TAG.ImagePositionPatient,
      FunctionalGroupPointer: TAG.PlanePositionSequence,
      DimensionDescriptionLabel: 'Image Position Patient',
    };
    const multiFrame = multiFrameInstances(source);
    // Position index: 1-based rank of the slice in the source order (which is sorted along the normal).
    const perFrame = plan.map(({ segment, slice }) => {
      const s = source.slices[slice];
      const item: DicomDataset = {
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: s.sopClassUID,
                ReferencedSOPInstanceUID: s.sopInstanceUID,
                // Frames of a multi-frame source are told apart by number (1-based).
                ...(multiFrame.has(s.sopInstanceUID) ? { ReferencedFrameNumber: (s.frame ?? 0) + 1 } : {}),
                PurposeOfReferenceCodeSequence: [SOURCE_IMAGE_PURPOSE],
                SpatialLocationsPreserved: 'YES',
              },
            ],
            DerivationCodeSequence: [SEGMENTATION_DERIVATION],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: binary ? [segment, slice + 1] : [slice + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: s.imagePositionPatient.map(decimal) }],
      };
      if (binary) item.SegmentIdentificationSequence = [{ ReferencedSegmentNumber: segment }];
      return item;
    });
    const pixelMeasures: DicomDataset = {
      PixelSpacing: g.pixelSpacing.map(decimal),
      SliceThickness: decimal(g.sliceThickness ?? g.spacingBetweenSlices ?? 1),
    };
    // Only a regular stack has one spacing; for gaps or uneven steps a viewer must use the positions.
    if (g.spacingBetweenSlices !== undefined && evenlySpaced(source, g.spacingBetweenSlices))
      pixelMeasures.SpacingBetweenSlices = decimal(g.spacingBetweenSlices);

    return {
      _vrMap: { PixelData: 'OB' },
      // SOP Common
      SpecificCharacterSet: 'ISO_IR 192',
      SOPClassUID: binary ? SEGMENTATION_STORAGE : LABELMAP_SEGMENTATION_STORAGE,
      SOPInstanceUID: this.sopInstanceUID,
      InstanceCreationDate: dicomDate(at),
      InstanceCreationTime: dicomTime(at),
      // Patient and General Study: repeated from the source, so dcentvfy finds them consistent.
      PatientName: [patientNameOf(source.patient)],
      PatientID: source.patient.patientID,
      PatientBirthDate: source.patient.patientBirthDate,
      PatientSex: source.patient.patientSex,
      ...patientStudyExtras(source.inherited),
      StudyInstanceUID: source.study.studyInstanceUID,
      StudyDate: source.study.studyDate,
      StudyTime: source.study.studyTime,
      StudyID: source.study.studyID,
      AccessionNumber: source.study.accessionNumber,
      ReferringPhysicianName: [{ Alphabetic: source.study.referringPhysicianName }],
      StudyDescription: source.study.studyDescription,
      // General Series + Segmentation Series
      Modality: 'SEG',
      SeriesInstanceUID: this.seriesInstanceUID,
      SeriesNumber: o.seriesNumber ?? 300,
      SeriesDescription: o.seriesDescription ?? 'Segmentation',
      SeriesDate: dicomDate(at),
      SeriesTime: dicomTime(at),
      // Frame of Reference
      FrameOfReferenceUID: source.frameOfReferenceUID,
      PositionReferenceIndicator: '',
      // General and Enhanced General Equipment
      Manufacturer: equipment.manufacturer,
      ManufacturerModelName: equipment.manufacturerModelName,
      DeviceSerialNumber: equipment.deviceSerialNumber,
      SoftwareVersions: equipment.softwareVersions,
      // General Image, Segmentation Image
      InstanceNumber: o.instanceNumber ?? 1,
      ContentDate: dicomDate(at),
      ContentTime: dicomTime(at),
      ImageType: ['DERIVED', 'PRIMARY'],
      ContentLabel: o.contentLabel ?? 'SEGMENTATION',
      ContentDescription: o.contentDescription ?? 'Organ segmentation',
      ContentCreatorName: [{ Alphabetic: o.contentCreatorName ?? '' }],
      SegmentationType: type,
      SegmentsOverlap: this.segmentsOverlap ? 'YES' : 'NO',
      SegmentSequence: o.segments.map((s, k) => segmentItem(s, k + 1)),
      // Image Pixel
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: g.rows,
      Columns: g.columns,
      BitsAllocated: binary ? 1 : 8,
      BitsStored: binary ? 1 : 8,
      HighBit: binary ? 0 : 7,
      PixelRepresentation: 0,
      LossyImageCompression: '00',
      // Multi-frame Functional Groups and Dimensions
      NumberOfFrames: plan.length,
      SharedFunctionalGroupsSequence: [
        {
          PixelMeasuresSequence: [pixelMeasures],
          PlaneOrientationSequence: [{ ImageOrientationPatient: g.orientation.map(decimal) }],
        },
      ],
      PerFrameFunctionalGroupsSequence: perFrame,
      DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUID }],
      DimensionIndexSequence: binary
        ? [
            {
              DimensionOrganizationUID: dimensionOrganizationUID,
              DimensionIndexPointer: TAG.ReferencedSegmentNumber,
              FunctionalGroupPointer: TAG.SegmentIdentificationSequence,
              DimensionDescriptionLabel: 'Segment Number',
            },
            positionDimension,
          ]
        : [positionDimension],
      // Common Instance Reference: every source instance, whether or not a frame refers to it.
      ReferencedSeriesSequence: [
        {
          SeriesInstanceUID: source.seriesInstanceUID,
          ReferencedInstanceSequence: [
            ...new Map(source.slices.map((s) => [s.sopInstanceUID, s])).values(),
          ].map((s) => ({
            ReferencedSOPClassUID: s.sopClassUID,
            ReferencedSOPInstanceUID: s.sopInstanceUID,
          })),
        },
      ],
      // packBinary/packLabelmap allocate a buffer of exactly this length: no copy needed.
      PixelData: [pixelData.buffer],
    };
  }
}

/** SOP Instance UIDs of the source that hold several of its slices (enhanced multi-frame images). */
function multiFrameInstances(source: SegmentationSource): Set<string> {
  const seen = new Set<string>();
  const multi = new Set<string>();
  for (const s of source.slices) {
    if (seen.has(s.sopInstanceUID) || ENHANCED_IMAGE_SOP_CLASS_UIDS.has(s.sopClassUID))
      multi.add(s.sopInstanceUID);
    seen.add(s.sopInstanceUID);
  }
  return multi;
}

function evenlySpaced(source: SegmentationSource, spacing: number): boolean {
  const normal = sliceNormal(source.geometry.orientation);
  const along = source.slices.map((s) => dot(s.imagePositionPatient, normal));
  return along.every((a, i) => i === 0 || Math.abs(Math.abs(a - along[i - 1]) - spacing) <= 0.01 * spacing);
}

function packBinary(plan: FramePlan[], masks: Uint8Array[], pixels: number): Uint8Array {
  const out = new Uint8Array(packedLength(plan.length, pixels));
  for (const [f, { segment, slice }] of plan.entries())
    packFrame(masks[segment - 1], slice * pixels, pixels, out, f);
  return out;
}

function packLabelmap(plan: FramePlan[], masks: Uint8Array[], pixels: number): Uint8Array {
  const bytes = plan.length * pixels;
  const out = new Uint8Array(bytes + (bytes % 2));
  plan.forEach(({ slice }, f) => {
    masks.forEach((m, k) => {
      for (let i = 0; i < pixels; i++) if (m[slice * pixels + i] !== 0) out[f * pixels + i] = k + 1;
    });
  });
  return out;
}

function patientStudyExtras(inherited: DicomDataset | undefined): DicomDataset {
  const out: DicomDataset = {};
  for (const k of PATIENT_STUDY_INHERITED) if (inherited?.[k] !== undefined) out[k] = inherited[k];
  return out;
}
