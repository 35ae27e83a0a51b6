/**
 * The SEG host the extension uses when the app gives none: it works from Cornerstone's state alone, so
 * Export SEG and Load SEG work in OHIF out of the box. Export writes the active viewport's active
 * segmentation, one SEG segment per segment in Cornerstone's segmentation state (label from the state,
 * colour from the viewport's colour LUT, codes from the organ table when the label names an organ), and
 * offers it as a download. Load reads a SEG the user picks into the active segmentation under new
 * segment indices, and registers those segments in Cornerstone's state with the SEG's labels and
 * colours, where OHIF's segmentation panel (or any list that follows the state) shows them.
 */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import { segmentHasVoxels } from '../../src/cornerstone/labelmap-bridge.ts';
import { PREVIEW_LABEL_VALUE } from '../../src/cornerstone/labelmap-compose.ts';
import { core, tools } from '../../src/cornerstone/libraries.ts';
import { exportSegmentation, loadSegmentation } from '../../src/cornerstone/seg-io.ts';
import type { SegmentDescription } from '../../src/dicom/seg-writer.ts';
import { longString, segmentIdentity } from '../../src/dicom/segment-identity.ts';
import { InputError } from '../../src/errors.ts';
import { PRODUCT_VERSION as VERSION } from '../../src/version.ts';
import type { SegHost } from './ohif-extension.ts';
import type { OutboxEntry, SegOutbox } from './seg-outbox.ts';
import type { RobustMedSamSession } from './session.ts';

type Rgb = [number, number, number];

/** A place SEG objects are stored (OHIF's active data source, when it can store: ohif-host.ts). */
export interface SegStore {
  /** Whether a store would be attempted now (else the SEG is downloaded). */
  canStore(): boolean;
  /** Stores the Part 10 bytes; resolves to the name of where they went. */
  store(bytes: Uint8Array): Promise<string>;
  /** Which PACS a store goes to now (a DICOMweb root): outbox entries are retried where they were meant to go. */
  target(): string;
}

export interface DefaultSegHostOptions {
  /**
   * Where exports go first, when it can store now; a failed store falls back to the download, so the
   * SEG is never lost.
   */
  store?: SegStore;
  /** Hands the SEG's bytes to the user; default: a download named `name`. */
  saveFile?(bytes: Uint8Array, name: string): void | Promise<void>;
  /** Asks the user for a SEG file; undefined when they cancel. Default: the browser's file picker. */
  pickFile?(): Promise<{ bytes: Uint8Array; name: string } | undefined>;
  /**
   * Tells the user what an export or load did (a line such as "Exported 2 segments ..."); 'warning'
   * when it did less than asked but lost nothing (a store failed, so the SEG was downloaded instead).
   */
  notify?(message: string, level?: 'info' | 'warning'): void;
  /**
   * The outbox (seg-outbox.ts) that keeps SEGs a store failed on, for `retrySaves`; without one, or
   * when it cannot be opened, a failed store only downloads the SEG.
   */
  outbox?(): Promise<SegOutbox>;
}

/** A segment as Cornerstone's state holds it, with its colour from the viewport's colour LUT. */
export interface CornerstoneSegment {
  segmentIndex: number;
  label: string;
  /** sRGB 0-255 (alpha dropped); undefined when the viewport's LUT has none. */
  color?: Rgb;
  locked: boolean;
}

/**
 * The SEG description of a Cornerstone segment: the organ table's codes when its label names an organ,
 * else the generic Tissue concept (the CLI's choice for any other label); the colour shown on screen.
 */
export function describeSegment(
  segment: Omit<CornerstoneSegment, 'locked'>,
  algorithm: { name: string; version: string },
): SegmentDescription {
  const identity = segmentIdentity(segment.label.trim() || `Segment ${segment.segmentIndex}`);
  const color = segment.color ?? identity.color;
  return {
    label: longString(identity.label),
    codes: identity.codes,
    ...(color ? { color } : {}),
    algorithmType: 'SEMIAUTOMATIC',
    algorithmName: longString(algorithm.name),
    algorithmVersion: algorithm.version,
  };
}

/** Offers bytes as a download through an object URL and an `<a download>`. */
export function downloadFile(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes.slice().buffer], { type: 'application/dicom' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The download has started by then; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Asks for one DICOM file through a transient file input; undefined when the user cancels. */
export function pickDicomFile(): Promise<{ bytes: Uint8Array; name: string } | undefined> {
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = '.dcm,application/dicom';
  input.hidden = true;
  document.body.append(input);
  return new Promise<{ bytes: Uint8Array; name: string } | undefined>((resolve, reject) => {
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return resolve(undefined);
      file
        .arrayBuffer()
        .then((buffer) => resolve({ bytes: new Uint8Array(buffer), name: file.name }), reject);
    });
    input.addEventListener('cancel', () => resolve(undefined));
    input.click();
  }).finally(() => input.remove());
}

interface Target {
  viewport: Types.IStackViewport;
  imageIds: string[];
  segmentation: ToolsTypes.Segmentation;
}

/** The active viewport, the image ids it shows and its active segmentation, or a typed refusal. */
function targetOf(session: RobustMedSamSession): Target {
  const viewport = session.host.getViewport();
  const imageIds = viewport?.getImageIds() ?? [];
  if (!viewport || imageIds.length === 0) {
    throw new InputError(
      'no-viewport',
      'No viewport shows a series.',
      'Open a series in a viewport and click it, then try again.',
    );
  }
  const active = tools().segmentation.activeSegmentation.getActiveSegmentation(viewport.id);
  if (!active) {
    throw new InputError(
      'no-active-segmentation',
      `The active viewport (${viewport.id}) has no active segmentation.`,
      'Create a segmentation for the series (or select one in the segmentation panel), then try again.',
    );
  }
  return { viewport, imageIds, segmentation: active };
}

/**
 * The segments of a segmentation in Cornerstone's state, by index, each in the colour the viewport
 * shows it (the box tool's preview label is not a segment). The default SEG host exports these; a
 * segment list (the demo's) shows them.
 */
export function segmentsInState(viewportId: string, segmentationId: string): CornerstoneSegment[] {
  const { segmentation } = tools();
  const seg = segmentation.state.getSegmentation(segmentationId);
  if (!seg) return [];
  return Object.values(seg.segments)
    .filter((s) => s.segmentIndex > 0 && s.segmentIndex !== PREVIEW_LABEL_VALUE)
    .sort((a, b) => a.segmentIndex - b.segmentIndex)
    .map((s) => {
      const lut = segmentation.config.color.getSegmentIndexColor(viewportId, segmentationId, s.segmentIndex);
      return {
        segmentIndex: s.segmentIndex,
        label: s.label,
        ...(lut ? { color: [lut[0], lut[1], lut[2]] as Rgb } : {}),
        locked: s.locked,
      };
    });
}

/** Adds segments to the segmentation's state, keeping those it holds. */
function registerSegments(segmentationId: string, added: Record<number, ToolsTypes.Segment>): void {
  const { segmentation } = tools();
  const current = segmentation.state.getSegmentation(segmentationId);
  if (!current) return;
  segmentation.updateSegmentations([
    { segmentationId, payload: { segments: { ...current.segments, ...added } } },
  ]);
}

/** How long after a load its segments are kept in the state against stale writes (see keepRegistered). */
const KEEP_REGISTERED_MS = 30_000;

/**
 * OHIF 3.13's segmentation panel recomputes segment statistics a second after every labelmap change
 * and then writes back the segment list it read before computing, which on a large labelmap takes
 * seconds: segments a SEG load adds meanwhile vanish from the state (their voxels stay, unlabelled).
 * Seen after a propagation over 40 slices. For a while after a load, segments that vanish this way are
 * put back; a segment whose voxels were removed with it (deleted by the user) is left alone.
 */
function keepRegistered(segmentationId: string, added: Record<number, ToolsTypes.Segment>, ms: number): void {
  const { eventTarget } = core();
  const { Events } = tools().Enums;
  const check = (event: Event) => {
    if ((event as CustomEvent<{ segmentationId?: string }>).detail?.segmentationId !== segmentationId) return;
    const current = tools().segmentation.state.getSegmentation(segmentationId);
    if (!current) return stop();
    const lost = Object.keys(added).filter(
      (index) => !current.segments[Number(index)] && segmentHasVoxels(segmentationId, Number(index)),
    );
    if (lost.length > 0) {
      registerSegments(
        segmentationId,
        Object.fromEntries(lost.map((index) => [index, added[Number(index)]])),
      );
    }
  };
  const stop = () => eventTarget.removeEventListener(Events.SEGMENTATION_MODIFIED, check);
  eventTarget.addEventListener(Events.SEGMENTATION_MODIFIED, check);
  setTimeout(stop, ms);
}

/**
 * Why a store failed, as the data source's client reports it: OHIF's DICOMweb client rejects with an
 * Error carrying the HTTP `status` and the answer's `response`; a short text answer (a proxy's "PACS
 * cannot be reached") says more than the client's "request failed".
 */
function describeFailure(error: unknown): string {
  const e = error as { message?: string; status?: number; response?: unknown };
  let said = '';
  if (typeof e?.response === 'string') said = e.response;
  else if (e?.response instanceof ArrayBuffer && e.response.byteLength <= 2048)
    said = new TextDecoder().decode(e.response);
  said = said.trim().replace(/\s+/g, ' ');
  if (said.length > 300 || said.startsWith('{') || said.startsWith('<')) said = '';
  return [e?.status ? `HTTP ${e.status}` : '', e?.message ?? String(error), said].filter(Boolean).join(': ');
}

export function createDefaultSegHost(options: DefaultSegHostOptions = {}): SegHost {
  const saveFile = options.saveFile ?? downloadFile;
  const pickFile = options.pickFile ?? pickDicomFile;
  const notify = options.notify ?? (() => undefined);
  let outboxOpened: Promise<SegOutbox | undefined> | undefined;
  /** The outbox, opened once; undefined when there is none or the browser refuses it. */
  const openOutbox = (): Promise<SegOutbox | undefined> => {
    outboxOpened ??= options.outbox ? options.outbox().catch(() => undefined) : Promise.resolve(undefined);
    return outboxOpened;
  };
  /** Puts a SEG in the outbox; false when it could not be kept there (it was downloaded anyway). */
  const keep = async (entry: OutboxEntry): Promise<boolean> => {
    try {
      const outbox = await openOutbox();
      if (!outbox) return false;
      await outbox.put(entry);
      return true;
    } catch {
      return false;
    }
  };

  const load = async (session: RobustMedSamSession, file: { bytes: Uint8Array; name: string }) => {
    const { segmentation } = tools();
    const { viewport, imageIds, segmentation: seg } = targetOf(session);
    const existing = segmentsInState(viewport.id, seg.segmentationId).map((s) => s.segmentIndex);
    const firstSegmentIndex = Math.max(0, ...existing) + 1;
    const result = await loadSegmentation(session.client, {
      bytes: file.bytes,
      name: file.name,
      segmentationId: seg.segmentationId,
      imageIds,
      firstSegmentIndex,
    });
    // Colours first: whoever redraws on the segmentation's change finds them in the LUT already.
    for (const { segmentIndex, info } of result.segments) {
      if (info.color) {
        segmentation.config.color.setSegmentIndexColor(viewport.id, seg.segmentationId, segmentIndex, [
          ...info.color,
          255,
        ]);
      }
    }
    const added: Record<number, ToolsTypes.Segment> = Object.fromEntries(
      result.segments.map(({ segmentIndex, info }) => [
        segmentIndex,
        { segmentIndex, label: info.label, locked: false, active: false, cachedStats: {} },
      ]),
    );
    registerSegments(seg.segmentationId, added);
    keepRegistered(seg.segmentationId, added, KEEP_REGISTERED_MS);
    viewport.render();
    notify(
      `Loaded SEG ${file.name}: ${result.segments.length} segments on ${result.slicesChanged} slices` +
        (result.overlappingPixels
          ? ` (${result.overlappingPixels} overlapping pixels show the later segment)`
          : ''),
    );
  };

  return {
    async exportSeg(session, mode) {
      const target = targetOf(session);
      const segments = segmentsInState(target.viewport.id, target.segmentation.segmentationId);
      if (segments.length === 0) {
        throw new InputError(
          'nothing-segmented',
          'The active segmentation has no segments yet.',
          'Draw a box around an organ and accept the mask (Enter), then export.',
        );
      }
      const algorithm = {
        name: session.client.status?.info.label ?? 'RobustMedSAM viewer',
        version: VERSION,
      };
      const {
        bytes,
        segmentsWritten,
        seriesInstanceUID,
        sopInstanceUID: sop,
        segSeriesInstanceUID,
        studyInstanceUID,
      } = await exportSegmentation(session.client, {
        segmentationId: target.segmentation.segmentationId,
        imageIds: target.imageIds,
        type: mode,
        softwareVersion: VERSION,
        segments: segments.map((s) => ({
          segmentIndex: s.segmentIndex,
          description: describeSegment(s, algorithm),
        })),
      });
      const what = `${segmentsWritten} segments as ${mode} SEG (${Math.round(bytes.byteLength / 1024)} kB${sop ? `, SOP Instance UID ${sop}` : ''})`;
      const name = `${seriesInstanceUID}.seg.dcm`;
      if (options.store?.canStore()) {
        try {
          const where = await options.store.store(bytes);
          notify(`Stored ${what} in ${where}.`);
          return bytes;
        } catch (error) {
          // Not stored, but nothing is lost: the user gets the file, the outbox keeps it for "Retry
          // save", and the user is told why the store failed. The export itself succeeded, so it
          // resolves (a rejection would also raise the host's generic "something went wrong").
          await saveFile(bytes, name);
          const why = describeFailure(error);
          const kept = await keep({
            sopInstanceUID: sop,
            studyInstanceUID,
            seriesInstanceUID: segSeriesInstanceUID,
            root: options.store.target(),
            bytes,
            created: new Date().toISOString(),
            lastError: why,
            attempts: 1,
          });
          notify(
            `Could not store the SEG (SOP Instance UID ${sop}) in the data source (${why}); it was downloaded as ${name}${kept ? ' and kept for Retry save' : ''}.`,
            'warning',
          );
          return bytes;
        }
      }
      await saveFile(bytes, name);
      notify(`Exported ${what}.`);
      return bytes;
    },
    async retrySaves() {
      const store = options.store;
      if (!store?.canStore()) {
        throw new InputError(
          'no-store',
          'The active data source cannot store DICOM: there is nowhere to retry to.',
        );
      }
      const outbox = await openOutbox();
      if (!outbox)
        throw new InputError('outbox-unavailable', 'The SEG outbox cannot be opened in this browser.');
      const waiting = (await outbox.list()).filter((e) => e.root === store.target());
      if (waiting.length === 0) {
        notify('No SEG is waiting to be stored in this data source.');
        return { stored: 0, failed: 0 };
      }
      const failed: string[] = [];
      for (const entry of waiting) {
        try {
          await store.store(entry.bytes);
          await outbox.remove(entry.sopInstanceUID);
        } catch (error) {
          const why = describeFailure(error);
          failed.push(`${entry.sopInstanceUID}: ${why}`);
          await outbox.put({ ...entry, lastError: why, attempts: entry.attempts + 1 });
        }
      }
      const stored = waiting.length - failed.length;
      if (failed.length) {
        notify(
          `Stored ${stored} of ${waiting.length} waiting SEGs; still kept: ${failed.join('; ')}.`,
          'warning',
        );
      } else {
        notify(
          `Stored ${stored} waiting SEG${stored === 1 ? '' : 's'} (SOP Instance UID ${waiting.map((e) => e.sopInstanceUID).join(', ')}).`,
        );
      }
      return { stored, failed: failed.length };
    },
    async loadSeg(session, file) {
      // Refused before the user is asked for a file that could not be shown.
      targetOf(session);
      const picked = file ?? (await pickFile());
      if (picked) await load(session, picked);
    },
  };
}
