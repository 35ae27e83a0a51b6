/**
 * The OHIF-style extension module: `{ id, preRegistration, getToolbarModule, getCommandsModule,
 * getCustomizationModule }`. Everything runs through one RobustMedSamSession per viewer; the host
 * (OHIF's services, or the demo viewer) supplies the active viewport, the worker, and the SEG context.
 */
import { utilities as csUtilities } from '@cornerstonejs/core';
import { BoxPromptSegmentationTool } from '../../src/cornerstone/box-prompt-tool.ts';
import {
  CUSTOMIZATION_IDS,
  type RobustMedSamCustomizations,
  resolveCustomizations,
} from './customizations.ts';
import { RobustMedSamSession, type SessionHost } from './session.ts';

export const EXTENSION_ID = '@robustmedsam/extension-box-prompt';

/** What "Export SEG" and "Load SEG" need from the host beyond the viewport. */
export interface SegHost {
  /** Writes the active segmentation as DICOM SEG bytes and hands them to the user (download, store). */
  exportSeg(
    session: RobustMedSamSession,
    mode: RobustMedSamCustomizations['exportMode'],
  ): Promise<Uint8Array>;
  /** Asks the user for a SEG (or takes the one given) and loads it onto the displayed series. */
  loadSeg(session: RobustMedSamSession, file?: { bytes: Uint8Array; name: string }): Promise<void>;
}

export interface ToolbarButton {
  id: string;
  label: string;
  tooltip: string;
  /** Keyboard shortcut the host binds (OHIF hotkeys syntax). */
  hotkey?: string;
  commands: Array<{ commandName: string; commandOptions?: Record<string, unknown> }>;
}

export const TOOLBAR_BUTTONS: ToolbarButton[] = [
  {
    id: 'BoxPrompt',
    label: 'Box prompt',
    tooltip: 'Drag a box around an organ; the mask appears as a preview',
    hotkey: 'b',
    commands: [{ commandName: 'robustmedsamActivateBoxTool' }],
  },
  {
    id: 'AcceptPreview',
    label: 'Accept',
    tooltip: 'Keep the preview (Enter)',
    hotkey: 'enter',
    commands: [{ commandName: 'robustmedsamAccept' }],
  },
  {
    id: 'RejectPreview',
    label: 'Reject',
    tooltip: 'Drop the preview (Esc)',
    hotkey: 'esc',
    commands: [{ commandName: 'robustmedsamReject' }],
  },
  {
    id: 'Propagate',
    label: 'Propagate',
    tooltip: 'Spread the accepted mask to neighbouring slices until it vanishes',
    hotkey: 'p',
    commands: [{ commandName: 'robustmedsamPropagate', commandOptions: { direction: 'both' } }],
  },
  {
    id: 'CancelPropagation',
    label: 'Stop',
    tooltip: 'Stop a running propagation',
    commands: [{ commandName: 'robustmedsamCancelPropagation' }],
  },
  {
    id: 'Undo',
    label: 'Undo',
    tooltip: 'Undo (Ctrl+Z)',
    hotkey: 'ctrl+z',
    commands: [{ commandName: 'robustmedsamUndo' }],
  },
  {
    id: 'Redo',
    label: 'Redo',
    tooltip: 'Redo (Ctrl+Y)',
    hotkey: 'ctrl+y',
    commands: [{ commandName: 'robustmedsamRedo' }],
  },
  {
    id: 'ExportSeg',
    label: 'Export SEG',
    tooltip: 'Save the segmentation as DICOM SEG',
    commands: [{ commandName: 'robustmedsamExportSeg' }],
  },
  {
    id: 'LoadSeg',
    label: 'Load SEG',
    tooltip: 'Load a DICOM SEG onto this series',
    commands: [{ commandName: 'robustmedsamLoadSeg' }],
  },
];

export type CommandName =
  | 'robustmedsamActivateBoxTool'
  | 'robustmedsamAccept'
  | 'robustmedsamReject'
  | 'robustmedsamPropagate'
  | 'robustmedsamCancelPropagation'
  | 'robustmedsamUndo'
  | 'robustmedsamRedo'
  | 'robustmedsamExportSeg'
  | 'robustmedsamLoadSeg'
  | 'robustmedsamLoadEngine';

type CommandFn = (options?: Record<string, unknown>) => unknown;

export interface ExtensionOptions {
  host: SessionHost;
  seg: SegHost;
  /** The tool group the box tool lives in (OHIF: the viewport's tool group). */
  getToolGroup(): Parameters<RobustMedSamSession['addToolTo']>[0] | undefined;
  customizations?: Partial<RobustMedSamCustomizations>;
}

export interface RobustMedSamExtension {
  id: string;
  session: RobustMedSamSession;
  getToolbarModule(): Array<{ name: string; defaultComponent?: unknown; buttons: ToolbarButton[] }>;
  getCommandsModule(): {
    actions: Record<CommandName, CommandFn>;
    definitions: Record<CommandName, { commandFn: CommandFn }>;
    defaultContext: string;
  };
  getCustomizationModule(): Array<{ name: string; value: Record<string, unknown> }>;
}

export function createRobustMedSamExtension(options: ExtensionOptions): RobustMedSamExtension {
  const customizations = resolveCustomizations(options.customizations);
  const session = new RobustMedSamSession(options.host, customizations);
  const toolGroup = () => {
    const group = options.getToolGroup();
    if (!group) throw new Error('No tool group for the active viewport.');
    if (!group.hasTool(BoxPromptSegmentationTool.toolName)) session.addToolTo(group);
    return group;
  };
  const history = csUtilities.HistoryMemo.DefaultHistoryMemo;

  const actions: Record<CommandName, CommandFn> = {
    robustmedsamActivateBoxTool: () => session.activateBoxTool(toolGroup()),
    robustmedsamAccept: () => session.controller.accept(),
    robustmedsamReject: () => session.controller.reject(),
    robustmedsamPropagate: (o) =>
      session.controller.propagate(
        (o?.direction as 'both' | 'up' | 'down') ?? 'both',
        session.controller.windowFor(options.host.getViewport()),
      ),
    robustmedsamCancelPropagation: () => session.controller.cancelPropagation(),
    robustmedsamUndo: () => {
      // An open preview is not in the history yet: undo drops it first.
      if (!session.controller.reject()) history.undo();
      options.host.getViewport()?.render();
    },
    robustmedsamRedo: () => {
      history.redo();
      options.host.getViewport()?.render();
    },
    robustmedsamExportSeg: () => options.seg.exportSeg(session, customizations.exportMode),
    robustmedsamLoadSeg: (o) =>
      options.seg.loadSeg(
        session,
        o?.bytes ? { bytes: o.bytes as Uint8Array, name: String(o.name ?? 'SEG') } : undefined,
      ),
    robustmedsamLoadEngine: (o) =>
      session.loadEngine(o && 'modelUrl' in o ? (o.modelUrl as string | null) : customizations.modelUrl),
  };
  const definitions = Object.fromEntries(
    Object.entries(actions).map(([name, fn]) => [name, { commandFn: fn }]),
  ) as Record<CommandName, { commandFn: CommandFn }>;

  return {
    id: EXTENSION_ID,
    session,
    getToolbarModule: () => [{ name: 'robustmedsam.toolbar', buttons: TOOLBAR_BUTTONS }],
    getCommandsModule: () => ({ actions, definitions, defaultContext: 'CORNERSTONE' }),
    getCustomizationModule: () => [
      {
        name: 'default',
        value: Object.fromEntries(
          (Object.keys(CUSTOMIZATION_IDS) as Array<keyof RobustMedSamCustomizations>).map((key) => [
            CUSTOMIZATION_IDS[key],
            customizations[key],
          ]),
        ),
      },
    ],
  };
}

export { DEFAULT_CUSTOMIZATIONS, type RobustMedSamCustomizations } from './customizations.ts';
export { RobustMedSamSession, type SessionHost } from './session.ts';
