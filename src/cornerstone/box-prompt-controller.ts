/**
 * What the box tool, the toolbar commands and the keyboard drive: one pending preview at a time,
 * accept / reject, propagation to neighbouring slices, and the engine behind them (a SegmenterClient
 * talking to the worker). Events: 'preview', 'accepted', 'rejected', 'propagation', 'busy'. Failures
 * have one channel: the call that failed rejects (previewBox, propagate); a failed propagation also
 * ends its 'propagation' events with state 'failed', keeping the slices it finished as one undo step.
 */
import type { Types } from '@cornerstonejs/core';
import type { SliceImage } from '../dicom/slice-image.ts';
import { InputError } from '../errors.ts';
import { grownBox, type MaskBox } from '../model/mask-box.ts';
import type { Box } from '../model/prompts.ts';
import type { Window } from '../model/segmenter.ts';
import {
  announce,
  type LabelmapTarget,
  pushSliceChanges,
  readLabelmapSlice,
  referencedImageIds,
  resolveLabelmapTarget,
  type SliceChange,
  writeLabelmapSlice,
} from './labelmap-bridge.ts';
import { type LabelmapArray, PREVIEW_LABEL_VALUE } from './labelmap-compose.ts';
import { core, tools } from './libraries.ts';
import type { SegmenterClient } from './segmenter-client.ts';
import { sliceImageFromCornerstone } from './slice-from-image.ts';
import { TypedEventTarget } from './typed-events.ts';

export interface ControllerSettings {
  /** Use the viewport's current VOI as the 8-bit window instead of the modality default. */
  useViewportWindow: boolean;
  /** Pixels added around the previous mask's box on each propagation step. */
  propagationMargin: number;
  /** Most slices propagation visits in each direction. */
  propagationLimit: number;
  /** Masks smaller than this (pixels) end propagation. */
  propagationMinArea: number;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
  useViewportWindow: false,
  propagationMargin: 5,
  propagationLimit: 50,
  propagationMinArea: 10,
};

export interface PreviewEventDetail {
  referencedImageId: string;
  segmentIndex: number;
  box: Box;
  maskBox: MaskBox | null;
  score: number;
  changed: number;
  /** Worker-side stages (preprocess, encoder, decoder, postprocess, compose) in ms. */
  timings: Record<string, number>;
  /** performance.now() marks on the main thread: request posted, reply received, preview written. */
  marks: { requested: number; replied: number; written: number };
}

export interface PropagationEventDetail {
  state: 'running' | 'done' | 'cancelled' | 'failed';
  slicesDone: number;
  lastSliceIndex: number;
  reason?: string;
}

interface PendingPreview {
  target: LabelmapTarget;
  before: LabelmapArray;
  accepted: LabelmapArray;
  box: Box;
  maskBox: MaskBox | null;
}

interface AcceptedSlice {
  segmentationId: string;
  segmentIndex: number;
  referencedImageId: string;
  maskBox: MaskBox;
}

const SLICE_CACHE_SIZE = 8;

/** The controller's events and what each carries. */
export interface ControllerEvents extends Record<string, unknown> {
  preview: PreviewEventDetail;
  accepted: { referencedImageId: string; segmentIndex: number };
  rejected: { referencedImageId: string };
  propagation: PropagationEventDetail;
  busy: { busy: boolean; what: 'segment' | 'propagate' };
}

export class BoxPromptController extends TypedEventTarget<ControllerEvents> {
  readonly client: SegmenterClient;
  settings: ControllerSettings;
  private pending: PendingPreview | null = null;
  private requestSerial = 0;
  private lastAccepted: AcceptedSlice | null = null;
  private readonly slices = new Map<string, SliceImage>();
  private propagation: AbortController | null = null;

  constructor(client: SegmenterClient, settings: Partial<ControllerSettings> = {}) {
    super();
    this.client = client;
    this.settings = { ...DEFAULT_CONTROLLER_SETTINGS, ...settings };
  }

  /** The slice for an image id (loaded through Cornerstone when not cached), memoised for a few slices. */
  async sliceFor(imageId: string): Promise<SliceImage> {
    const known = this.slices.get(imageId);
    if (known) return known;
    const { cache, imageLoader } = core();
    const image = cache.getImage(imageId) ?? (await imageLoader.loadAndCacheImage(imageId));
    const slice = sliceImageFromCornerstone(image);
    this.slices.set(imageId, slice);
    if (this.slices.size > SLICE_CACHE_SIZE) this.slices.delete(this.slices.keys().next().value as string);
    return slice;
  }

  /** The window the engine should use for this viewport, or undefined for the modality default. */
  windowFor(viewport: Types.IViewport | undefined): Window | undefined {
    if (!this.settings.useViewportWindow || !viewport) return undefined;
    const range = (viewport as Types.IStackViewport).getProperties?.().voiRange;
    return range ? { low: range.lower, high: range.upper } : undefined;
  }

  hasPreview(): boolean {
    return this.pending !== null;
  }

  /**
   * Segments `box` on `referencedImageId` for the active segment of `segmentationId` and shows the
   * result as a preview. A newer box supersedes an older one still in flight.
   */
  async previewBox(options: {
    segmentationId: string;
    segmentIndex: number;
    referencedImageId: string;
    box: Box;
    window?: Window;
  }): Promise<PreviewEventDetail | null> {
    const serial = ++this.requestSerial;
    this.reject();
    const { segmentationId, segmentIndex, referencedImageId, box } = options;
    if (tools().segmentation.segmentLocking.isSegmentIndexLocked(segmentationId, segmentIndex)) {
      throw new InputError(
        'segment-locked',
        `Segment ${segmentIndex} is locked.`,
        'Unlock it or choose another segment before drawing a box.',
      );
    }
    this.emit('busy', { busy: true, what: 'segment' });
    try {
      const slice = await this.sliceFor(referencedImageId);
      const target = resolveLabelmapTarget(segmentationId, segmentIndex, referencedImageId);
      const before = readLabelmapSlice(target.labelmapImageId);
      const requested = performance.now();
      const reply = await this.client.segment({
        slice,
        prompt: { box },
        window: options.window,
        compose: {
          before,
          labelValue: target.labelValue,
          lockedLabelValues: target.lockedLabelValues,
          previewLabelValue: PREVIEW_LABEL_VALUE,
        },
      });
      const replied = performance.now();
      if (serial !== this.requestSerial || !reply.preview || !reply.accepted) return null;
      writeLabelmapSlice(target.labelmapImageId, reply.preview);
      this.pending = { target, before, accepted: reply.accepted, box, maskBox: reply.box };
      announce(segmentationId, [target.sliceIndex], segmentIndex);
      const written = performance.now();
      const detail: PreviewEventDetail = {
        referencedImageId,
        segmentIndex,
        box,
        maskBox: reply.box,
        score: reply.score,
        changed: reply.changed ?? 0,
        timings: reply.timings,
        marks: { requested, replied, written },
      };
      this.emit('preview', detail);
      return detail;
    } finally {
      if (serial === this.requestSerial) this.emit('busy', { busy: false, what: 'segment' });
    }
  }

  /** Makes the preview part of the segment (one undo step). */
  accept(): boolean {
    const p = this.pending;
    if (!p) return false;
    this.pending = null;
    writeLabelmapSlice(p.target.labelmapImageId, p.accepted);
    pushSliceChanges(
      p.target.segmentationId,
      [
        {
          labelmapImageId: p.target.labelmapImageId,
          sliceIndex: p.target.sliceIndex,
          before: p.before,
          after: p.accepted,
        },
      ],
      'box',
    );
    announce(p.target.segmentationId, [p.target.sliceIndex], p.target.segmentIndex);
    if (p.maskBox) {
      this.lastAccepted = {
        segmentationId: p.target.segmentationId,
        segmentIndex: p.target.segmentIndex,
        referencedImageId: p.target.referencedImageId,
        maskBox: p.maskBox,
      };
    }
    this.emit('accepted', {
      referencedImageId: p.target.referencedImageId,
      segmentIndex: p.target.segmentIndex,
    });
    return true;
  }

  /** Restores the slice as it was before the preview. */
  reject(): boolean {
    const p = this.pending;
    if (!p) return false;
    this.pending = null;
    writeLabelmapSlice(p.target.labelmapImageId, p.before);
    announce(p.target.segmentationId, [p.target.sliceIndex], p.target.segmentIndex);
    this.emit('rejected', { referencedImageId: p.target.referencedImageId });
    return true;
  }

  canPropagate(): boolean {
    return this.lastAccepted !== null && this.propagation === null;
  }

  cancelPropagation(): void {
    this.propagation?.abort();
  }

  /**
   * From the last accepted slice, segments the neighbouring slices one after another, each prompted
   * with the previous mask's box plus a margin, until the mask vanishes, the limit is reached, or
   * `cancelPropagation` is called. Everything it writes is one undo step.
   */
  async propagate(
    direction: 'both' | 'up' | 'down' = 'both',
    window?: Window,
  ): Promise<PropagationEventDetail> {
    const start = this.lastAccepted;
    if (!start) {
      throw new InputError(
        'nothing-to-propagate',
        'No accepted mask to propagate from.',
        'Draw a box and accept it first.',
      );
    }
    if (this.propagation) throw new InputError('propagation-running', 'A propagation is already running.');
    if (this.pending) this.accept();
    const abort = new AbortController();
    this.propagation = abort;
    const ids = referencedImageIds(start.segmentationId);
    const startIndex = ids.indexOf(start.referencedImageId);
    const changes: SliceChange[] = [];
    const steps: Array<1 | -1> = direction === 'both' ? [1, -1] : direction === 'up' ? [1] : [-1];
    let state: PropagationEventDetail = { state: 'running', slicesDone: 0, lastSliceIndex: startIndex };
    let failure: unknown;
    this.emit('busy', { busy: true, what: 'propagate' });
    try {
      for (const step of steps) {
        let maskBox = start.maskBox;
        for (let k = 1; k <= this.settings.propagationLimit; k++) {
          const index = startIndex + step * k;
          if (index < 0 || index >= ids.length || abort.signal.aborted) break;
          const imageId = ids[index];
          const slice = await this.sliceFor(imageId);
          const target = resolveLabelmapTarget(start.segmentationId, start.segmentIndex, imageId);
          const before = readLabelmapSlice(target.labelmapImageId);
          const box = grownBox(maskBox, this.settings.propagationMargin, slice.rows, slice.columns);
          const reply = await this.client.segment({
            slice,
            prompt: { box },
            window,
            compose: {
              before,
              labelValue: target.labelValue,
              lockedLabelValues: target.lockedLabelValues,
              previewLabelValue: target.labelValue,
            },
          });
          if (abort.signal.aborted) break;
          if (!reply.box || reply.box.area < this.settings.propagationMinArea || !reply.accepted) break;
          writeLabelmapSlice(target.labelmapImageId, reply.accepted);
          announce(start.segmentationId, [target.sliceIndex], start.segmentIndex);
          changes.push({
            labelmapImageId: target.labelmapImageId,
            sliceIndex: target.sliceIndex,
            before,
            after: reply.accepted,
          });
          maskBox = reply.box;
          state = { state: 'running', slicesDone: changes.length, lastSliceIndex: index };
          this.emit('propagation', state);
        }
      }
      state = { ...state, state: abort.signal.aborted ? 'cancelled' : 'done', slicesDone: changes.length };
    } catch (error) {
      state = { ...state, state: 'failed', slicesDone: changes.length, reason: (error as Error).message };
      failure = error;
    } finally {
      pushSliceChanges(start.segmentationId, changes, 'propagation');
      this.propagation = null;
      this.emit('busy', { busy: false, what: 'propagate' });
    }
    this.emit('propagation', state);
    if (failure !== undefined) throw failure;
    return state;
  }
}
