/**
 * DICOM SEG in and out of a Cornerstone labelmap, through src/dicom's one SEG writer and reader.
 * Export gathers, per segment, a mask over the series' slices from the labelmap layers (resolving each
 * segment's layer and label value); load places a SEG's frames on the series and writes them into the
 * labelmap as one undo step.
 */

import { masksForSeries, parseSegmentation, type SegmentInfo } from '../dicom/seg-reader.ts';
import { Segmentation, type SegmentationType, type SegmentDescription } from '../dicom/seg-writer.ts';
import type { Series } from '../dicom/series.ts';
import { InputError } from '../errors.ts';
import {
  announce,
  pushSliceChanges,
  readLabelmapSlice,
  resolveLabelmapTarget,
  type SliceChange,
  writeLabelmapSlice,
} from './labelmap-bridge.ts';

export interface ExportSegmentOptions {
  segmentationId: string;
  series: Series;
  /** Cornerstone image ids of `series.slices`, same order. */
  imageIds: string[];
  /** Segments to write, with the Cornerstone segment index each is stored under. */
  segments: Array<{ segmentIndex: number; description: SegmentDescription }>;
  type?: SegmentationType;
  contentCreatorName?: string;
  seriesDescription?: string;
  softwareVersion?: string;
}

/** Writes the segmentation as DICOM SEG bytes; segments without any pixel are left out. */
export function exportSegmentation(options: ExportSegmentOptions): {
  bytes: Uint8Array;
  segmentsWritten: number;
} {
  const { series, imageIds, segmentationId } = options;
  if (imageIds.length !== series.slices.length) {
    throw new InputError(
      'series-mismatch',
      `${imageIds.length} images are shown but the series has ${series.slices.length} slices.`,
    );
  }
  const { rows, columns } = series.geometry;
  const pixels = rows * columns;
  const kept: Array<{ description: SegmentDescription; mask: Uint8Array }> = [];
  for (const { segmentIndex, description } of options.segments) {
    const mask = new Uint8Array(imageIds.length * pixels);
    let any = false;
    imageIds.forEach((imageId, z) => {
      const target = resolveLabelmapTarget(segmentationId, segmentIndex, imageId);
      const values = readLabelmapSlice(target.labelmapImageId);
      const offset = z * pixels;
      for (let i = 0; i < pixels; i++) {
        if (values[i] === target.labelValue) {
          mask[offset + i] = 1;
          any = true;
        }
      }
    });
    if (any) kept.push({ description, mask });
  }
  if (kept.length === 0) {
    throw new InputError(
      'empty-segmentation',
      'No segment has any pixel yet.',
      'Segment something before exporting.',
    );
  }
  const seg = new Segmentation({
    source: series,
    segments: kept.map((k) => k.description),
    masks: kept.map((k) => k.mask),
    type: options.type ?? 'BINARY',
    contentLabel: 'ROBUSTMEDSAM',
    contentDescription: 'Box-prompt segmentation',
    contentCreatorName: options.contentCreatorName ?? 'RobustMedSAM viewer',
    seriesDescription: options.seriesDescription ?? 'RobustMedSAM segmentation',
    equipment: options.softwareVersion ? { softwareVersions: options.softwareVersion } : undefined,
  });
  return { bytes: seg.toBytes(), segmentsWritten: kept.length };
}

export interface LoadedSegments {
  /** The SEG's segments, with the Cornerstone segment index each was written to. */
  segments: Array<{ segmentIndex: number; info: SegmentInfo }>;
  slicesChanged: number;
  /** Pixels where a later segment covered an earlier one (a single labelmap layer holds one label). */
  overlappingPixels: number;
}

/**
 * Reads a SEG made for `series` and writes its segments into the labelmap under `firstSegmentIndex`,
 * `firstSegmentIndex + 1`, ... (the caller registers them as segments). One undo step.
 */
export function loadSegmentation(options: {
  bytes: Uint8Array | ArrayBuffer;
  name: string;
  segmentationId: string;
  series: Series;
  imageIds: string[];
  firstSegmentIndex: number;
}): LoadedSegments {
  const { series, imageIds, segmentationId, firstSegmentIndex } = options;
  const parsed = parseSegmentation(options.bytes, options.name);
  const { masks } = masksForSeries(parsed, series);
  const { rows, columns } = series.geometry;
  const pixels = rows * columns;
  const changes: SliceChange[] = [];
  let overlappingPixels = 0;
  imageIds.forEach((imageId, z) => {
    const offset = z * pixels;
    const present = masks.filter((mask) => mask.subarray(offset, offset + pixels).includes(1));
    if (present.length === 0) return;
    // New segments have no layer binding yet, so they all land on the primary layer of this slice.
    const targets = masks.map((_, k) =>
      resolveLabelmapTarget(segmentationId, firstSegmentIndex + k, imageId),
    );
    const { labelmapImageId, sliceIndex } = targets[0];
    const before = readLabelmapSlice(labelmapImageId);
    const after = before.slice();
    masks.forEach((mask, k) => {
      const { labelValue } = targets[k];
      for (let i = 0; i < pixels; i++) {
        if (mask[offset + i] === 0) continue;
        if (after[i] !== before[i]) overlappingPixels++;
        after[i] = labelValue;
      }
    });
    writeLabelmapSlice(labelmapImageId, after);
    changes.push({ labelmapImageId, sliceIndex, before, after });
  });
  pushSliceChanges(segmentationId, changes, 'load-seg');
  announce(
    segmentationId,
    changes.map((c) => c.sliceIndex),
  );
  return {
    segments: parsed.segments.map((info, k) => ({ segmentIndex: firstSegmentIndex + k, info })),
    slicesChanged: changes.length,
    overlappingPixels,
  };
}
