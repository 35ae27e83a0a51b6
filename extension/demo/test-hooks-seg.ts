/**
 * Read-only hooks on SEG export and load for the end-to-end tests, spread into `window.__viewer` by
 * main.ts: what the viewer builds from Cornerstone's metadata, for the tests to hold against what
 * src/dicom reads from the same files in Node.
 */
import { type SeriesFromMetadata, segSeriesFromMetadata } from '../../src/cornerstone/series-metadata.ts';
import type { ViewerState } from './viewer-state.ts';

export function segTestHooks(state: ViewerState): { segSeriesFromMetadata(): SeriesFromMetadata } {
  return {
    /** The SegSeries SEG export and load use for the series shown, and its image ids in slice order. */
    segSeriesFromMetadata() {
      if (!state.loaded) throw new Error('No series is shown.');
      return segSeriesFromMetadata(state.loaded.imageIds);
    },
  };
}
