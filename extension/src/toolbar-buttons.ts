/**
 * The extension's toolbar buttons (OHIF's toolbar module): what each shows and the command it runs.
 * A mode adds them with toolbarService.addButtons (extension/README.md); the demo draws them itself.
 */
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
