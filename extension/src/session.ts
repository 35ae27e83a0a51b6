/**
 * One viewer's RobustMedSAM state: the segmenter worker, the box-prompt controller, neighbour
 * pre-encoding, and the tool registered in a tool group. The OHIF extension (ohif-extension.ts) creates
 * one per servicesManager and its commands drive it; the host tells it which viewport is active.
 */

import type { Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import { BoxPromptController } from '../../src/cornerstone/box-prompt-controller.ts';
import {
  BOX_PROMPT_TOOL_NAME,
  type BoxPromptToolConfiguration,
  boxPromptToolClass,
} from '../../src/cornerstone/box-prompt-tool.ts';
import { core, tools } from '../../src/cornerstone/libraries.ts';
import { NeighbourEncoder } from '../../src/cornerstone/neighbour-encoder.ts';
import { SegmenterClient } from '../../src/cornerstone/segmenter-client.ts';
import { TypedEventTarget } from '../../src/cornerstone/typed-events.ts';
import type { EncodingsStats, EngineStatus, ProgressEvent } from '../../src/cornerstone/worker/protocol.ts';
import type { RobustMedSamCustomizations } from './customizations.ts';

export interface SessionHost {
  /** Starts the segmenter's Web Worker (bundlers need the `new Worker(new URL(...))` form at the call site). */
  createWorker(): Worker;
  /** The viewport boxes are drawn in (the active one). */
  getViewport(): Types.IStackViewport | undefined;
}

export interface MouseUpTiming {
  /** performance.now() at mouse-up. */
  mouseUpAt: number;
  /** Main-thread marks: request posted to the worker, reply received, preview written to the labelmap. */
  requestedAt: number;
  repliedAt: number;
  writtenAt: number;
  /** performance.now() at the first animation frame after the preview was written and rendered. */
  previewAt: number;
  workerTimings: Record<string, number>;
  /** What the mouse-up did: drew a box, or clicked a point after it. */
  cause: 'box' | 'point';
}

/**
 * The session's own events: a failure outside any call (a box drawn with the tool), a preview on screen,
 * and a notice for the user that is not an error (remembered encodings turned memory-only).
 */
export interface SessionEvents extends Record<string, unknown> {
  error: Error;
  'preview-shown': MouseUpTiming;
  notice: string;
}

export class RobustMedSamSession extends TypedEventTarget<SessionEvents> {
  readonly host: SessionHost;
  private inForce: RobustMedSamCustomizations;
  readonly client: SegmenterClient;
  readonly controller: BoxPromptController;
  readonly encoder: NeighbourEncoder;
  private lastMouseUp = 0;
  private following: Types.IStackViewport | null = null;
  /** The bound on remembered encodings last sent to the worker. */
  private encodingsBytesSent?: number;
  /** Mouse-up to preview, per box (newest last); read by the benchmark. */
  readonly timings: MouseUpTiming[] = [];

  constructor(host: SessionHost, customizations: RobustMedSamCustomizations) {
    super();
    this.host = host;
    this.inForce = customizations;
    this.client = new SegmenterClient(host.createWorker());
    this.controller = new BoxPromptController(this.client);
    this.encoder = new NeighbourEncoder(this.controller, { radius: customizations.slicesToPreEncode });
    this.client.on('progress', (event) => {
      if (event.stage === 'encodings') this.emit('notice', event.message);
    });
    this.configure(customizations);
    this.controller.on('preview', (detail) => {
      // Removing a point shows a stored step: no mouse-up, nothing to time.
      const { cause } = detail;
      if (cause === 'point-removed') return;
      // Announcing the preview made Cornerstone schedule a render of the segmentation; the preview counts
      // as shown at the first animation frame after that render (or after 2 s, should none come).
      const { eventTarget } = core();
      const { SEGMENTATION_RENDERED } = tools().Enums.Events;
      const shown = () => {
        clearTimeout(fallback);
        eventTarget.removeEventListener(SEGMENTATION_RENDERED, shown);
        requestAnimationFrame(() => {
          this.timings.push({
            mouseUpAt: this.lastMouseUp,
            requestedAt: detail.marks.requested,
            repliedAt: detail.marks.replied,
            writtenAt: detail.marks.written,
            previewAt: performance.now(),
            workerTimings: detail.timings,
            cause,
          });
          this.emit('preview-shown', this.timings[this.timings.length - 1]);
        });
      };
      const fallback = setTimeout(shown, 2000);
      eventTarget.addEventListener(SEGMENTATION_RENDERED, shown);
    });
  }

  /**
   * Puts new customisations in force: the window fed to the model, pre-encoding radius and propagation
   * apply from the next box; `modelUrl` and `threads` from the next `loadEngine`.
   */
  configure(customizations: RobustMedSamCustomizations): void {
    this.inForce = customizations;
    Object.assign(this.controller.settings, {
      useViewportWindow: customizations.segmentWithViewportWindow,
      propagationMargin: customizations.propagationMargin,
      propagationLimit: customizations.propagationLimit,
    });
    this.encoder.options.radius = customizations.slicesToPreEncode;
    const bound = customizations.rememberedEncodingsBytes;
    if (bound !== this.encodingsBytesSent) {
      this.encodingsBytesSent = bound;
      this.client.configureEncodings(bound).catch((error: Error) => this.emit('error', error));
    }
  }

  /**
   * Forgets every remembered encoding (the stored ones and those in memory): the next box on any slice
   * runs the encoder again. Resolves to how many stored encodings went.
   */
  clearEncodings(): Promise<number> {
    return this.client.clearEncodings();
  }

  /** What is remembered, and how many encoder runs and remembered encodings the engine used. */
  encodingsStats(): Promise<EncodingsStats> {
    return this.client.encodingsStats();
  }

  /** The customisations in force (changed through `configure`). */
  get customizations(): RobustMedSamCustomizations {
    return this.inForce;
  }

  /** Registers the tool with Cornerstone (once per page) and adds it, configured, to a tool group. */
  addToolTo(toolGroup: ToolsTypes.IToolGroup): void {
    const { addTool, state } = tools();
    if (!state.tools[BOX_PROMPT_TOOL_NAME]) addTool(boxPromptToolClass());
    const configuration: BoxPromptToolConfiguration = {
      getController: () => this.controller,
      onError: (error: Error) => this.emit('error', error),
      onMouseUp: (at: number) => {
        this.lastMouseUp = at;
      },
      excludeModifierKey: this.excludeModifierKey(),
      scoreLabel: () => this.scoreLabel(),
    };
    toolGroup.addTool(BOX_PROMPT_TOOL_NAME, configuration);
  }

  /** What the engine's score means: the decoder's predicted IoU, or the classical engine's confidence. */
  scoreLabel(): string | undefined {
    const engine = this.client.status?.info.engine;
    return engine === 'model' ? 'predicted IoU' : engine === 'classical' ? 'classical confidence' : undefined;
  }

  private excludeModifierKey(): number {
    return tools().Enums.KeyboardBindings[this.customizations.excludeModifier];
  }

  /** Removes the last include / exclude point of the preview (Backspace); false when it has none. */
  removeLastPoint(): Promise<boolean> {
    return this.controller.removeLastPoint();
  }

  /**
   * Makes the box tool the primary (left-button) tool of the group, adding it first if needed. As OHIF's
   * own setToolActive does, the tool that held the left button goes passive first: a tool group hands
   * a drag to the first active tool bound to that button, so without this the old tool keeps the drag.
   */
  activateBoxTool(toolGroup: ToolsTypes.IToolGroup): void {
    if (!toolGroup.hasTool(BOX_PROMPT_TOOL_NAME)) this.addToolTo(toolGroup);
    const primary = toolGroup.getActivePrimaryMouseButtonTool();
    if (primary && primary !== BOX_PROMPT_TOOL_NAME) toolGroup.setToolPassive(primary);
    // The exclude modifier in force now (customisations may have changed since the tool was added).
    const modifierKey = this.excludeModifierKey();
    toolGroup.setToolConfiguration(BOX_PROMPT_TOOL_NAME, { excludeModifierKey: modifierKey });
    const mouseButton = tools().Enums.MouseBindings.Primary;
    // Cornerstone hands a modified click only to a tool bound with that modifier: bind both.
    toolGroup.setToolActive(BOX_PROMPT_TOOL_NAME, {
      bindings: [{ mouseButton }, { mouseButton, modifierKey }],
    });
  }

  /** Propagates the accepted mask from the slice shown, with the window the model is fed there. */
  propagate(direction: 'both' | 'up' | 'down' = 'both') {
    return this.controller.propagate(direction, this.controller.windowFor(this.host.getViewport()));
  }

  /** Undo on Cornerstone's history (one box, one propagation, one SEG load); an open preview goes first. */
  undo(): void {
    if (!this.controller.reject()) core().utilities.HistoryMemo.DefaultHistoryMemo.undo();
    this.host.getViewport()?.render();
  }

  redo(): void {
    core().utilities.HistoryMemo.DefaultHistoryMemo.redo();
    this.host.getViewport()?.render();
  }

  /** Loads the configured engine: the model at `modelUrl`, or the classical engine when null. */
  async loadEngine(modelUrl: string | null = this.customizations.modelUrl): Promise<EngineStatus> {
    this.encoder.stop();
    // The worker resolves URLs against its own script's location: hand it an absolute one.
    const url = modelUrl ? new URL(modelUrl, document.baseURI).href : null;
    const status = await this.client.load(
      url ? { kind: 'model', url } : { kind: 'classical' },
      this.customizations.threads,
    );
    const viewport = this.host.getViewport();
    if (viewport) this.follow(viewport);
    return status;
  }

  /** Starts pre-encoding around the slice shown in `viewport` (call when a series is displayed). */
  follow(viewport: Types.IStackViewport): void {
    this.following = viewport;
    this.encoder.follow(viewport);
  }

  /** The viewport pre-encoding follows (the last one given to `follow`). */
  get followed(): Types.IStackViewport | null {
    return this.following;
  }

  onProgress(listener: (event: ProgressEvent) => void): void {
    this.client.on('progress', listener);
  }
}
