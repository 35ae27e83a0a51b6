/**
 * Read-only views of the demo's state for the end-to-end tests and the benchmark, as
 * `window.__viewer`: labelmap contents, the slice shown, timings, the last preview, where an image
 * pixel is on the page, and the SegSeries SEG export and load build from Cornerstone's metadata (to be
 * held against what src/dicom reads from the same files in Node). Nothing here changes the viewer.
 */
import { cache } from '@cornerstonejs/core';
import { segmentation } from '@cornerstonejs/tools';
import type { PreviewEventDetail } from '../../src/cornerstone/box-prompt-controller.ts';
import { pixelToWorld } from '../../src/cornerstone/image-plane.ts';
import { resolveLabelmapTarget } from '../../src/cornerstone/labelmap-bridge.ts';
import { segSeriesFromMetadata } from '../../src/cornerstone/series-metadata.ts';
import type { ViewerState } from './viewer-state.ts';

export function installTestHooks(state: ViewerState): void {
  const viewport = () => state.viewport();
  let lastPreview: PreviewEventDetail | null = null;
  state.session.controller.on('preview', (detail) => {
    lastPreview = detail;
  });
  const notices: string[] = [];
  state.session.on('notice', (message) => notices.push(message));
  /** The labelmap values of the slice showing `imageId` (the first segment's layer), whatever the kind. */
  const labelmapValues = (imageId: string): ArrayLike<number> => {
    const { labelmapImageId } = resolveLabelmapTarget(state.loaded!.segmentationId, 1, imageId);
    return cache.getImage(labelmapImageId)!.voxelManager!.getScalarData() as ArrayLike<number>;
  };
  (window as unknown as { __viewer: unknown }).__viewer = {
    state,
    cache,
    segmentation,
    /**
     * Voxels of one label value over the whole series as bits (slice-major, pixel i -> bit i % 8 of
     * byte i / 8), base64: one cheap call instead of an array of numbers per slice.
     */
    labelVolumeBits(label: number): string {
      const loaded = state.loaded!;
      const pixels = loaded.series.geometry.rows * loaded.series.geometry.columns;
      const bits = new Uint8Array(Math.ceil((loaded.imageIds.length * pixels) / 8));
      loaded.imageIds.forEach((imageId, z) => {
        const values = labelmapValues(imageId);
        for (let i = 0; i < pixels; i++) {
          if (values[i] === label) bits[(z * pixels + i) >> 3] |= 1 << ((z * pixels + i) & 7);
        }
      });
      let binary = '';
      for (let i = 0; i < bits.length; i += 0x8000)
        binary += String.fromCharCode(...bits.subarray(i, i + 0x8000));
      return btoa(binary);
    },
    labelmapSlice(index: number): number[] {
      return Array.from(labelmapValues(state.loaded!.imageIds[index]));
    },
    /** Index in the series' sorted slices of the slice shown. */
    currentIndex: () => state.loaded?.imageIds.indexOf(viewport().getCurrentImageId()) ?? -1,
    timings: () => state.session.timings,
    /** Remembered encodings: what is stored, and the engine's encoder runs and remembered reads. */
    encodings: () => state.session.encodingsStats(),
    /** The session's notices so far (remembered encodings turned memory-only). */
    notices: () => [...notices],
    lastPreview: () => lastPreview,
    /** Page (client) coordinates of image pixel (x = column, y = row) on the slice shown. */
    imageToClient(x: number, y: number): [number, number] {
      const world = pixelToWorld(viewport().getCurrentImageId(), x, y);
      const [cx, cy] = viewport().worldToCanvas(world);
      const rect = viewport().canvas.getBoundingClientRect();
      return [rect.left + cx, rect.top + cy];
    },
    /** The SegSeries SEG export and load use for the series shown, and its image ids in slice order. */
    segSeriesFromMetadata() {
      if (!state.loaded) throw new Error('No series is shown.');
      return segSeriesFromMetadata(state.loaded.imageIds);
    },
  };
}
