/**
 * Reading and writing whole labelmap slices of a Cornerstone3D v5 segmentation, through its labelmap
 * resolvers (a segment may live on any of several labelmap layers, under its own label value), and
 * undo memos that restore whole slices. Writes are bulk copies of arrays the worker composed.
 * A layer is either a list of labelmap images (one per source slice) or a labelmap volume
 * (`volumeLoader.createAndCacheDerivedLabelmapVolume`); both keep one cached image per slice.
 */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import { InputError } from '../errors.ts';
import type { LabelmapArray } from './labelmap-compose.ts';
import { core, tools } from './libraries.ts';

/** One labelmap slice that a segment can be written to. */
export interface LabelmapTarget {
  segmentationId: string;
  segmentIndex: number;
  /** The source image the slice belongs to. */
  referencedImageId: string;
  labelmapImageId: string;
  /**
   * The slice number Cornerstone's data-modified event expects for this layer: the index of the
   * referenced image in the segmentation's referenced image list, or for a labelmap volume the
   * slice's index in the volume.
   */
  sliceIndex: number;
  labelValue: number;
  lockedLabelValues: number[];
}

type LabelmapData = ToolsTypes.Segmentation['representationData']['Labelmap'];
type LabelmapLayer = NonNullable<NonNullable<LabelmapData>['labelmaps']>[string];

function labelmapData(segmentationId: string): NonNullable<LabelmapData> {
  const seg = tools().segmentation.state.getSegmentation(segmentationId);
  const data = seg?.representationData?.Labelmap;
  if (!seg || !data) {
    throw new InputError('no-labelmap', `Segmentation ${segmentationId} has no labelmap representation.`);
  }
  return data;
}

/**
 * The value a segment's pixels hold in its labelmap layer. Cornerstone 5.14 may bind a segment to another
 * value on another layer (segmentBindings); 5.6, and every segment without a binding, stores the
 * segment index itself. Read from the state directly: 5.6 has no helper for it.
 */
function labelValueForSegment(segmentationId: string, segmentIndex: number): number {
  const binding = labelmapData(segmentationId).segmentBindings?.[segmentIndex] as
    | { labelValue?: number }
    | undefined;
  return binding?.labelValue ?? segmentIndex;
}

/** The layer (labelmap id) a segment is bound to, or undefined for the primary layer. */
function layerIdForSegment(segmentationId: string, segmentIndex: number): string | undefined {
  const data = labelmapData(segmentationId);
  return data.segmentBindings?.[segmentIndex]?.labelmapId ?? data.primaryLabelmapId;
}

/**
 * A labelmap volume's slices: its images and the source image each one labels, in the volume's slice
 * order. Cornerstone v5's image resolvers (`getLabelmapImageIdsForImageId`) only map layers that list
 * their images, and a layer registered as `{ volumeId }` lists none: its slices are found here.
 */
function volumeSlices(volumeId: string): { imageIds: string[]; referencedImageIds: string[] } {
  const { cache } = core();
  const volume = cache.getVolume(volumeId);
  const imageIds = volume?.imageIds ?? [];
  if (!volume || imageIds.length === 0) {
    throw new InputError(
      'no-labelmap-slice',
      `Labelmap volume ${volumeId} is not in the cache or has no per-slice images.`,
      'Create labelmap volumes with volumeLoader.createAndCacheDerivedLabelmapVolume from the series volume.',
    );
  }
  const referencedImageIds = imageIds.map(
    (id, k) => volume.referencedImageIds?.[k] ?? cache.getImage(id)?.referencedImageId ?? '',
  );
  return { imageIds, referencedImageIds };
}

function layersOf(segmentationId: string): LabelmapLayer[] {
  return Object.values(labelmapData(segmentationId).labelmaps ?? {});
}

/** Every referenced (source) image id of the segmentation, in slice order. */
export function referencedImageIds(segmentationId: string): string[] {
  const data = labelmapData(segmentationId);
  if (data.referencedImageIds?.length) return data.referencedImageIds;
  for (const layer of layersOf(segmentationId)) {
    if (layer.referencedImageIds?.length) return layer.referencedImageIds;
    if (layer.volumeId && !layer.imageIds?.length) return volumeSlices(layer.volumeId).referencedImageIds;
  }
  // Legacy single-layer stack segmentations: derived images remember their source.
  return (data.imageIds ?? []).map((id) => core().cache.getImage(id)?.referencedImageId ?? id);
}

/**
 * The labelmap slices for one source image, each with the layer it belongs to and its slice number
 * (see LabelmapTarget.sliceIndex): Cornerstone's resolver for image layers, the volume for volume layers.
 */
function labelmapSlicesFor(
  segmentationId: string,
  referencedImageId: string,
): Array<{ labelmapImageId: string; layer: LabelmapLayer | undefined; sliceIndex: number }> {
  const layers = layersOf(segmentationId);
  const imageLayerSlice = referencedImageIds(segmentationId).indexOf(referencedImageId);
  const slices = (
    tools().segmentation.getLabelmapImageIdsForImageId(referencedImageId, segmentationId) ?? []
  ).map((labelmapImageId) => ({
    labelmapImageId,
    layer: layers.find((l) => l.imageIds?.includes(labelmapImageId)),
    sliceIndex: imageLayerSlice,
  }));
  for (const layer of layers) {
    if (!layer.volumeId || layer.imageIds?.length) continue;
    const volume = volumeSlices(layer.volumeId);
    const k = volume.referencedImageIds.indexOf(referencedImageId);
    if (k >= 0) slices.push({ labelmapImageId: volume.imageIds[k], layer, sliceIndex: k });
  }
  return slices;
}

export function resolveLabelmapTarget(
  segmentationId: string,
  segmentIndex: number,
  referencedImageId: string,
): LabelmapTarget {
  const seg = tools().segmentation.state.getSegmentation(segmentationId);
  if (!seg) throw new InputError('no-segmentation', `Segmentation ${segmentationId} does not exist.`);
  const candidates = labelmapSlicesFor(segmentationId, referencedImageId);
  if (candidates.length === 0) {
    throw new InputError(
      'no-labelmap-slice',
      `Segmentation ${segmentationId} has no labelmap slice for image ${referencedImageId}.`,
      'Create the segmentation on the series shown in the viewport.',
    );
  }
  const layerId = layerIdForSegment(segmentationId, segmentIndex);
  const slice = candidates.find((c) => c.layer?.labelmapId === layerId) ?? candidates[0];
  const labelValue = labelValueForSegment(segmentationId, segmentIndex);
  const lockedLabelValues = tools()
    .segmentation.segmentLocking.getLockedSegmentIndices(segmentationId)
    .filter((index) => layerIdForSegment(segmentationId, index) === layerId)
    .map((index) => labelValueForSegment(segmentationId, index));
  return {
    segmentationId,
    segmentIndex,
    referencedImageId,
    labelmapImageId: slice.labelmapImageId,
    sliceIndex: slice.sliceIndex,
    labelValue,
    lockedLabelValues,
  };
}

function labelmapVoxels(labelmapImageId: string): Types.IVoxelManager<number> {
  const image = core().cache.getImage(labelmapImageId);
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

/** Whether any labelmap slice of the segmentation holds the segment (stops at the first voxel). */
export function segmentHasVoxels(segmentationId: string, segmentIndex: number): boolean {
  return referencedImageIds(segmentationId).some((imageId) => {
    const { labelmapImageId, labelValue } = resolveLabelmapTarget(segmentationId, segmentIndex, imageId);
    return (labelmapVoxels(labelmapImageId).getScalarData() as unknown as LabelmapArray).includes(labelValue);
  });
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
  const { segmentation, utilities } = tools();
  utilities.segmentation.triggerSegmentationRenderBySegmentationId(segmentationId);
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
  const { utilities } = core();
  const memo = {
    id: `robustmedsam-${label}-${utilities.uuidv4()}`,
    operationType: 'labelmap',
    restoreMemo(undo?: boolean) {
      for (const c of changes) writeLabelmapSlice(c.labelmapImageId, undo ? c.before : c.after);
      announce(
        segmentationId,
        changes.map((c) => c.sliceIndex),
      );
    },
  };
  utilities.HistoryMemo.DefaultHistoryMemo.push(memo);
}
