/**
 * DICOM Segmentation reader: BINARY (frames may start mid-byte), FRACTIONAL (thresholded, the
 * threshold reported) and LABELMAP, uncompressed, deflated or RLE. parseSegmentation() reads the
 * object on its own (metadata and frames); masksForSeries() places its frames on the slices of a
 * read series, by SourceImageSequence first and ImagePositionPatient as the fallback.
 */
import dcmjs from 'dcmjs';
import { DicomError } from '../errors.ts';
import { packedLength, unpackFrame } from './bit-packing.ts';
import {
  ANATOMICAL_STRUCTURE,
  ANATOMICAL_STRUCTURE_LEGACY_VALUE,
  type CodedConcept,
  type SegmentCodes,
} from './codes.ts';
import { type DicomDataset, number, numbers, parseDicom, sequence, text } from './dataset.ts';
import { dot, type Orientation, POSITION_TOLERANCE_MM, sameOrientation, type Vec3 } from './geometry.ts';
import { decodeRleFrame } from './rle.ts';
import type { AlgorithmType } from './seg-writer.ts';
import type { Series, SeriesSlice } from './series.ts';
import { SEG_SOP_CLASS_UIDS } from './sop-classes.ts';
import {
  assertPixelsDecodable,
  EXPLICIT_VR_LITTLE_ENDIAN,
  RLE_LOSSLESS,
  transferSyntaxName,
} from './transfer-syntax.ts';

/** Fractional SEG pixels count as inside when value / MaximumFractionalValue >= this. */
export const DEFAULT_FRACTIONAL_THRESHOLD = 0.5;

export interface SegmentInfo {
  number: number;
  label: string;
  description?: string;
  codes: SegmentCodes;
  algorithmType: AlgorithmType | string;
  algorithmName?: string;
  algorithmVersion?: string;
  algorithmFamily?: CodedConcept;
  /** RecommendedDisplayCIELabValue as stored (DICOM scaled, 0-65535). */
  cielab?: [number, number, number];
  /** The same colour as sRGB 0-255 (rounded). */
  color?: [number, number, number];
}

export interface SegFrame {
  /** Segment number of a BINARY/FRACTIONAL frame; 0 for a label-map frame (it holds every segment). */
  segment: number;
  sourceSOPInstanceUID?: string;
  /** ReferencedFrameNumber (1-based) when the source is a multi-frame image. */
  sourceFrameNumber?: number;
  position?: Vec3;
}

export interface ParsedSegmentation {
  source: string;
  sopClassUID: string;
  sopInstanceUID: string;
  seriesInstanceUID: string;
  studyInstanceUID: string;
  frameOfReferenceUID: string;
  /** SeriesInstanceUIDs listed in ReferencedSeriesSequence. */
  referencedSeriesUIDs: string[];
  segmentationType: 'BINARY' | 'FRACTIONAL' | 'LABELMAP';
  /** For FRACTIONAL: the threshold applied (a fraction of MaximumFractionalValue). */
  threshold?: number;
  segmentsOverlap: string;
  contentLabel: string;
  contentDescription: string;
  contentCreatorName: string;
  rows: number;
  columns: number;
  orientation?: number[];
  segments: SegmentInfo[];
  frames: SegFrame[];
  /**
   * Writes frame `f` as 0/1 into out[start .. start + rows*columns) (OR-ing with what is there) for
   * `segment` (label-map frames hold several); returns how many pixels were set.
   */
  readFrame(f: number, out: Uint8Array, start: number, segment?: number): number;
}

function fail(code: string, message: string, hint = ''): DicomError {
  return new DicomError(code, message, hint);
}

function codedConcept(item: DicomDataset | undefined): CodedConcept | undefined {
  if (!item) return undefined;
  return {
    value: text(item, 'CodeValue'),
    scheme: text(item, 'CodingSchemeDesignator'),
    meaning: text(item, 'CodeMeaning'),
  };
}

function readSegment(item: DicomDataset, source: string): SegmentInfo {
  const number_ = number(item, 'SegmentNumber');
  let category = codedConcept(sequence(item, 'SegmentedPropertyCategoryCodeSequence')[0]);
  const typeItem = sequence(item, 'SegmentedPropertyTypeCodeSequence')[0];
  const type = codedConcept(typeItem);
  if (number_ === undefined || !category || !type) {
    throw fail(
      'seg-invalid-segment',
      `${source}: a segment lacks SegmentNumber or its category/type codes.`,
      'The SEG is not valid; ask its author for a corrected copy.',
    );
  }
  // Older tools write 123037004 for Anatomical Structure; report the current code.
  if (category.scheme === 'SCT' && category.value === ANATOMICAL_STRUCTURE_LEGACY_VALUE)
    category = ANATOMICAL_STRUCTURE;
  const modifier = codedConcept(sequence(typeItem, 'SegmentedPropertyTypeModifierCodeSequence')[0]);
  const algorithm = sequence(item, 'SegmentationAlgorithmIdentificationSequence')[0];
  const lab = numbers(item, 'RecommendedDisplayCIELabValue');
  const info: SegmentInfo = {
    number: number_,
    label: text(item, 'SegmentLabel'),
    codes: { category, type, ...(modifier ? { typeModifier: modifier } : {}) },
    algorithmType: text(item, 'SegmentAlgorithmType'),
  };
  const description = text(item, 'SegmentDescription');
  if (description) info.description = description;
  const algorithmName = text(item, 'SegmentAlgorithmName');
  if (algorithmName) info.algorithmName = algorithmName;
  const version = algorithm ? text(algorithm, 'AlgorithmVersion') : '';
  if (version) info.algorithmVersion = version;
  const family = algorithm ? codedConcept(sequence(algorithm, 'AlgorithmFamilyCodeSequence')[0]) : undefined;
  if (family) info.algorithmFamily = family;
  if (lab?.length === 3) {
    info.cielab = [lab[0], lab[1], lab[2]];
    const rgb = dcmjs.data.Colors.dicomlab2RGB(lab).map((v) =>
      Math.min(255, Math.max(0, Math.round(v * 255))),
    );
    info.color = [rgb[0], rgb[1], rgb[2]];
  }
  return info;
}

/** Functional group `keyword` of frame f: per-frame first, then shared. */
function functionalGroup(
  perFrame: DicomDataset | undefined,
  shared: DicomDataset | undefined,
  keyword: string,
) {
  return sequence(perFrame ?? {}, keyword)[0] ?? sequence(shared ?? {}, keyword)[0];
}

/** Parses a SEG file; `source` names it in errors. */
export function parseSegmentation(bytes: Uint8Array | ArrayBuffer, source: string): ParsedSegmentation {
  const { dataset: ds, transferSyntaxUID } = parseDicom(bytes, source);
  const sopClassUID = text(ds, 'SOPClassUID');
  if (!SEG_SOP_CLASS_UIDS.has(sopClassUID) || text(ds, 'Modality') !== 'SEG') {
    throw fail(
      'not-a-segmentation',
      `${source} is not a DICOM Segmentation (SOP class ${sopClassUID || 'missing'}, modality ${text(ds, 'Modality') || 'missing'}).`,
      'Pass a SEG object (Modality SEG).',
    );
  }
  assertPixelsDecodable(transferSyntaxUID, source);
  if (transferSyntaxUID.startsWith('1.2.840.10008.1.2.4.')) {
    // JPEG is decodable for images, but no SEG writer uses it (1-bit frames cannot be JPEG-coded).
    throw new DicomError(
      'unsupported-transfer-syntax',
      `${source}: a SEG in ${transferSyntaxName(transferSyntaxUID)} is not supported.`,
      `Convert it to ${transferSyntaxName(EXPLICIT_VR_LITTLE_ENDIAN)}, e.g. with \`dcmdjpeg IN OUT\`.`,
    );
  }
  const rows = number(ds, 'Rows') ?? 0;
  const columns = number(ds, 'Columns') ?? 0;
  const frameCount = number(ds, 'NumberOfFrames') ?? 1;
  const bitsAllocated = number(ds, 'BitsAllocated') ?? 0;
  const typeText = text(ds, 'SegmentationType');
  if (typeText !== 'BINARY' && typeText !== 'FRACTIONAL' && typeText !== 'LABELMAP') {
    throw fail(
      'seg-unsupported-type',
      `${source}: SegmentationType "${typeText}" is not BINARY, FRACTIONAL or LABELMAP.`,
    );
  }
  const expectedBits = typeText === 'BINARY' ? 1 : typeText === 'FRACTIONAL' ? 8 : undefined;
  if (
    rows <= 0 ||
    columns <= 0 ||
    (expectedBits !== undefined && bitsAllocated !== expectedBits) ||
    (typeText === 'LABELMAP' && bitsAllocated !== 8 && bitsAllocated !== 16)
  ) {
    throw fail(
      'seg-invalid-pixel-module',
      `${source}: ${typeText} SEG with Rows ${rows}, Columns ${columns}, BitsAllocated ${bitsAllocated}.`,
      'The SEG is not valid; ask its author for a corrected copy.',
    );
  }
  const segments = sequence(ds, 'SegmentSequence').map((item) => readSegment(item, source));
  if (segments.length === 0) throw fail('seg-no-segments', `${source} has an empty SegmentSequence.`);
  const shared = sequence(ds, 'SharedFunctionalGroupsSequence')[0];
  const perFrame = sequence(ds, 'PerFrameFunctionalGroupsSequence');
  if (perFrame.length !== frameCount) {
    throw fail(
      'seg-frame-count',
      `${source}: NumberOfFrames is ${frameCount} but there are ${perFrame.length} per-frame functional groups.`,
    );
  }
  const frames: SegFrame[] = perFrame.map((item, f) => {
    const identification = functionalGroup(item, shared, 'SegmentIdentificationSequence');
    const segment =
      typeText === 'LABELMAP' ? 0 : (number(identification ?? {}, 'ReferencedSegmentNumber') ?? 0);
    if (typeText !== 'LABELMAP' && !segments.some((s) => s.number === segment)) {
      throw fail(
        'seg-unknown-segment',
        `${source}: frame ${f + 1} refers to segment ${segment}, which is not described.`,
        'Its SegmentSequence lacks that segment: the SEG is damaged or was written incompletely.',
      );
    }
    const derivation = functionalGroup(item, shared, 'DerivationImageSequence');
    const sourceImage = derivation ? sequence(derivation, 'SourceImageSequence')[0] : undefined;
    const position = numbers(
      functionalGroup(item, shared, 'PlanePositionSequence') ?? {},
      'ImagePositionPatient',
    );
    return {
      segment,
      sourceSOPInstanceUID: sourceImage
        ? text(sourceImage, 'ReferencedSOPInstanceUID') || undefined
        : undefined,
      sourceFrameNumber: sourceImage ? number(sourceImage, 'ReferencedFrameNumber') : undefined,
      position: position?.length === 3 ? (position as Vec3) : undefined,
    };
  });
  const orientation = numbers(
    functionalGroup(undefined, shared, 'PlaneOrientationSequence') ?? {},
    'ImageOrientationPatient',
  );
  const maxFractional = number(ds, 'MaximumFractionalValue') ?? 255;
  const readFrame = frameReader(
    ds,
    transferSyntaxUID,
    typeText,
    { rows, columns, frameCount, bitsAllocated, maxFractional },
    source,
  );
  return {
    source,
    sopClassUID,
    sopInstanceUID: text(ds, 'SOPInstanceUID'),
    seriesInstanceUID: text(ds, 'SeriesInstanceUID'),
    studyInstanceUID: text(ds, 'StudyInstanceUID'),
    frameOfReferenceUID: text(ds, 'FrameOfReferenceUID'),
    referencedSeriesUIDs: sequence(ds, 'ReferencedSeriesSequence').map((s) => text(s, 'SeriesInstanceUID')),
    segmentationType: typeText,
    threshold: typeText === 'FRACTIONAL' ? DEFAULT_FRACTIONAL_THRESHOLD : undefined,
    segmentsOverlap: text(ds, 'SegmentsOverlap'),
    contentLabel: text(ds, 'ContentLabel'),
    contentDescription: text(ds, 'ContentDescription'),
    contentCreatorName: text(ds, 'ContentCreatorName'),
    rows,
    columns,
    orientation,
    segments,
    frames,
    readFrame,
  };
}

/** Builds readFrame for the pixel encoding at hand, after checking the pixel data length. */
function frameReader(
  ds: DicomDataset,
  transferSyntaxUID: string,
  type: 'BINARY' | 'FRACTIONAL' | 'LABELMAP',
  p: { rows: number; columns: number; frameCount: number; bitsAllocated: number; maxFractional: number },
  source: string,
): ParsedSegmentation['readFrame'] {
  const pixels = p.rows * p.columns;
  const fragments = (ds.PixelData as ArrayBuffer[] | undefined) ?? [];
  if (fragments.length === 0) {
    throw fail(
      'no-pixel-data',
      `${source} has no PixelData.`,
      'The SEG is damaged or cut short; get it again from its source.',
    );
  }
  const bytesPerPixel = p.bitsAllocated / 8;

  if (transferSyntaxUID === RLE_LOSSLESS) {
    // Encapsulated: one fragment per frame; 1-bit frames are each padded to whole bytes (PS3.5 G.2).
    if (fragments.length !== p.frameCount) {
      throw fail(
        'seg-pixel-data-length',
        `${source}: ${fragments.length} RLE fragments for ${p.frameCount} frames.`,
        'The SEG is truncated or its NumberOfFrames is wrong; it cannot be read safely.',
      );
    }
    return (f, out, start, segment) => {
      if (type === 'BINARY') {
        const bytes = decodeRleFrame(new Uint8Array(fragments[f]), Math.ceil(pixels / 8), 1, source);
        return unpackFrame(bytes, 0, pixels, out, start);
      }
      const bytes = decodeRleFrame(new Uint8Array(fragments[f]), pixels, Math.max(1, bytesPerPixel), source);
      return readValues(bytes, 0, out, start, segment);
    };
  }

  const data = fragments.length === 1 ? new Uint8Array(fragments[0]) : concatenate(fragments);
  const exact =
    type === 'BINARY' ? Math.ceil((p.frameCount * pixels) / 8) : p.frameCount * pixels * bytesPerPixel;
  const padded = type === 'BINARY' ? packedLength(p.frameCount, pixels) : exact + (exact % 2);
  if (data.byteLength !== exact && data.byteLength !== padded) {
    throw fail(
      'seg-pixel-data-length',
      `${source}: PixelData has ${data.byteLength} bytes; ${p.frameCount} ${type} frames of ${p.rows}x${p.columns} need ${padded}.`,
      'The SEG is truncated or its frame count is wrong; it cannot be read safely.',
    );
  }
  if (type === 'BINARY') return (f, out, start) => unpackFrame(data, f, pixels, out, start);
  return (f, out, start, segment) => readValues(data, f * pixels * bytesPerPixel, out, start, segment);

  function readValues(
    bytes: Uint8Array,
    offset: number,
    out: Uint8Array,
    start: number,
    segment?: number,
  ): number {
    let set = 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, pixels * bytesPerPixel);
    for (let i = 0; i < pixels; i++) {
      const v = bytesPerPixel === 2 ? view.getUint16(2 * i, true) : view.getUint8(i);
      const inside =
        type === 'FRACTIONAL'
          ? v / p.maxFractional >= DEFAULT_FRACTIONAL_THRESHOLD
          : v !== 0 && v === segment;
      if (inside) {
        out[start + i] = 1;
        set++;
      }
    }
    return set;
  }
}

function concatenate(buffers: ArrayBuffer[]): Uint8Array {
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** Per segment (in SegmentSequence order): voxel count and the referenced source instances. */
export interface SegmentSummary {
  segment: number;
  voxels: number;
  sopInstanceUIDs: string[];
}

/** Counts voxels per segment without a series (for seg-info). */
export function summarizeSegments(seg: ParsedSegmentation): SegmentSummary[] {
  const scratch = new Uint8Array(seg.rows * seg.columns);
  return seg.segments.map((s) => {
    let voxels = 0;
    const uids: string[] = [];
    seg.frames.forEach((frame, f) => {
      if (frame.segment !== 0 && frame.segment !== s.number) return;
      scratch.fill(0);
      const n = seg.readFrame(f, scratch, 0, s.number);
      if (n === 0 && frame.segment === 0) return;
      voxels += n;
      if (frame.sourceSOPInstanceUID && !uids.includes(frame.sourceSOPInstanceUID))
        uids.push(frame.sourceSOPInstanceUID);
    });
    return { segment: s.number, voxels, sopInstanceUIDs: uids };
  });
}

export interface SeriesMasks {
  /** One mask per segment (SegmentSequence order): slices x rows x columns over series.slices, 0/1. */
  masks: Uint8Array[];
  /** For each frame, the index of its slice in series.slices. */
  frameSlices: number[];
  /** How the frames were placed: by SourceImageSequence or by ImagePositionPatient. */
  mappedBy: 'source-image' | 'position';
}

/** What placing frames needs from a series: a read Series satisfies it; a viewer can build it. */
export interface SeriesLayout {
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  geometry: Pick<Series['geometry'], 'rows' | 'columns' | 'orientation' | 'normal' | 'spacingBetweenSlices'>;
  /** `frame` (0-based) matters for slices that are frames of one multi-frame instance. */
  slices: Array<Pick<SeriesSlice, 'sopInstanceUID' | 'positionAlongNormal'> & { frame?: number }>;
}

/**
 * Places the SEG's frames on the slices of `series`. Refuses a SEG made for another series or frame
 * of reference, or of another size, rather than placing masks on the wrong images.
 */
export function masksForSeries(seg: ParsedSegmentation, series: SeriesLayout): SeriesMasks {
  const { rows, columns } = series.geometry;
  if (seg.frameOfReferenceUID && seg.frameOfReferenceUID !== series.frameOfReferenceUID) {
    throw fail(
      'seg-other-frame-of-reference',
      `${seg.source} is in frame of reference ${seg.frameOfReferenceUID}, the series in ${series.frameOfReferenceUID}.`,
      'Load the SEG with the series it was made from.',
    );
  }
  if (seg.referencedSeriesUIDs.length > 0 && !seg.referencedSeriesUIDs.includes(series.seriesInstanceUID)) {
    throw fail(
      'seg-other-series',
      `${seg.source} refers to series ${seg.referencedSeriesUIDs.join(', ')}, not ${series.seriesInstanceUID}.`,
      'Load the SEG with the series it was made from.',
    );
  }
  if (
    seg.orientation?.length === 6 &&
    !sameOrientation(seg.orientation as Orientation, series.geometry.orientation)
  ) {
    throw fail(
      'seg-other-orientation',
      `${seg.source} is oriented ${seg.orientation.join('\\')}, the series ${series.geometry.orientation.join('\\')}.`,
      'Only SEGs in the acquisition plane of their series can be placed on it.',
    );
  }
  if (seg.rows !== rows || seg.columns !== columns) {
    throw fail(
      'seg-size-mismatch',
      `${seg.source} has ${seg.rows}x${seg.columns} frames; the series has ${rows}x${columns} slices.`,
      'Load the SEG with the series it was made from.',
    );
  }
  // A source reference names an instance, plus a frame number for multi-frame instances.
  const byFrame = new Map(series.slices.map((s, i) => [`${s.sopInstanceUID}#${(s.frame ?? 0) + 1}`, i]));
  const framesOf = new Map<string, number>();
  for (const s of series.slices) framesOf.set(s.sopInstanceUID, (framesOf.get(s.sopInstanceUID) ?? 0) + 1);
  const bySource = (uid: string | undefined, frameNumber: number | undefined) => {
    if (!uid) return undefined;
    if (frameNumber !== undefined) return byFrame.get(`${uid}#${frameNumber}`);
    return framesOf.get(uid) === 1 ? byFrame.get(`${uid}#1`) : undefined;
  };
  const spacing = series.geometry.spacingBetweenSlices;
  const tolerance = spacing ? Math.max(POSITION_TOLERANCE_MM, 0.1 * spacing) : 0.01;
  let usedPosition = false;
  const frameSlices = seg.frames.map((frame, f) => {
    const referenced = bySource(frame.sourceSOPInstanceUID, frame.sourceFrameNumber);
    if (referenced !== undefined) return referenced;
    if (frame.position) {
      const along = dot(frame.position, series.geometry.normal);
      const index = series.slices.findIndex((s) => Math.abs(s.positionAlongNormal - along) <= tolerance);
      if (index >= 0) {
        usedPosition = true;
        return index;
      }
    }
    throw fail(
      'seg-frame-unmapped',
      `${seg.source}: frame ${f + 1} matches no slice of the series (source image ${frame.sourceSOPInstanceUID ?? 'not given'}, position ${frame.position?.join('\\') ?? 'not given'}).`,
      'The SEG refers to images that are not in this series folder; load it with the full series it was made from.',
    );
  });
  const pixels = rows * columns;
  const masks = seg.segments.map(() => new Uint8Array(series.slices.length * pixels));
  seg.frames.forEach((frame, f) => {
    const start = frameSlices[f] * pixels;
    if (frame.segment === 0) {
      for (const [k, s] of seg.segments.entries()) seg.readFrame(f, masks[k], start, s.number);
    } else {
      seg.readFrame(f, masks[seg.segments.findIndex((s) => s.number === frame.segment)], start);
    }
  });
  return { masks, frameSlices, mappedBy: usedPosition ? 'position' : 'source-image' };
}
