/**
 * One viewer's RobustMedSAM state: the segmenter worker, the box-prompt controller, neighbour
 * pre-encoding, and the tool registered in a tool group. The OHIF extension (ohif-extension.ts) creates
 * one per servicesManager and its commands drive it; the host tells it which viewport is active.
 */

import { eventTarget, type Types } from '@cornerstonejs/core';
import {
  addTool,
  Enums as ToolsEnums,
  type Types as ToolsTypes,
  state as toolsState,
} from '@cornerstonejs/tools';
import { BoxPromptController, type PreviewEventDetail } from '../../src/cornerstone/box-prompt-controller.ts';
import { BoxPromptSegmentationTool } from '../../src/cornerstone/box-prompt-tool.ts';
import { NeighbourEncoder } from '../../src/cornerstone/neighbour-encoder.ts';
import { SegmenterClient } from '../../src/cornerstone/segmenter-client.ts';
import type { EngineStatus, ProgressEvent } from '../../src/cornerstone/worker/protocol.ts';
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
}

export class RobustMedSamSession extends EventTarget {
  readonly host: SessionHost;
  private inForce: RobustMedSamCustomizations;
  readonly client: SegmenterClient;
  readonly controller: BoxPromptController;
  readonly encoder: NeighbourEncoder;
  private lastMouseUp = 0;
  private following: Types.IStackViewport | null = null;
  /** Mouse-up to preview, per box (newest last); read by the benchmark. */
  readonly timings: MouseUpTiming[] = [];

  constructor(host: SessionHost, customizations: RobustMedSamCustomizations) {
    super();
    this.host = host;
    this.inForce = customizations;
    this.client = new SegmenterClient(host.createWorker());
    this.controller = new BoxPromptController(this.client);
    this.encoder = new NeighbourEncoder(this.controller, { radius: customizations.slicesToPreEncode });
    this.configure(customizations);
    this.controller.addEventListener('preview', (event) => {
      const detail = (event as CustomEvent<PreviewEventDetail>).detail;
      // Announcing the preview made Cornerstone schedule a render of the segmentation; the preview counts
      // as shown at the first animation frame after that render (or after 2 s, should none come).
      const shown = () => {
        clearTimeout(fallback);
        eventTarget.removeEventListener(ToolsEnums.Events.SEGMENTATION_RENDERED, shown);
        requestAnimationFrame(() => {
          this.timings.push({
            mouseUpAt: this.lastMouseUp,
            requestedAt: detail.marks.requested,
            repliedAt: detail.marks.replied,
            writtenAt: detail.marks.written,
            previewAt: performance.now(),
            workerTimings: detail.timings,
          });
          this.dispatchEvent(
            new CustomEvent('preview-shown', { detail: this.timings[this.timings.length - 1] }),
          );
        });
      };
      const fallback = setTimeout(shown, 2000);
      eventTarget.addEventListener(ToolsEnums.Events.SEGMENTATION_RENDERED, shown);
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
  }

  /** The customisations in force (changed through `configure`). */
  get customizations(): RobustMedSamCustomizations {
    return this.inForce;
  }

  /** Registers the tool with Cornerstone (once per page) and adds it, configured, to a tool group. */
  addToolTo(toolGroup: ToolsTypes.IToolGroup): void {
    if (!toolsState.tools[BoxPromptSegmentationTool.toolName]) addTool(BoxPromptSegmentationTool);
    toolGroup.addTool(BoxPromptSegmentationTool.toolName, {
      getController: () => this.controller,
      onError: (error: Error) => this.dispatchEvent(new CustomEvent('error', { detail: error })),
      onMouseUp: (at: number) => {
        this.lastMouseUp = at;
      },
    });
  }

  activateBoxTool(toolGroup: ToolsTypes.IToolGroup): void {
    toolGroup.setToolActive(BoxPromptSegmentationTool.toolName, {
      bindings: [{ mouseButton: ToolsEnums.MouseBindings.Primary }],
    });
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
    this.client.addEventListener('progress', (e) => listener((e as CustomEvent<ProgressEvent>).detail));
  }
}
