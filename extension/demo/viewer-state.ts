/** The demo viewer's shared state and its message line. */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import type { Series } from '../../src/dicom/series.ts';
import type { RobustMedSamSession, SegHost } from '../src/index.ts';
import type { SegmentList } from './segment-list.ts';

export const VIEWPORT_ID = 'robustmedsam-viewport';
export const TOOL_GROUP_ID = 'robustmedsam-tools';
export const RENDERING_ENGINE_ID = 'robustmedsam-engine';

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** How the segmentation stores its labels: one derived image per slice, or one derived volume. */
export type LabelmapKind = 'image' | 'volume';

export interface LoadedSeries {
  name: string;
  series: Series;
  /** Cornerstone image ids, in the series' sorted order. */
  imageIds: string[];
  /** The series as a Cornerstone volume (created when a volume viewport or volume labelmap needs it). */
  volumeId: string;
  labelmapKind: LabelmapKind;
  files: Array<{ name: string; bytes: ArrayBuffer }>;
  /** SEG objects among the opened or dropped files (they are shown on the series). */
  segFiles: Array<{ name: string; bytes: ArrayBuffer }>;
  segmentationId: string;
}

export interface ViewerState {
  loaded: LoadedSeries | null;
  /** The RobustMedSAM session the toolbar drives, and where SEG exports go and loads come from. */
  session: RobustMedSamSession;
  segHost: SegHost;
  toolGroup: ToolsTypes.IToolGroup;
  segments: SegmentList;
  viewport: () => Types.IStackViewport;
}

export function setMessage(text: string, error = false): void {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', error);
}

export { describeError } from '../src/index.ts';
