/**
 * The extension's toolbar in OHIF 3.13 terms. Buttons are data (`{ id, uiType: 'ohif.toolButton',
 * props: { icon, label, tooltip, commands, evaluate } }`), registered as the customisation
 * `robustmedsam.toolbarButtons`; a mode takes them with `{ $reference: 'robustmedsam.toolbarButtons' }`
 * and places their ids in a toolbar section (`ohifAppConfig` writes the app-config lines that do both
 * for OHIF's segmentation and basic viewer modes). The toolbar module holds the evaluators the buttons
 * name: OHIF asks them, per viewport, whether a button is disabled or active.
 */
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import { BOX_PROMPT_TOOL_NAME } from '../../src/cornerstone/box-prompt-tool.ts';
import { tools } from '../../src/cornerstone/libraries.ts';
import type { RobustMedSamServices } from './ohif-services.ts';

export interface ToolbarButton {
  id: string;
  uiType: 'ohif.toolButton';
  props: {
    icon: string;
    label: string;
    tooltip: string;
    commands: string | { commandName: string; commandOptions?: Record<string, unknown> };
    evaluate: string;
  };
}

/** The customisation id the buttons are registered under. */
export const TOOLBAR_BUTTONS_ID = 'robustmedsam.toolbarButtons';

const EVALUATE_BOX_TOOL = 'evaluate.robustmedsam.boxTool';
const EVALUATE_SEGMENTATION = 'evaluate.robustmedsam.segmentation';
const EVALUATE_ALWAYS = 'evaluate.robustmedsam.always';

const button = (
  id: string,
  icon: string,
  label: string,
  tooltip: string,
  commands: ToolbarButton['props']['commands'],
  evaluate = EVALUATE_SEGMENTATION,
): ToolbarButton => ({ id, uiType: 'ohif.toolButton', props: { icon, label, tooltip, commands, evaluate } });

export const TOOLBAR_BUTTONS: ToolbarButton[] = [
  button(
    'RobustMedSamBoxPrompt',
    'tool-rectangle',
    'Box prompt',
    'Box prompt (RobustMedSAM): drag a box around an organ; the mask appears as a preview',
    'robustmedsamActivateBoxTool',
    EVALUATE_BOX_TOOL,
  ),
  button('RobustMedSamAccept', 'tool-point', 'Accept', 'Keep the preview mask', 'robustmedsamAccept'),
  button('RobustMedSamReject', 'tool-reset', 'Reject', 'Drop the preview mask', 'robustmedsamReject'),
  button(
    'RobustMedSamPropagate',
    'icon-labelmap-slice-propagation',
    'Propagate',
    'Spread the accepted mask to neighbouring slices until the organ ends',
    { commandName: 'robustmedsamPropagate', commandOptions: { direction: 'both' } },
  ),
  button(
    'RobustMedSamExportSeg',
    'tool-capture',
    'Export SEG',
    'Save the segmentation as DICOM SEG',
    'robustmedsamExportSeg',
  ),
  button(
    'RobustMedSamRetrySave',
    'icon-transferring',
    'Retry save',
    'Store again the SEGs a failed store kept (they were downloaded too)',
    'robustmedsamRetrySaves',
    EVALUATE_ALWAYS,
  ),
  button(
    'RobustMedSamLoadSeg',
    'dicom-tag-browser',
    'Load SEG',
    'Load a DICOM SEG file onto this series',
    'robustmedsamLoadSeg',
  ),
];

/**
 * Backspace removes the preview's last include / exclude click. OHIF binds Backspace to "delete the
 * selected annotation" and a key holds one command, so ours hands the key on to that command whenever
 * there is no click to remove. Pushed onto each mode's hotkeys by `ohifModeCustomizations`.
 */
export const REMOVE_LAST_POINT_HOTKEY = {
  commandName: 'robustmedsamRemoveLastPoint',
  commandOptions: { otherwise: 'deleteActiveAnnotation' },
  label: 'Remove last click (else delete annotation)',
  keys: ['backspace'],
};

/**
 * Keys for a mode's `hotkeys` (OHIF hotkey syntax). Undo / redo are OHIF's own (Ctrl+Z / Ctrl+Y); OHIF's
 * own Enter and Esc (acceptPreview, cancelActiveOperation) accept and reject our preview too.
 */
export const HOTKEYS = [
  { commandName: 'robustmedsamActivateBoxTool', label: 'Box prompt', keys: ['b'] },
  { commandName: 'robustmedsamAccept', label: 'Accept preview', keys: ['enter'] },
  { commandName: 'robustmedsamReject', label: 'Reject preview', keys: ['esc'] },
  {
    commandName: 'robustmedsamPropagate',
    commandOptions: { direction: 'both' },
    label: 'Propagate',
    keys: ['p'],
  },
  REMOVE_LAST_POINT_HOTKEY,
];

/** What OHIF's toolbar service calls: `evaluate({ viewportId, button, ...options })`. */
export interface ToolbarEvaluator {
  name: string;
  evaluate(context: {
    viewportId: string;
  }): { disabled: boolean; isActive?: boolean; disabledText?: string } | undefined;
}

const disabled = (disabledText: string) => ({ disabled: true, disabledText });

/** The evaluators the buttons name; `services()` throws until the extension is registered. */
export function toolbarEvaluators(host: { services(): RobustMedSamServices }): ToolbarEvaluator[] {
  const hasSegmentation = (viewportId: string): boolean => {
    try {
      host.services();
      return !!tools().segmentation.activeSegmentation.getActiveSegmentation(viewportId);
    } catch {
      return false;
    }
  };
  const toolGroupOf = (viewportId: string): ToolsTypes.IToolGroup | undefined =>
    host.services().toolGroupService.getToolGroupForViewport(viewportId);
  return [
    {
      name: EVALUATE_BOX_TOOL,
      evaluate: ({ viewportId }) => {
        if (!hasSegmentation(viewportId)) return disabled('Add a segmentation to segment with a box.');
        return {
          disabled: false,
          isActive: toolGroupOf(viewportId)?.getActivePrimaryMouseButtonTool() === BOX_PROMPT_TOOL_NAME,
        };
      },
    },
    {
      name: EVALUATE_SEGMENTATION,
      evaluate: ({ viewportId }) =>
        hasSegmentation(viewportId) ? { disabled: false } : disabled('Add a segmentation first.'),
    },
    { name: EVALUATE_ALWAYS, evaluate: () => ({ disabled: false }) },
  ];
}

/** Where each OHIF mode keeps its primary toolbar section (the customisation that lists it). */
const MODE_SECTIONS: Record<string, string> = {
  '@ohif/mode-segmentation': 'cornerstone.segmentationModeToolbarSections',
  '@ohif/mode-longitudinal': 'cornerstone.toolbarSections',
};

/**
 * The `customizationService` part of an OHIF 3.13 app config that puts the buttons on the primary
 * toolbar of OHIF's segmentation and basic viewer (longitudinal) modes, and Backspace on our command. A mode phase block, because
 * OHIF merges a mode's section packs per section with the last one winning: pushing our ids onto the
 * mode's own primary section keeps OHIF's buttons, where a pack of our own would replace them.
 */
export function ohifModeCustomizations(): { mode: Record<string, Record<string, unknown>> } {
  const ids = TOOLBAR_BUTTONS.map((b) => b.id);
  return {
    mode: Object.fromEntries(
      Object.entries(MODE_SECTIONS).map(([modeId, sections]) => [
        modeId,
        {
          toolbarButtons: { $push: [{ $reference: TOOLBAR_BUTTONS_ID }] },
          [sections]: { primary: { $push: ids } },
          'ohif.hotkeyBindings': { $push: [REMOVE_LAST_POINT_HOTKEY] },
        },
      ]),
    ),
  };
}
