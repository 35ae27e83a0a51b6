/**
 * DICOM SEG in and out of a Cornerstone labelmap. The main thread only copies labelmap slices out of
 * Cornerstone's cache (resolving each segment's layer and label value) and writes back whole slices;
 * the segmenter's worker does every per-voxel step through seg-compose.ts and src/dicom's one SEG
 * writer and reader. A load is one undo step. The series is read from Cornerstone's metadata for the
 * image ids given (series-metadata.ts), so a host needs image ids only, whether the images came from
 * files or from DICOMweb.
 */

import type { SegmentInfo } from '../dicom/seg-reader.ts';
import type { SegmentationType, SegmentDescription } from '../dicom/seg-writer.ts';
import {
  announce,
  pushSliceChanges,
  readLabelmapSlice,
  resolveLabelmapTarget,
  type SliceChange,
  writeLabelmapSlice,
} from './labelmap-bridge.ts';
import type { LabelmapArray } from './labelmap-compose.ts';
import {
  checkNewSegmentIndices,
  type SegComposeJob,
  type SegmentPlace,
  type SegWritten,
} from './seg-compose.ts';
import type { SegmenterClient } from './segmenter-client.ts';
import { segSeriesFromMetadata } from './series-metadata.ts';

/** The worker calls SEG export and load use. */
export type SegWorker = Pick<SegmenterClient, 'writeSeg' | 'readSeg' | 'composeSeg'>;

export interface ExportSegmentOptions {
  segmentationId: string;
  /** Cornerstone image ids of the series' images, in any order (the SEG lists them along the normal). */
  imageIds: string[];
  /** Segments to write, with the Cornerstone segment index each is stored under. */
  segments: Array<{ segmentIndex: number; description: SegmentDescription }>;
  type?: SegmentationType;
  contentCreatorName?: string;
  seriesDescription?: string;
  softwareVersion?: string;
}

/** Writes the segmentation as DICOM SEG bytes; segments without any pixel are left out. */
export async function exportSegmentation(
  worker: SegWorker,
  options: ExportSegmentOptions,
): Promise<SegWritten & { seriesInstanceUID: string }> {
  const { segmentationId } = options;
  const { series, imageIds } = segSeriesFromMetadata(options.imageIds);
  // Each labelmap slice is copied once, however many segments share its layer.
  const labelSlices: LabelmapArray[] = [];
  const labelSliceOf = new Map<string, number>();
  const segments = options.segments.map(({ segmentIndex, description }) => ({
    description,
    places: imageIds.map((imageId): SegmentPlace => {
      const { labelmapImageId, labelValue } = resolveLabelmapTarget(segmentationId, segmentIndex, imageId);
      let labelSlice = labelSliceOf.get(labelmapImageId);
      if (labelSlice === undefined) {
        labelSlice = labelSlices.push(readLabelmapSlice(labelmapImageId)) - 1;
        labelSliceOf.set(labelmapImageId, labelSlice);
      }
      return { labelSlice, labelValue };
    }),
  }));
  const written = await worker.writeSeg({
    series,
    labelSlices,
    segments,
    writer: {
      type: options.type ?? 'BINARY',
      contentLabel: 'ROBUSTMEDSAM',
      contentDescription: 'Box-prompt segmentation',
      contentCreatorName: options.contentCreatorName ?? 'RobustMedSAM viewer',
      seriesDescription: options.seriesDescription ?? 'RobustMedSAM segmentation',
      equipment: options.softwareVersion ? { softwareVersions: options.softwareVersion } : undefined,
    },
  });
  return { ...written, seriesInstanceUID: series.seriesInstanceUID };
}

export interface LoadedSegments {
  /** The SEG's segments, with the Cornerstone segment index each was written to. */
  segments: Array<{ segmentIndex: number; info: SegmentInfo }>;
  slicesChanged: number;
  /** Pixels where a later segment covered an earlier one (a single labelmap layer holds one label). */
  overlappingPixels: number;
}

/**
 * Reads a SEG made for the series of `imageIds` (any order) and writes its segments into the labelmap under `firstSegmentIndex`,
 * `firstSegmentIndex + 1`, ... (the caller registers them as segments). One undo step.
 */
export async function loadSegmentation(
  worker: SegWorker,
  options: {
    bytes: Uint8Array | ArrayBuffer;
    name: string;
    segmentationId: string;
    imageIds: string[];
    firstSegmentIndex: number;
  },
): Promise<LoadedSegments> {
  const { segmentationId, firstSegmentIndex } = options;
  const { series, imageIds } = segSeriesFromMetadata(options.imageIds);
  const placed = await worker.readSeg({ bytes: options.bytes, name: options.name, series });
  checkNewSegmentIndices(firstSegmentIndex, placed.segments.length, options.name);
  // Only the slices the SEG covers are copied out, composed in the worker and written back.
  const targets = placed.slices.map((z) => {
    const bySegment = placed.segments.map((_, k) =>
      resolveLabelmapTarget(segmentationId, firstSegmentIndex + k, imageIds[z]),
    );
    // New segments have no layer binding yet, so they all land on the primary layer of this slice.
    return {
      z,
      labelmapImageId: bySegment[0].labelmapImageId,
      sliceIndex: bySegment[0].sliceIndex,
      bySegment,
    };
  });
  const job: SegComposeJob = {
    masks: placed.masks,
    slices: targets.map(({ z, labelmapImageId, bySegment }) => ({
      index: z,
      before: readLabelmapSlice(labelmapImageId),
      labelValues: bySegment.map((t) => t.labelValue),
    })),
  };
  const composed = await worker.composeSeg(job);
  const changes: SliceChange[] = composed.slices.map(({ before, after }, k) => {
    const { labelmapImageId, sliceIndex } = targets[k];
    writeLabelmapSlice(labelmapImageId, after);
    return { labelmapImageId, sliceIndex, before, after };
  });
  pushSliceChanges(segmentationId, changes, 'load-seg');
  announce(
    segmentationId,
    changes.map((c) => c.sliceIndex),
  );
  return {
    segments: placed.segments.map((info, k) => ({ segmentIndex: firstSegmentIndex + k, info })),
    slicesChanged: changes.length,
    overlappingPixels: composed.overlappingPixels,
  };
}
