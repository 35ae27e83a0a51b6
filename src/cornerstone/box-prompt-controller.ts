/**
 * What the box tool, the toolbar commands and the keyboard drive: one pending preview at a time, refined
 * by include / exclude clicks, accept / reject, propagation to neighbouring slices, and the engine behind
 * them (a SegmenterClient talking to the worker). Events: 'preview', 'accepted', 'rejected',
 * 'propagation', 'busy'. Failures have one channel: the call that failed rejects (previewBox, addPoint,
 * propagate); a failed propagation also ends its 'propagation' events with state 'failed', keeping the
 * slices it finished as one undo step.
 */
import type { Types } from '@cornerstonejs/core';
import type { SliceImage } from '../dicom/slice-image.ts';
import { InputError } from '../errors.ts';
import { grownBox, type MaskBox } from '../model/mask-box.ts';
import type { Box } from '../model/prompts.ts';
import { Refinement } from '../model/refinement.ts';
import type { Prompt, PromptPoint, Window } from '../model/segmenter.ts';
import type { ImageQuality } from '../quality/estimate.ts';
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
  /** What made this preview: a box, a click after it, or removing the last click (no engine run). */
  cause: 'box' | 'point' | 'point-removed';
  referencedImageId: string;
  segmentIndex: number;
  box: Box;
  /** The clicks after the box, in order (slice pixels, like the box). */
  points: readonly PromptPoint[];
  maskBox: MaskBox | null;
  score: number;
  changed: number;
  /** Noise, blur and ghosting around the box (estimated once per box). */
  imageQuality?: ImageQuality;
  /** Worker-side stages (preprocess, encoder, decoder, postprocess, compose) in ms. */
  timings: Record<string, number>;
  /** performance.now() marks on the main thread: request posted, reply received, preview written. */
  marks: { requested: number; replied: number; written: number };
}

/** The interaction the tool draws: its box and clicks on the slice, and the engine's score. */
export interface InteractionView {
  referencedImageId: string;
  box: Box;
  points: readonly PromptPoint[];
  score: number;
  imageQuality?: ImageQuality;
}

export interface PropagationEventDetail {
  state: 'running' | 'done' | 'cancelled' | 'failed';
  slicesDone: number;
  lastSliceIndex: number;
  reason?: string;
}

/** One step of an interaction as composed into the labelmap slice. */
interface StepOutcome {
  lowResLogits: Float32Array;
  preview: LabelmapArray;
  accepted: LabelmapArray;
  maskBox: MaskBox | null;
  score: number;
  changed: number;
}

/** A box and the clicks after it on one slice. */
interface Interaction {
  target: LabelmapTarget;
  /** The slice before the box: every step composes its mask into this. */
  base: LabelmapArray;
  /**
   * What rejecting writes back and where the undo step starts: the base for a new box, the accepted
   * mask when a click reopens an accepted interaction.
   */
  restore: LabelmapArray;
  refinement: Refinement<StepOutcome>;
  window?: Window;
  imageQuality?: ImageQuality;
}

/** The last accepted interaction: reopened by a click while its slice still holds what was accepted. */
interface AcceptedInteraction {
  interaction: Interaction;
  accepted: LabelmapArray;
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
  private pending: Interaction | null = null;
  private requestSerial = 0;
  private lastAccepted: AcceptedInteraction | null = null;
  /** Boxes and clicks run one after another: a click builds on the result before it. */
  private turn: Promise<unknown> = Promise.resolve();
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

  /** The pending interaction (box, clicks, score) for the tool to draw, or null. */
  interaction(): InteractionView | null {
    const p = this.pending;
    if (!p) return null;
    return {
      referencedImageId: p.target.referencedImageId,
      box: p.refinement.box,
      points: p.refinement.points,
      score: p.refinement.current.score,
      imageQuality: p.imageQuality,
    };
  }

  /** Runs `work` after every box and click asked for before it. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * Segments `box` on `referencedImageId` for the active segment of `segmentationId` and shows the
   * result as a preview. A newer box supersedes an older one still in flight.
   */
  previewBox(options: {
    segmentationId: string;
    segmentIndex: number;
    referencedImageId: string;
    box: Box;
    window?: Window;
  }): Promise<PreviewEventDetail | null> {
    const serial = ++this.requestSerial;
    return this.inTurn(() => this.runBox(serial, options));
  }

  private async runBox(
    serial: number,
    options: Parameters<BoxPromptController['previewBox']>[0],
  ): Promise<PreviewEventDetail | null> {
    if (serial !== this.requestSerial) return null;
    this.reject();
    const { segmentationId, segmentIndex, referencedImageId, box, window } = options;
    if (tools().segmentation.segmentLocking.isSegmentIndexLocked(segmentationId, segmentIndex)) {
      throw new InputError(
        'segment-locked',
        `Segment ${segmentIndex} is locked.`,
        'Unlock it or choose another segment before drawing a box.',
      );
    }
    this.emit('busy', { busy: true, what: 'segment' });
    try {
      const target = resolveLabelmapTarget(segmentationId, segmentIndex, referencedImageId);
      const base = readLabelmapSlice(target.labelmapImageId);
      const run = await this.runStep(serial, target, base, { box }, window, true);
      if (!run) return null;
      const interaction: Interaction = {
        target,
        base,
        restore: base,
        refinement: new Refinement(box, run.outcome),
        window,
        imageQuality: run.imageQuality,
      };
      this.pending = interaction;
      return this.show(interaction, 'box', run.timings, run.marks);
    } finally {
      if (serial === this.requestSerial) this.emit('busy', { busy: false, what: 'segment' });
    }
  }

  /** Runs one prompt on the target's slice and composes its mask into `base`; null when superseded. */
  private async runStep(
    serial: number,
    target: LabelmapTarget,
    base: LabelmapArray,
    prompt: Prompt,
    window: Window | undefined,
    assessQuality: boolean,
  ): Promise<{
    outcome: StepOutcome;
    imageQuality?: ImageQuality;
    timings: Record<string, number>;
    marks: { requested: number; replied: number };
  } | null> {
    const slice = await this.sliceFor(target.referencedImageId);
    const requested = performance.now();
    const reply = await this.client.segment({
      slice,
      prompt,
      window,
      assessQuality,
      compose: {
        before: base,
        labelValue: target.labelValue,
        lockedLabelValues: target.lockedLabelValues,
        previewLabelValue: PREVIEW_LABEL_VALUE,
      },
    });
    const replied = performance.now();
    if (serial !== this.requestSerial || !reply.preview || !reply.accepted) return null;
    return {
      outcome: {
        lowResLogits: reply.lowResLogits,
        preview: reply.preview,
        accepted: reply.accepted,
        maskBox: reply.box,
        score: reply.score,
        changed: reply.changed ?? 0,
      },
      imageQuality: reply.imageQuality,
      timings: reply.timings,
      marks: { requested, replied },
    };
  }

  /** Writes the interaction's current step into the labelmap as the preview and announces it. */
  private show(
    interaction: Interaction,
    cause: PreviewEventDetail['cause'],
    timings: Record<string, number>,
    marks: { requested: number; replied: number },
  ): PreviewEventDetail {
    const { target, refinement } = interaction;
    const step = refinement.current;
    writeLabelmapSlice(target.labelmapImageId, step.preview);
    announce(target.segmentationId, [target.sliceIndex], target.segmentIndex);
    const detail: PreviewEventDetail = {
      cause,
      referencedImageId: target.referencedImageId,
      segmentIndex: target.segmentIndex,
      box: refinement.box,
      points: [...refinement.points],
      maskBox: step.maskBox,
      score: step.score,
      changed: step.changed,
      imageQuality: interaction.imageQuality,
      timings,
      marks: { ...marks, written: performance.now() },
    };
    this.emit('preview', detail);
    return detail;
  }

  /**
   * Whether a click on this image refines something: the pending preview, or the last accepted mask
   * while its slice still holds exactly what was accepted (not undone, not painted over since).
   */
  canRefine(referencedImageId: string): boolean {
    return this.refinable(referencedImageId) !== null;
  }

  private refinable(referencedImageId: string): Interaction | null {
    if (this.pending)
      return this.pending.target.referencedImageId === referencedImageId ? this.pending : null;
    const last = this.lastAccepted;
    if (!last || last.interaction.target.referencedImageId !== referencedImageId) return null;
    const restore = this.acceptedSliceNow(last);
    if (!restore) return null;
    // Reopened on its own copy (a rejected click must not change what was accepted): rejecting keeps
    // the accepted mask; accepting is one more undo step from it.
    return { ...last.interaction, refinement: last.interaction.refinement.copy(), restore };
  }

  /**
   * A copy of the accepted interaction's slice while it still holds exactly what was accepted (no undo,
   * no edit since); null otherwise.
   */
  private acceptedSliceNow(last: AcceptedInteraction): LabelmapArray | null {
    const now = readLabelmapSlice(last.interaction.target.labelmapImageId);
    const same = now.length === last.accepted.length && now.every((v, i) => v === last.accepted[i]);
    return same ? now : null;
  }

  /**
   * Adds an include (label 1) or exclude (label 0) point to the interaction on `referencedImageId` and
   * re-runs the engine with the box, every point and the previous low-res logits. Resolves to null when
   * there is nothing to refine there or a newer box superseded it.
   */
  addPoint(referencedImageId: string, point: PromptPoint): Promise<PreviewEventDetail | null> {
    const serial = this.requestSerial;
    return this.inTurn(async () => {
      if (serial !== this.requestSerial) return null;
      const interaction = this.refinable(referencedImageId);
      if (!interaction) return null;
      const reopened = this.pending !== interaction ? this.lastAccepted : null;
      this.emit('busy', { busy: true, what: 'segment' });
      try {
        const { target, base, refinement, window } = interaction;
        const run = await this.runStep(serial, target, base, refinement.promptWith(point), window, false);
        if (!run) return null;
        // While the engine ran, the preview may have been accepted or rejected (Enter, Esc), or the
        // accepted mask this click reopens undone: the click then belongs to nothing on screen.
        const current = reopened
          ? this.pending === null &&
            this.lastAccepted === reopened &&
            this.acceptedSliceNow(reopened) !== null
          : this.pending === interaction;
        if (!current) return null;
        refinement.push(point, run.outcome);
        this.pending = interaction;
        return this.show(interaction, 'point', run.timings, run.marks);
      } finally {
        if (serial === this.requestSerial) this.emit('busy', { busy: false, what: 'segment' });
      }
    });
  }

  /** Removes the pending preview's last point, showing the step before it again. False when none. */
  removeLastPoint(): Promise<boolean> {
    return this.inTurn(async () => {
      const p = this.pending;
      if (!p?.refinement.pop()) return false;
      const now = performance.now();
      this.show(p, 'point-removed', {}, { requested: now, replied: now });
      return true;
    });
  }

  /** Makes the preview part of the segment (one undo step, however many clicks refined it). */
  accept(): boolean {
    const p = this.pending;
    if (!p) return false;
    this.pending = null;
    const { target } = p;
    const { accepted, maskBox } = p.refinement.current;
    writeLabelmapSlice(target.labelmapImageId, accepted);
    pushSliceChanges(
      target.segmentationId,
      [
        {
          labelmapImageId: target.labelmapImageId,
          sliceIndex: target.sliceIndex,
          before: p.restore,
          after: accepted,
        },
      ],
      'box',
    );
    announce(target.segmentationId, [target.sliceIndex], target.segmentIndex);
    // An empty mask leaves nothing to reopen or propagate from: the accepted one before it stays.
    if (maskBox) this.lastAccepted = { interaction: p, accepted };
    this.emit('accepted', { referencedImageId: target.referencedImageId, segmentIndex: target.segmentIndex });
    return true;
  }

  /** Restores the slice as it was before the preview. */
  reject(): boolean {
    const p = this.pending;
    if (!p) return false;
    this.pending = null;
    writeLabelmapSlice(p.target.labelmapImageId, p.restore);
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
    if (!this.lastAccepted) {
      throw new InputError(
        'nothing-to-propagate',
        'No accepted mask to propagate from.',
        'Draw a box and accept it first.',
      );
    }
    if (this.propagation) throw new InputError('propagation-running', 'A propagation is already running.');
    if (this.pending) this.accept();
    const { interaction } = this.lastAccepted;
    const start = { ...interaction.target, maskBox: interaction.refinement.current.maskBox as MaskBox };
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
