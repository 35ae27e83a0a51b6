/**
 * The per-voxel half of SEG export and load, between labelmap slices and src/dicom's SEG writer and
 * reader. Pure and DOM-free: it runs in the segmenter's Web Worker, so the main thread only copies
 * labelmap slices out of Cornerstone's cache and writes back the slices made here (seg-io.ts).
 */
import {
  masksForSeries,
  parseSegmentation,
  type SegmentInfo,
  type SeriesLayout,
} from '../dicom/seg-reader.ts';
import {
  Segmentation,
  type SegmentationOptions,
  type SegmentationSource,
  type SegmentDescription,
} from '../dicom/seg-writer.ts';
import type { Series } from '../dicom/series.ts';
import { InputError } from '../errors.ts';
import { type LabelmapArray, PREVIEW_LABEL_VALUE } from './labelmap-compose.ts';

/**
 * What writing a SEG for a series and placing a SEG on it need, without the slices' pixel values:
 * small enough to post to the worker with every request.
 */
export type SegSeries = SegmentationSource & SeriesLayout;

/**
 * The SegSeries of a series read from files. The viewer builds the same from Cornerstone's metadata
 * (series-metadata.ts), where a host has image ids and no files.
 */
export function segSeries(series: Series): SegSeries {
  const g = series.geometry;
  return {
    seriesInstanceUID: series.seriesInstanceUID,
    frameOfReferenceUID: series.frameOfReferenceUID,
    patient: series.patient,
    study: series.study,
    geometry: {
      rows: g.rows,
      columns: g.columns,
      pixelSpacing: g.pixelSpacing,
      orientation: g.orientation,
      normal: g.normal,
      sliceThickness: g.sliceThickness,
      spacingBetweenSlices: g.spacingBetweenSlices,
    },
    slices: series.slices.map((s) => ({
      sopClassUID: s.sopClassUID,
      sopInstanceUID: s.sopInstanceUID,
      frame: s.frame,
      imagePositionPatient: s.imagePositionPatient,
      positionAlongNormal: s.positionAlongNormal,
    })),
    inherited: series.inherited,
  };
}

/** Where one segment's pixels are on one series slice. */
export interface SegmentPlace {
  /** Index into `labelSlices` of the layer the segment lives on for this slice. */
  labelSlice: number;
  /** The value the segment's pixels hold on that layer. */
  labelValue: number;
}

export interface SegWriteJob {
  series: SegSeries;
  /** Labelmap slices (the label values of one layer on one series slice), rows x columns each. */
  labelSlices: LabelmapArray[];
  segments: Array<{
    description: SegmentDescription;
    /** One place per series slice, in `series.slices` order. */
    places: SegmentPlace[];
  }>;
  /** How the SEG is written (type, content labels, equipment); source, segments and masks come from above. */
  writer: Omit<SegmentationOptions, 'source' | 'segments' | 'masks'>;
}

export interface SegWritten {
  bytes: Uint8Array;
  /** Segments without any pixel are left out. */
  segmentsWritten: number;
  /** The SEG's own SOP Instance UID: what a store reports, and what a retry stores again. */
  sopInstanceUID: string;
  /** The SEG's own series (new), in the study of its source. */
  segSeriesInstanceUID: string;
  studyInstanceUID: string;
}

/** One segment's mask over the series (slices x rows x columns, 1 inside), or null when it has no pixel. */
function segmentMask(job: SegWriteJob, places: SegmentPlace[]): Uint8Array | null {
  const { rows, columns } = job.series.geometry;
  const pixels = rows * columns;
  const mask = new Uint8Array(job.series.slices.length * pixels);
  let any = false;
  places.forEach(({ labelSlice, labelValue }, z) => {
    const values = job.labelSlices[labelSlice];
    const offset = z * pixels;
    for (let i = 0; i < pixels; i++) {
      if (values[i] === labelValue) {
        mask[offset + i] = 1;
        any = true;
      }
    }
  });
  return any ? mask : null;
}

function checkWriteJob(job: SegWriteJob): void {
  const { series, labelSlices } = job;
  const pixels = series.geometry.rows * series.geometry.columns;
  labelSlices.forEach((s, k) => {
    if (s.length !== pixels) {
      throw new RangeError(`labelmap slice ${k} has ${s.length} values; the series has ${pixels} per slice`);
    }
  });
  for (const { description, places } of job.segments) {
    if (places.length !== series.slices.length) {
      throw new RangeError(
        `segment ${description.label} has ${places.length} places for ${series.slices.length} slices`,
      );
    }
    for (const p of places) {
      if (!labelSlices[p.labelSlice]) throw new RangeError(`no labelmap slice ${p.labelSlice}`);
    }
  }
}

/** The SEG of the segments that have pixels; refuses a segmentation with none. */
export function writeSegFromLabelSlices(job: SegWriteJob): SegWritten {
  checkWriteJob(job);
  const kept: Array<{ description: SegmentDescription; mask: Uint8Array }> = [];
  for (const { description, places } of job.segments) {
    const mask = segmentMask(job, places);
    if (mask) kept.push({ description, mask });
  }
  if (kept.length === 0) {
    throw new InputError(
      'empty-segmentation',
      'No segment has any pixel yet.',
      'Segment something before exporting.',
    );
  }
  const seg = new Segmentation({
    ...job.writer,
    source: job.series,
    segments: kept.map((k) => k.description),
    masks: kept.map((k) => k.mask),
  });
  return {
    bytes: seg.toBytes(),
    segmentsWritten: kept.length,
    sopInstanceUID: seg.sopInstanceUID,
    segSeriesInstanceUID: seg.seriesInstanceUID,
    studyInstanceUID: job.series.study.studyInstanceUID,
  };
}

export interface SegReadJob {
  bytes: Uint8Array | ArrayBuffer;
  /** Names the SEG in error messages. */
  name: string;
  series: SegSeries;
}

export interface SegOnSeries {
  segments: SegmentInfo[];
  /** One mask per segment (SegmentSequence order): slices x rows x columns over series.slices, 0/1. */
  masks: Uint8Array[];
  /** Series slices that some segment has a pixel on, ascending: the labelmap slices a load changes. */
  slices: number[];
}

/** Reads a SEG and places it on the series; refuses one made for another series (see masksForSeries). */
export function readSegOnSeries(job: SegReadJob): SegOnSeries {
  const parsed = parseSegmentation(job.bytes, job.name);
  const { masks, frameSlices } = masksForSeries(parsed, job.series);
  const pixels = job.series.geometry.rows * job.series.geometry.columns;
  // Only slices a frame landed on can hold pixels; a frame may still be empty.
  const slices = [...new Set(frameSlices)]
    .sort((a, b) => a - b)
    .filter((z) => masks.some((m) => m.subarray(z * pixels, (z + 1) * pixels).includes(1)));
  return { segments: parsed.segments, masks, slices };
}

/** The highest segment index a load may use: the one above is the box tool's preview label. */
export const MAX_SEGMENT_INDEX = PREVIEW_LABEL_VALUE - 1;

/** Refuses a load whose segments would need indices past MAX_SEGMENT_INDEX after the ones already there. */
export function checkNewSegmentIndices(firstSegmentIndex: number, count: number, name: string): void {
  const last = firstSegmentIndex + count - 1;
  if (last > MAX_SEGMENT_INDEX) {
    throw new InputError(
      'too-many-segments',
      `${name} has ${count} segments; after the ${firstSegmentIndex - 1} already here they would need segment numbers up to ${last}, and a labelmap holds ${MAX_SEGMENT_INDEX}.`,
      'Load it into a new, empty segmentation.',
    );
  }
}

export interface SegComposeJob {
  /** SegOnSeries.masks. */
  masks: Uint8Array[];
  /** The labelmap slices a load changes, as they are now. */
  slices: Array<{
    /** The series slice (index into the masks' slices). */
    index: number;
    before: LabelmapArray;
    /** The label value each segment (masks order) is written with on this slice. */
    labelValues: number[];
  }>;
}

export interface SegComposed {
  /** Same order as the job's slices; `before` is the job's array, handed back for undo. */
  slices: Array<{ index: number; before: LabelmapArray; after: LabelmapArray }>;
  /** Pixels where a later segment covered an earlier one (a single labelmap layer holds one label). */
  overlappingPixels: number;
}

/** Writes every mask into its labelmap slice, later segments over earlier ones. */
export function composeSegIntoLabelSlices(job: SegComposeJob): SegComposed {
  let overlappingPixels = 0;
  const slices = job.slices.map(({ index, before, labelValues }) => {
    const pixels = before.length;
    if (labelValues.length !== job.masks.length) {
      throw new RangeError(`${labelValues.length} label values for ${job.masks.length} segments`);
    }
    const after = before.slice() as LabelmapArray;
    const offset = index * pixels;
    job.masks.forEach((mask, k) => {
      if (mask.length < offset + pixels) {
        throw new RangeError(`mask ${k} has no slice ${index} of ${pixels} pixels`);
      }
      const labelValue = labelValues[k];
      for (let i = 0; i < pixels; i++) {
        if (mask[offset + i] === 0) continue;
        if (after[i] !== before[i]) overlappingPixels++;
        after[i] = labelValue;
      }
    });
    return { index, before, after };
  });
  return { slices, overlappingPixels };
}
