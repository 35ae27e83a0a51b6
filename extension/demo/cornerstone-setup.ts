/**
 * Cornerstone3D for the demo: initialisation, one viewport (stack, or volume in the acquisition plane)
 * with its tool group, and series loading (files -> sorted series -> image ids -> labelmap segmentation).
 */
import {
  Enums as CoreEnums,
  init as coreInit,
  utilities as csUtilities,
  imageLoader,
  RenderingEngine,
  type Types,
  volumeLoader,
} from '@cornerstonejs/core';
import { init as dicomLoaderInit, wadouri } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  PanTool,
  StackScrollTool,
  segmentation,
  ToolGroupManager,
  Enums as ToolsEnums,
  init as toolsInit,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { parseDicom, text } from '../../src/dicom/dataset.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { SEG_SOP_CLASS_UIDS } from '../../src/dicom/sop-classes.ts';
import { loadImageCodecs } from './image-codecs.ts';
import { loaderHeadersFor } from './pacs-headers.ts';
import {
  $,
  type LabelmapKind,
  type LoadedSeries,
  RENDERING_ENGINE_ID,
  TOOL_GROUP_ID,
  VIEWPORT_ID,
  type ViewerState,
} from './viewer-state.ts';

export async function setUpCornerstone() {
  await coreInit();
  toolsInit();
  // One decode worker: the machine's cores belong to the segmenter. DICOMweb credentials, when the
  // user gave some, go with the loader's requests to that server only.
  dicomLoaderInit({
    maxWebWorkers: 1,
    beforeSend: (_xhr: XMLHttpRequest, imageId: string) => loaderHeadersFor(imageId),
  });
  const renderingEngine = new RenderingEngine(RENDERING_ENGINE_ID);
  const element = $('viewport') as HTMLDivElement;
  element.oncontextmenu = (e) => e.preventDefault();
  new ResizeObserver(() => renderingEngine.resize(true, true)).observe(element);

  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) addTool(tool);
  const toolGroup = ToolGroupManager.createToolGroup(TOOL_GROUP_ID)!;
  toolGroup.addTool(WindowLevelTool.toolName);
  toolGroup.addTool(PanTool.toolName);
  toolGroup.addTool(ZoomTool.toolName);
  toolGroup.addTool(StackScrollTool.toolName);
  toolGroup.setToolActive(StackScrollTool.toolName, {
    bindings: [{ mouseButton: ToolsEnums.MouseBindings.Wheel }],
  });
  toolGroup.setToolActive(PanTool.toolName, {
    bindings: [{ mouseButton: ToolsEnums.MouseBindings.Auxiliary }],
  });
  toolGroup.setToolActive(ZoomTool.toolName, {
    bindings: [{ mouseButton: ToolsEnums.MouseBindings.Secondary }],
  });
  return { renderingEngine, element, toolGroup };
}

export type ViewKind = 'stack' | 'volume';

/**
 * (Re)creates the viewport as a stack viewport or as a volume viewport in the acquisition plane, shows
 * the series on it at `index`, and adds the segmentation. Both kinds show an image labelmap; a volume
 * labelmap shows on the volume viewport only (Cornerstone's stack viewports draw image labelmaps).
 */
export async function showSeries(
  cs: Awaited<ReturnType<typeof setUpCornerstone>>,
  loaded: LoadedSeries,
  kind: ViewKind,
  index: number,
): Promise<Types.IStackViewport> {
  const { renderingEngine, element, toolGroup } = cs;
  if (renderingEngine.getViewport(VIEWPORT_ID)) {
    toolGroup.removeViewports(RENDERING_ENGINE_ID, VIEWPORT_ID);
    renderingEngine.disableElement(VIEWPORT_ID);
  }
  renderingEngine.enableElement({
    viewportId: VIEWPORT_ID,
    type: kind === 'stack' ? CoreEnums.ViewportType.STACK : CoreEnums.ViewportType.ORTHOGRAPHIC,
    element,
    defaultOptions: kind === 'volume' ? { orientation: CoreEnums.OrientationAxis.ACQUISITION } : undefined,
  });
  toolGroup.addViewport(VIEWPORT_ID, RENDERING_ENGINE_ID);
  const viewport = renderingEngine.getViewport(VIEWPORT_ID);
  if (kind === 'stack') {
    await (viewport as Types.IStackViewport).setStack(loaded.imageIds, index);
  } else {
    await volumeLoader.createAndCacheVolumeFromImages(loaded.volumeId, loaded.imageIds);
    const volumeViewport = viewport as Types.IVolumeViewport;
    await volumeViewport.setVolumes([{ volumeId: loaded.volumeId }]);
    // The volume counts slices along its view direction, which may run opposite to the series order.
    const wanted = loaded.imageIds[index];
    await csUtilities.jumpToSlice(element, { imageIndex: index });
    if (volumeViewport.getCurrentImageId() !== wanted) {
      await csUtilities.jumpToSlice(element, { imageIndex: loaded.imageIds.length - 1 - index });
    }
  }
  await segmentation.addLabelmapRepresentationToViewport(VIEWPORT_ID, [
    { segmentationId: loaded.segmentationId },
  ]);
  segmentation.activeSegmentation.setActiveSegmentation(VIEWPORT_ID, loaded.segmentationId);
  viewport.render();
  return viewport as Types.IStackViewport;
}

/**
 * Reads the files as one series (sorted along the slice normal by src/dicom), registers them, and
 * creates an empty segmentation whose labelmap is of `labelmapKind`.
 */
export async function loadSeriesFiles(
  name: string,
  files: Array<{ name: string; bytes: ArrayBuffer }>,
  state: ViewerState,
  labelmapKind: LabelmapKind,
): Promise<LoadedSeries> {
  await loadImageCodecs();
  const series = readSeries(files.map((f) => ({ name: f.name, bytes: f.bytes })));
  const byName = new Map(files.map((f) => [f.name, f]));
  const sliceSources = new Set(series.slices.map((s) => s.source));
  const segFiles = files.filter((f) => !sliceSources.has(f.name) && isSeg(f));
  // One registration per file; the frames of an enhanced multi-frame file are addressed as
  // `?frame=N` (1-based in dicom-image-loader), else every slice would show the file's first frame.
  const fileIds = new Map<string, string>();
  const framesIn = new Map<string, number>();
  for (const s of series.slices) framesIn.set(s.source, (framesIn.get(s.source) ?? 0) + 1);
  const imageIds = series.slices.map((s) => {
    let id = fileIds.get(s.source);
    if (!id) {
      id = wadouri.fileManager.add(new Blob([byName.get(s.source)!.bytes]));
      fileIds.set(s.source, id);
    }
    return framesIn.get(s.source)! > 1 ? `${id}?frame=${s.frame + 1}` : id;
  });
  await Promise.all(imageIds.map((id) => imageLoader.loadAndCacheImage(id)));
  return withSegmentation(state, labelmapKind, {
    name,
    series,
    read: series,
    imageIds,
    source: { kind: 'files', files },
    segFiles,
  });
}

/**
 * The loaded series with a new, empty segmentation whose labelmap is of `labelmapKind` (the
 * previous series' segmentation is removed). Its images must be loaded already.
 */
export async function withSegmentation(
  state: ViewerState,
  labelmapKind: LabelmapKind,
  loaded: Omit<LoadedSeries, 'segmentationId' | 'volumeId' | 'labelmapKind'>,
): Promise<LoadedSeries> {
  const { series, imageIds } = loaded;
  if (state.loaded) segmentation.removeSegmentation(state.loaded.segmentationId);

  const segmentationId = `robustmedsam-${series.seriesInstanceUID}-${Date.now()}`;
  const volumeId = `robustmedsam-volume:${series.seriesInstanceUID}:${segmentationId}`;
  segmentation.addSegmentations([
    {
      segmentationId,
      representation: {
        type: ToolsEnums.SegmentationRepresentations.Labelmap,
        data: await createLabelmap(labelmapKind, imageIds, volumeId, segmentationId),
      },
      config: { label: `RobustMedSAM ${series.seriesDescription}`.trim() },
    },
  ]);
  return { ...loaded, volumeId, labelmapKind, segmentationId };
}

/** An empty labelmap for the series: derived images per slice, or a volume derived from the series' volume. */
async function createLabelmap(
  kind: LabelmapKind,
  imageIds: string[],
  volumeId: string,
  segmentationId: string,
): Promise<
  { imageIds: string[]; referencedImageIds: string[] } | { volumeId: string; referencedVolumeId: string }
> {
  if (kind === 'image') {
    const labelmaps = imageLoader.createAndCacheDerivedLabelmapImages(imageIds);
    return { imageIds: labelmaps.map((image) => image.imageId), referencedImageIds: imageIds };
  }
  await volumeLoader.createAndCacheVolumeFromImages(volumeId, imageIds);
  const labelmap = volumeLoader.createAndCacheDerivedLabelmapVolume(volumeId, {
    volumeId: `${segmentationId}-labelmap`,
  });
  return { volumeId: labelmap.volumeId, referencedVolumeId: volumeId };
}

export function isSeg(file: { name: string; bytes: ArrayBuffer }): boolean {
  try {
    return SEG_SOP_CLASS_UIDS.has(text(parseDicom(file.bytes, file.name).dataset, 'SOPClassUID'));
  } catch {
    return false;
  }
}
