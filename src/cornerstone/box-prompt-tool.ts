/**
 * BoxPromptSegmentationTool: drag a box (in any direction) on a slice in its acquisition plane; on
 * mouse-up the box goes to the segmenter (in a Web Worker) and the mask appears in the active
 * segmentation's labelmap, for the active segment, as a preview. acceptPreview / rejectPreview (Enter /
 * Esc in the demo, the matching commands in OHIF) keep or drop it. Modelled on Cornerstone's own
 * RectangleScissorsTool: a LabelmapBaseTool, `static toolName`, SVG box while drawing.
 *
 * The class extends the host's own LabelmapBaseTool, so it can only be defined once the host's
 * Cornerstone is known (libraries.ts): `boxPromptToolClass()` defines it then, once per Cornerstone.
 */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolTypes } from '@cornerstonejs/tools';
import { InputError } from '../errors.ts';
import type { Box } from '../model/prompts.ts';
import type { BoxPromptController } from './box-prompt-controller.ts';
import { worldToPixel } from './image-plane.ts';
import { type CornerstoneLibraries, cornerstoneLibraries } from './libraries.ts';

/** The name the tool is registered under (Cornerstone's `static toolName`). */
export const BOX_PROMPT_TOOL_NAME = 'BoxPromptSegmentation';

interface DrawState {
  element: HTMLDivElement;
  viewportId: string;
  start: Types.Point3;
  end: Types.Point3;
  moved: boolean;
}

/** The box of the last prompt, kept on screen while its preview is pending. */
interface ShownBox {
  viewportId: string;
  imageId: string;
  corners: [Types.Point3, Types.Point3];
  state: 'segmenting' | 'preview';
}

export interface BoxPromptToolConfiguration {
  /** Returns the controller the tool sends its boxes to (a function, so tool configuration can hold it). */
  getController?: () => BoxPromptController | undefined;
  /** Called with errors the user should see (locked segment, no segmentation, engine failure). */
  onError?: (error: Error) => void;
  /** Called on every mouse-up that starts a segmentation, with `performance.now()` at mouse-up. */
  onMouseUp?: (at: number) => void;
}

/** Defines the tool class on the given Cornerstone (see boxPromptToolClass). */
function defineBoxPromptTool({ cornerstone, cornerstoneTools }: CornerstoneLibraries) {
  const { getEnabledElement } = cornerstone;
  const { drawing, Enums, LabelmapBaseTool, segmentation, utilities } = cornerstoneTools;
  const { Events } = Enums;
  type PublicToolProps = ConstructorParameters<typeof LabelmapBaseTool>[0];
  type ToolProps = ConstructorParameters<typeof LabelmapBaseTool>[1];

  return class BoxPromptSegmentationTool extends LabelmapBaseTool {
    static override toolName = BOX_PROMPT_TOOL_NAME;
    private drawState: DrawState | null = null;
    private shown: ShownBox | null = null;

    constructor(
      toolProps: PublicToolProps = {},
      defaultToolProps: ToolProps = {
        supportedInteractionTypes: ['Mouse', 'Touch'],
        configuration: {},
      },
    ) {
      super(toolProps, defaultToolProps);
    }

    private get toolConfig(): BoxPromptToolConfiguration {
      return this.configuration as BoxPromptToolConfiguration;
    }

    private controller(): BoxPromptController | undefined {
      return this.toolConfig.getController?.();
    }

    private report(error: unknown): void {
      const e = error instanceof Error ? error : new Error(String(error));
      if (this.toolConfig.onError) this.toolConfig.onError(e);
      else console.error(e);
    }

    preMouseDownCallback = (evt: ToolTypes.EventTypes.InteractionEventType): boolean => {
      if (this.drawState) return true;
      const { element, currentPoints } = evt.detail;
      const { viewport } = getEnabledElement(element)!;
      this.drawState = {
        element,
        viewportId: viewport.id,
        start: [...currentPoints.world] as Types.Point3,
        end: [...currentPoints.world] as Types.Point3,
        moved: false,
      };
      element.addEventListener(Events.MOUSE_DRAG, this.onDrag as EventListener);
      element.addEventListener(Events.MOUSE_UP, this.onEnd as EventListener);
      element.addEventListener(Events.MOUSE_CLICK, this.onEnd as EventListener);
      element.addEventListener(Events.TOUCH_DRAG, this.onDrag as EventListener);
      element.addEventListener(Events.TOUCH_END, this.onEnd as EventListener);
      evt.preventDefault();
      return true;
    };

    private stopListening(element: HTMLDivElement): void {
      element.removeEventListener(Events.MOUSE_DRAG, this.onDrag as EventListener);
      element.removeEventListener(Events.MOUSE_UP, this.onEnd as EventListener);
      element.removeEventListener(Events.MOUSE_CLICK, this.onEnd as EventListener);
      element.removeEventListener(Events.TOUCH_DRAG, this.onDrag as EventListener);
      element.removeEventListener(Events.TOUCH_END, this.onEnd as EventListener);
    }

    private onDrag = (evt: ToolTypes.EventTypes.MouseDragEventType): void => {
      if (!this.drawState) return;
      this.drawState.end = [...evt.detail.currentPoints.world] as Types.Point3;
      this.drawState.moved = true;
      utilities.triggerAnnotationRenderForViewportIds([this.drawState.viewportId]);
    };

    private onEnd = (evt: ToolTypes.EventTypes.MouseUpEventType): void => {
      const mouseUpAt = performance.now();
      const state = this.drawState;
      if (!state) return;
      this.drawState = null;
      this.stopListening(state.element);
      utilities.triggerAnnotationRenderForViewportIds([state.viewportId]);
      if (!state.moved) return;
      const { viewport } = getEnabledElement(state.element)!;
      void this.segmentBox(viewport as unknown as Types.IViewport, state.start, state.end, mouseUpAt).catch(
        (error) => this.report(error),
      );
      evt.preventDefault?.();
    };

    /**
     * Pixel box on the image shown, from two world corners in any order. Not clamped here: the engines'
     * `normaliseBox` clamps to the image and rejects a box wholly outside it with a typed error.
     */
    private pixelBox(imageId: string, a: Types.Point3, b: Types.Point3): Box {
      const [x0, y0] = worldToPixel(imageId, a);
      const [x1, y1] = worldToPixel(imageId, b);
      return { x0, y0, x1, y1 };
    }

    private async segmentBox(
      viewport: Types.IViewport,
      start: Types.Point3,
      end: Types.Point3,
      mouseUpAt: number,
    ): Promise<void> {
      const controller = this.controller();
      if (!controller)
        throw new InputError(
          'no-controller',
          'The box tool has no controller configured (getController).',
          'Add it to the tool group through the RobustMedSAM session (session.addToolTo), which configures it.',
        );
      const active = segmentation.activeSegmentation.getActiveSegmentation(viewport.id);
      if (!active) {
        throw new InputError(
          'no-active-segmentation',
          'This viewport has no active segmentation.',
          'Add a segmentation (in OHIF: "Add segmentation" in the segmentation panel), then draw the box.',
        );
      }
      const segmentIndex = segmentation.segmentIndex.getActiveSegmentIndex(active.segmentationId);
      if (!segmentIndex) {
        throw new InputError(
          'no-active-segment',
          'The segmentation has no active segment.',
          'Choose or add a segment, then draw the box.',
        );
      }
      const imageId = (viewport as Types.IStackViewport).getCurrentImageId?.();
      if (!imageId) {
        throw new InputError(
          'not-acquisition-plane',
          'No source image lies under this view, so the box cannot be placed on a slice.',
          'Draw the box on a slice in its acquisition plane (the stack, or the volume viewport in its original orientation).',
        );
      }
      const box = this.pixelBox(imageId, start, end);
      this.shown = { viewportId: viewport.id, imageId, corners: [start, end], state: 'segmenting' };
      utilities.triggerAnnotationRenderForViewportIds([viewport.id]);
      this.toolConfig.onMouseUp?.(mouseUpAt);
      try {
        const detail = await controller.previewBox({
          segmentationId: active.segmentationId,
          segmentIndex,
          referencedImageId: imageId,
          box,
          window: controller.windowFor(viewport),
        });
        // Announcing the preview already scheduled the render of the labelmap.
        if (detail && this.shown?.imageId === imageId) this.shown.state = 'preview';
      } catch (error) {
        this.shown = null;
        throw error;
      } finally {
        utilities.triggerAnnotationRenderForViewportIds([viewport.id]);
      }
    }

    override acceptPreview(): void {
      const viewportId = this.shown?.viewportId;
      this.shown = null;
      this.controller()?.accept();
      if (viewportId) utilities.triggerAnnotationRenderForViewportIds([viewportId]);
    }

    override rejectPreview(): void {
      const viewportId = this.shown?.viewportId;
      this.shown = null;
      this.controller()?.reject();
      if (viewportId) utilities.triggerAnnotationRenderForViewportIds([viewportId]);
    }

    override hasPreviewData(): boolean {
      return this.controller()?.hasPreview() ?? false;
    }

    renderAnnotation = (
      enabledElement: Types.IEnabledElement,
      svgDrawingHelper: ToolTypes.SVGDrawingHelper,
    ): boolean => {
      const { viewport } = enabledElement;
      const boxes: Array<{ corners: [Types.Point3, Types.Point3]; dashed: boolean }> = [];
      if (this.drawState?.viewportId === viewport.id) {
        boxes.push({ corners: [this.drawState.start, this.drawState.end], dashed: false });
      }
      const current = (viewport as Types.IStackViewport).getCurrentImageId?.();
      // A preview accepted or rejected elsewhere (keyboard, toolbar command) takes its box with it.
      if (this.shown?.state === 'preview' && !this.controller()?.hasPreview()) this.shown = null;
      if (this.shown?.viewportId === viewport.id && this.shown.imageId === current) {
        boxes.push({ corners: this.shown.corners, dashed: this.shown.state === 'segmenting' });
      }
      boxes.forEach((box, i) => {
        const [a, b] = box.corners.map((p) => viewport.worldToCanvas(p));
        drawing.drawRect(svgDrawingHelper, 'box-prompt', `box-${i}`, a, b, {
          color: 'rgb(255, 215, 0)',
          lineWidth: 2,
          lineDash: box.dashed ? '4,4' : undefined,
        });
      });
      return boxes.length > 0;
    };
  };
}

const defined = new WeakMap<object, ReturnType<typeof defineBoxPromptTool>>();

/** The tool class on the page's Cornerstone, defined on first use (one class per Cornerstone instance). */
export function boxPromptToolClass(): ReturnType<typeof defineBoxPromptTool> {
  const libraries = cornerstoneLibraries();
  let toolClass = defined.get(libraries.cornerstoneTools);
  if (!toolClass) {
    toolClass = defineBoxPromptTool(libraries);
    defined.set(libraries.cornerstoneTools, toolClass);
  }
  return toolClass;
}

export type BoxPromptSegmentationTool = InstanceType<ReturnType<typeof boxPromptToolClass>>;
