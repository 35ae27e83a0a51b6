/** The demo viewer's shared state and its message line. */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import type { DicomWebSeriesRef } from '../../src/dicom/dicomweb/urls.ts';
import type { Series } from '../../src/dicom/series.ts';
import type { SeriesIdentity } from '../../src/dicom/series-assembly.ts';
import type { RobustMedSamSession, SegHost } from '../src/index.ts';
import type { SegmentList } from './segment-list.ts';

export const VIEWPORT_ID = 'robustmedsam-viewport';
export const TOOL_GROUP_ID = 'robustmedsam-tools';
export const RENDERING_ENGINE_ID = 'robustmedsam-engine';

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** How the segmentation stores its labels: one derived image per slice, or one derived volume. */
export type LabelmapKind = 'image' | 'volume';

/** Where a shown series came from, so that it can be opened again (a new labelmap kind). */
export type SeriesSource =
  | { kind: 'files'; files: Array<{ name: string; bytes: ArrayBuffer }> }
  | { kind: 'dicomweb'; ref: DicomWebSeriesRef };

export interface LoadedSeries {
  name: string;
  /** What the series is (identity, patient, study, geometry), whatever it was read from. */
  series: SeriesIdentity & { warnings: string[] };
  /** The series as src/dicom read it from files, pixels included; null for a DICOMweb series. */
  read: Series | null;
  /** Cornerstone image ids, in the series' sorted order. */
  imageIds: string[];
  /** The series as a Cornerstone volume (created when a volume viewport or volume labelmap needs it). */
  volumeId: string;
  labelmapKind: LabelmapKind;
  source: SeriesSource;
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
  /** The PACS panel (pacs-panel.ts): "Save SEG to PACS" from the toolbar. */
  pacs?: { save(): Promise<void> };
}

export function setMessage(text: string, error = false): void {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', error);
}

export { describeError } from '../src/index.ts';
