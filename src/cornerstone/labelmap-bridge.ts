/**
 * Reading and writing whole labelmap slices of a Cornerstone3D v5 segmentation, through its labelmap
 * resolvers (a segment may live on any of several labelmap layers, under its own label value), and
 * undo memos that restore whole slices. Writes are bulk copies of arrays the worker composed.
 */
import { cache, utilities as csUtilities, type Types } from '@cornerstonejs/core';
import { segmentation, Enums as ToolsEnums, utilities as toolsUtilities } from '@cornerstonejs/tools';
import { InputError } from '../errors.ts';
import type { LabelmapArray } from './labelmap-compose.ts';

/** Label value the preview is painted with (Cornerstone's own labelmap tools use 255 too). */
export const PREVIEW_LABEL_VALUE = 255;

/** One labelmap slice that a segment can be written to. */
export interface LabelmapTarget {
  segmentationId: string;
  segmentIndex: number;
  /** The source image the slice belongs to. */
  referencedImageId: string;
  labelmapImageId: string;
  /** Index of the referenced image in the segmentation's referenced image list (the slice number). */
  sliceIndex: number;
  labelValue: number;
  lockedLabelValues: number[];
}

type LabelmapData = NonNullable<
  ReturnType<typeof segmentation.state.getSegmentation>
>['representationData']['Labelmap'];

function labelmapData(segmentationId: string): NonNullable<LabelmapData> {
  const seg = segmentation.state.getSegmentation(segmentationId);
  const data = seg?.representationData?.[ToolsEnums.SegmentationRepresentations.Labelmap];
  if (!seg || !data) {
    throw new InputError('no-labelmap', `Segmentation ${segmentationId} has no labelmap representation.`);
  }
  return data;
}

/** The layer (labelmap id) a segment is bound to, or undefined for the primary layer. */
function layerIdForSegment(segmentationId: string, segmentIndex: number): string | undefined {
  const data = labelmapData(segmentationId);
  return data.segmentBindings?.[segmentIndex]?.labelmapId ?? data.primaryLabelmapId;
}

/** Every referenced (source) image id of the segmentation, in slice order. */
export function referencedImageIds(segmentationId: string): string[] {
  const data = labelmapData(segmentationId);
  if (data.referencedImageIds?.length) return data.referencedImageIds;
  const layers = Object.values(data.labelmaps ?? {});
  const fromLayer = layers.find((l) => l.referencedImageIds?.length)?.referencedImageIds;
  if (fromLayer) return fromLayer;
  // Legacy single-layer stack segmentations: derived images remember their source.
  return (data.imageIds ?? []).map((id) => cache.getImage(id)?.referencedImageId ?? id);
}

export function resolveLabelmapTarget(
  segmentationId: string,
  segmentIndex: number,
  referencedImageId: string,
): LabelmapTarget {
  const seg = segmentation.state.getSegmentation(segmentationId);
  if (!seg) throw new InputError('no-segmentation', `Segmentation ${segmentationId} does not exist.`);
  const candidates = segmentation.getLabelmapImageIdsForImageId(referencedImageId, segmentationId) ?? [];
  if (candidates.length === 0) {
    throw new InputError(
      'no-labelmap-slice',
      `Segmentation ${segmentationId} has no labelmap slice for image ${referencedImageId}.`,
      'Create the segmentation on the series shown in the viewport.',
    );
  }
  const layerId = layerIdForSegment(segmentationId, segmentIndex);
  const layer = layerId ? labelmapData(segmentationId).labelmaps?.[layerId] : undefined;
  const labelmapImageId = candidates.find((id) => layer?.imageIds?.includes(id)) ?? candidates[0];
  const labelValue = segmentation.helpers.getLabelValueForSegment(seg, segmentIndex);
  const lockedLabelValues = segmentation.segmentLocking
    .getLockedSegmentIndices(segmentationId)
    .filter((index) => layerIdForSegment(segmentationId, index) === layerId)
    .map((index) => segmentation.helpers.getLabelValueForSegment(seg, index));
  const sliceIndex = referencedImageIds(segmentationId).indexOf(referencedImageId);
  return {
    segmentationId,
    segmentIndex,
    referencedImageId,
    labelmapImageId,
    sliceIndex,
    labelValue,
    lockedLabelValues,
  };
}

function labelmapVoxels(labelmapImageId: string): Types.IVoxelManager<number> {
  const image = cache.getImage(labelmapImageId);
  if (!image?.voxelManager) {
    throw new InputError('no-labelmap-slice', `Labelmap image ${labelmapImageId} is not in the cache.`);
  }
  return image.voxelManager as Types.IVoxelManager<number>;
}

/** A copy of the slice's label values. */
export function readLabelmapSlice(labelmapImageId: string): LabelmapArray {
  const data = labelmapVoxels(labelmapImageId).getScalarData() as unknown as LabelmapArray;
  return data.slice() as LabelmapArray;
}

/** Replaces the slice's label values (same length) without announcing it; see `announce`. */
export function writeLabelmapSlice(labelmapImageId: string, values: ArrayLike<number>): void {
  const voxels = labelmapVoxels(labelmapImageId);
  const data = voxels.getScalarData() as unknown as LabelmapArray;
  if (data.length !== values.length) {
    throw new RangeError(`labelmap slice has ${data.length} values, got ${values.length}`);
  }
  data.set(values);
}

/**
 * Tells Cornerstone (renderers, listeners, SEG export state) which slices changed, so that the change
 * costs one viewport render.
 *
 * Cornerstone answers a data-modified event twice: its stack labelmap listener copies the slice into the
 * labelmap actor and asks the rendering engine for a render next frame, and the segmentation rendering
 * engine asks for its own pass next frame, which ends in another viewport render. Animation frames run
 * in request order, so when the viewport render comes first the segmentation pass's render misses it
 * and costs a second frame (a full WebGL render, ~100 ms on software GL). Asking for the segmentation
 * pass first lets its render join the pending viewport render: one render, after which Cornerstone
 * reports SEGMENTATION_RENDERED.
 */
export function announce(segmentationId: string, sliceIndices: number[], segmentIndex?: number): void {
  toolsUtilities.segmentation.triggerSegmentationRenderBySegmentationId(segmentationId);
  segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(
    segmentationId,
    sliceIndices,
    segmentIndex,
  );
}

export interface SliceChange {
  labelmapImageId: string;
  sliceIndex: number;
  before: LabelmapArray;
  after: LabelmapArray;
}

/**
 * One undo step over whole slices (a box mask, or every slice of a propagation). Follows Cornerstone's
 * history memo shape, so `DefaultHistoryMemo.undo()/redo()` (Ctrl+Z in OHIF) restore it.
 */
export function pushSliceChanges(segmentationId: string, changes: SliceChange[], label: string): void {
  if (changes.length === 0) return;
  const memo = {
    id: `robustmedsam-${label}-${csUtilities.uuidv4()}`,
    operationType: 'labelmap',
    restoreMemo(undo?: boolean) {
      for (const c of changes) writeLabelmapSlice(c.labelmapImageId, undo ? c.before : c.after);
      announce(
        segmentationId,
        changes.map((c) => c.sliceIndex),
      );
    },
  };
  csUtilities.HistoryMemo.DefaultHistoryMemo.push(memo);
}
