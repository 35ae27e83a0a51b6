/**
 * BoxPromptSegmentationTool: drag a box (in any direction) on a slice in its acquisition plane; on
 * mouse-up the box goes to the segmenter (in a Web Worker) and the mask appears in the active
 * segmentation's labelmap, for the active segment, as a preview. A click then adds an include point,
 * a click with the exclude modifier (Shift unless configured otherwise) an exclude point, each
 * re-running the engine on box + points + the previous result; a click on the last accepted mask of
 * the slice reopens it the same way. acceptPreview / rejectPreview (Enter / Esc in the demo, the
 * matching commands in OHIF) keep or drop it. Modelled on Cornerstone's own RectangleScissorsTool: a
 * LabelmapBaseTool, `static toolName`, SVG box while drawing; the box, its points and the engine's score
 * stay drawn while the preview is pending.
 *
 * The class extends the host's own LabelmapBaseTool, so it can only be defined once the host's
 * Cornerstone is known (libraries.ts): `boxPromptToolClass()` defines it then, once per Cornerstone.
 */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolTypes } from '@cornerstonejs/tools';
import { InputError } from '../errors.ts';
import type { Box } from '../model/prompts.ts';
import { DEGRADATION_WORDS } from '../quality/estimate.ts';
import type { BoxPromptController, InteractionView } from './box-prompt-controller.ts';
import { pixelToWorld, worldToPixel } from './image-plane.ts';
import { type CornerstoneLibraries, cornerstoneLibraries } from './libraries.ts';

/** The name the tool is registered under (Cornerstone's `static toolName`). */
export const BOX_PROMPT_TOOL_NAME = 'BoxPromptSegmentation';

interface DrawState {
  element: HTMLDivElement;
  viewportId: string;
  start: Types.Point3;
  end: Types.Point3;
  moved: boolean;
  /** The exclude modifier was held at mouse-down: a click without moving adds an exclude point. */
  exclude: boolean;
}

/** A box or click sent to the engine and not answered yet, drawn dashed meanwhile. */
interface InFlight {
  viewportId: string;
  imageId: string;
  box?: [Types.Point3, Types.Point3];
  point?: { world: Types.Point3; label: 0 | 1 };
}

/** Which modifier key marks an exclude click (the DOM event's flag for each of Cornerstone's keys). */
const MODIFIER_FLAGS: Record<number, 'shiftKey' | 'ctrlKey' | 'altKey' | 'metaKey'> = {
  16: 'shiftKey',
  17: 'ctrlKey',
  18: 'altKey',
  91: 'metaKey',
};

const COLOURS = { box: 'rgb(255, 215, 0)', include: 'rgb(0, 220, 90)', exclude: 'rgb(255, 70, 70)' };

export interface BoxPromptToolConfiguration {
  /** Returns the controller the tool sends its boxes to (a function, so tool configuration can hold it). */
  getController?: () => BoxPromptController | undefined;
  /** Called with errors the user should see (locked segment, no segmentation, engine failure). */
  onError?: (error: Error) => void;
  /** Called on every mouse-up that starts a segmentation, with `performance.now()` at mouse-up. */
  onMouseUp?: (at: number) => void;
  /**
   * The modifier that makes a click an exclude point: a Cornerstone `KeyboardBindings` value (Shift,
   * Ctrl, Alt or Meta; default Shift). The tool must also be bound to the primary button with this
   * modifier, or Cornerstone hands such clicks to no tool (the session's activateBoxTool binds both).
   */
  excludeModifierKey?: number;
  /** Words for the engine's score beside the box, e.g. 'predicted IoU'; the score is not drawn without. */
  scoreLabel?: () => string | undefined;
}

/** Cornerstone's KeyboardBindings.Shift. */
export const DEFAULT_EXCLUDE_MODIFIER_KEY = 16;

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
    private readonly inFlight: InFlight[] = [];

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
      const { element, currentPoints, event } = evt.detail;
      const { viewport } = getEnabledElement(element)!;
      const flag = MODIFIER_FLAGS[this.toolConfig.excludeModifierKey ?? DEFAULT_EXCLUDE_MODIFIER_KEY];
      this.drawState = {
        element,
        viewportId: viewport.id,
        start: [...currentPoints.world] as Types.Point3,
        end: [...currentPoints.world] as Types.Point3,
        moved: false,
        exclude: !!flag && !!(event as MouseEvent | undefined)?.[flag],
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
      const { viewport } = getEnabledElement(state.element)!;
      const work = state.moved
        ? this.segmentBox(viewport as unknown as Types.IViewport, state.start, state.end, mouseUpAt)
        : this.addPoint(
            viewport as unknown as Types.IViewport,
            state.start,
            state.exclude ? 0 : 1,
            mouseUpAt,
          );
      void work.catch((error) => this.report(error));
      evt.preventDefault?.();
    };

    /**
     * A click: an include (1) or exclude (0) point for the preview on this slice, or for its last
     * accepted mask. A click with nothing to refine (no box drawn here yet) does nothing: it may just
     * be the click that makes a viewport active.
     */
    private async addPoint(
      viewport: Types.IViewport,
      world: Types.Point3,
      label: 0 | 1,
      mouseUpAt: number,
    ): Promise<void> {
      const controller = this.controller();
      const imageId = (viewport as Types.IStackViewport).getCurrentImageId?.();
      if (!controller || !imageId) return;
      // A click right after a box waits for that box's preview; otherwise there must be one to refine.
      const boxInFlight = this.inFlight.some((f) => f.imageId === imageId && f.box);
      if (!boxInFlight && !controller.canRefine(imageId)) return;
      const [x, y] = worldToPixel(imageId, world);
      await this.track({ viewportId: viewport.id, imageId, point: { world, label } }, () => {
        this.toolConfig.onMouseUp?.(mouseUpAt);
        return controller.addPoint(imageId, { x, y, label });
      });
    }

    /** Draws `shown` dashed until `work` settles. */
    private async track<T>(shown: InFlight, work: () => Promise<T>): Promise<T> {
      this.inFlight.push(shown);
      utilities.triggerAnnotationRenderForViewportIds([shown.viewportId]);
      try {
        return await work();
      } finally {
        this.inFlight.splice(this.inFlight.indexOf(shown), 1);
        utilities.triggerAnnotationRenderForViewportIds([shown.viewportId]);
      }
    }

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
      await this.track({ viewportId: viewport.id, imageId, box: [start, end] }, () => {
        this.toolConfig.onMouseUp?.(mouseUpAt);
        return controller.previewBox({
          segmentationId: active.segmentationId,
          segmentIndex,
          referencedImageId: imageId,
          box,
          window: controller.windowFor(viewport),
        });
      });
    }

    override acceptPreview(): void {
      this.controller()?.accept();
    }

    override rejectPreview(): void {
      this.controller()?.reject();
    }

    override hasPreviewData(): boolean {
      return this.controller()?.hasPreview() ?? false;
    }

    /**
     * The box being dragged; boxes and clicks in flight (dashed); the pending preview's box, its points
     * (include: green disc with +, exclude: red disc with -) and the engine's score with any image-quality
     * warning beside the box. Accepting or rejecting the preview (keyboard, toolbar) takes them away.
     */
    renderAnnotation = (
      enabledElement: Types.IEnabledElement,
      svgDrawingHelper: ToolTypes.SVGDrawingHelper,
    ): boolean => {
      const { viewport } = enabledElement;
      const current = (viewport as Types.IStackViewport).getCurrentImageId?.();
      const canvas = (p: Types.Point3) => viewport.worldToCanvas(p);
      let drawn = false;
      const rect = (id: string, corners: [Types.Point3, Types.Point3], dashed: boolean) => {
        drawing.drawRect(svgDrawingHelper, 'box-prompt', id, canvas(corners[0]), canvas(corners[1]), {
          color: COLOURS.box,
          lineWidth: 2,
          lineDash: dashed ? '4,4' : undefined,
        });
        drawn = true;
      };
      // A filled disc with a white sign, + for include (green) and - for exclude (red): the sign keeps
      // them apart on a mask of any colour, and for colour-blind users. Dashed outline while in flight.
      const marker = (id: string, world: Types.Point3, label: 0 | 1, dashed: boolean) => {
        const [cx, cy] = canvas(world);
        const colour = label === 1 ? COLOURS.include : COLOURS.exclude;
        // data-id names the kind of point on the page (for integrators' styling and for tests).
        drawing.drawCircle(
          svgDrawingHelper,
          'box-prompt',
          `${id}-disc`,
          [cx, cy],
          6,
          { color: 'white', fill: colour, lineWidth: 1, lineDash: dashed ? '2,2' : undefined },
          `box-prompt-${label === 1 ? 'include' : 'exclude'}${dashed ? '-pending' : ''}`,
        );
        const sign = { color: 'white', width: 2 };
        drawing.drawLine(svgDrawingHelper, 'box-prompt', `${id}-across`, [cx - 3, cy], [cx + 3, cy], sign);
        if (label === 1) {
          drawing.drawLine(svgDrawingHelper, 'box-prompt', `${id}-down`, [cx, cy - 3], [cx, cy + 3], sign);
        }
        drawn = true;
      };
      if (this.drawState?.viewportId === viewport.id && this.drawState.moved) {
        rect('dragging', [this.drawState.start, this.drawState.end], false);
      }
      const view = this.controller()?.interaction() ?? null;
      if (view && view.referencedImageId === current)
        this.renderInteraction(view, svgDrawingHelper, rect, marker, canvas);
      this.inFlight.forEach((shown, i) => {
        if (shown.viewportId !== viewport.id || shown.imageId !== current) return;
        if (shown.box) rect(`in-flight-box-${i}`, shown.box, true);
        if (shown.point) marker(`in-flight-point-${i}`, shown.point.world, shown.point.label, true);
      });
      return drawn;
    };

    private renderInteraction(
      view: InteractionView,
      svgDrawingHelper: ToolTypes.SVGDrawingHelper,
      rect: (id: string, corners: [Types.Point3, Types.Point3], dashed: boolean) => void,
      marker: (id: string, world: Types.Point3, label: 0 | 1, dashed: boolean) => void,
      canvas: (p: Types.Point3) => Types.Point2,
    ): void {
      const { referencedImageId: imageId, box } = view;
      const a = pixelToWorld(imageId, box.x0, box.y0);
      const b = pixelToWorld(imageId, box.x1, box.y1);
      rect('preview-box', [a, b], false);
      view.points.forEach((p, i) => {
        marker(`point-${i}`, pixelToWorld(imageId, p.x, p.y), p.label, false);
      });
      const lines: string[] = [];
      const scoreLabel = this.toolConfig.scoreLabel?.();
      if (scoreLabel) lines.push(`${scoreLabel} ${view.score.toFixed(2)}`);
      const warning = view.imageQuality?.warning;
      if (warning)
        lines.push(`⚠ looks ${DEGRADATION_WORDS[warning.degradation]} (severity ${warning.severity} of 5)`);
      if (lines.length === 0) return;
      const [ax, ay] = canvas(a);
      const [bx, by] = canvas(b);
      drawing.drawTextBox(
        svgDrawingHelper,
        'box-prompt',
        'score',
        lines,
        [Math.max(ax, bx) + 6, Math.min(ay, by)],
        {
          color: COLOURS.box,
        },
      );
    }
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
