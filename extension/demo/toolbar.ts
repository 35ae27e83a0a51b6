/**
 * The demo's toolbar and keys, on Cornerstone's own API: the box tool is activated in the demo's tool
 * group like any Cornerstone tool (the tool that held the left button goes passive), and each button
 * calls the RobustMedSAM session (or the SEG host) directly. No OHIF service is imitated here.
 */
import {
  PanTool,
  Enums as ToolsEnums,
  type Types as ToolsTypes,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { BOX_PROMPT_TOOL_NAME } from '../../src/cornerstone/box-prompt-tool.ts';
import { $, describeError, setMessage, type ViewerState } from './viewer-state.ts';

interface DemoButton {
  id: string;
  label: string;
  tooltip: string;
  key?: string;
  run(state: ViewerState): unknown;
}

/** The RobustMedSAM buttons; the session shows its own failures, the rest go to the message line. */
const BUTTONS: DemoButton[] = [
  {
    id: 'BoxPrompt',
    label: 'Box prompt',
    tooltip: 'Drag a box around an organ; the mask appears as a preview',
    key: 'b',
    run: (s) => s.session.activateBoxTool(s.toolGroup),
  },
  {
    id: 'AcceptPreview',
    label: 'Accept',
    tooltip: 'Keep the preview',
    key: 'Enter',
    run: (s) => s.session.controller.accept(),
  },
  {
    id: 'RejectPreview',
    label: 'Reject',
    tooltip: 'Drop the preview',
    key: 'Escape',
    run: (s) => s.session.controller.reject(),
  },
  {
    id: 'RemoveLastPoint',
    label: 'Remove point',
    tooltip: 'Remove the last include / exclude click of the preview',
    key: 'Backspace',
    run: (s) => s.session.removeLastPoint(),
  },
  {
    id: 'Propagate',
    label: 'Propagate',
    tooltip: 'Spread the accepted mask to neighbouring slices until it vanishes',
    key: 'p',
    run: (s) => s.session.propagate('both'),
  },
  {
    id: 'CancelPropagation',
    label: 'Stop',
    tooltip: 'Stop a running propagation',
    run: (s) => s.session.controller.cancelPropagation(),
  },
  { id: 'Undo', label: 'Undo', tooltip: 'Undo', key: 'ctrl+z', run: (s) => s.session.undo() },
  { id: 'Redo', label: 'Redo', tooltip: 'Redo', key: 'ctrl+y', run: (s) => s.session.redo() },
  {
    id: 'ExportSeg',
    label: 'Export SEG',
    tooltip: 'Save the segmentation as DICOM SEG',
    run: (s) => s.segHost.exportSeg(s.session, s.session.customizations.exportMode),
  },
  {
    id: 'SaveSegToPacs',
    label: 'Save SEG to PACS',
    tooltip: 'Store the segmentation as DICOM SEG in the PACS (STOW-RS); kept in the outbox if that fails',
    run: (s) => s.pacs?.save(),
  },
  {
    id: 'LoadSeg',
    label: 'Load SEG',
    tooltip: 'Load a DICOM SEG onto this series',
    run: (s) => s.segHost.loadSeg(s.session),
  },
];

function run(state: ViewerState, button: DemoButton): void {
  Promise.resolve()
    .then(() => button.run(state))
    .catch((error) => setMessage(describeError(error), true));
}

export function renderToolbar(state: ViewerState, toolGroup: ToolsTypes.IToolGroup): void {
  const bar = $('toolbar');
  const primaryTools: Array<[string, string]> = [
    [WindowLevelTool.toolName, 'Window/level'],
    [PanTool.toolName, 'Pan'],
    [ZoomTool.toolName, 'Zoom'],
  ];
  const buttons: HTMLButtonElement[] = [];
  const markActive = () => {
    const active = toolGroup.getActivePrimaryMouseButtonTool();
    for (const b of buttons) b.classList.toggle('active', !!b.dataset.tool && b.dataset.tool === active);
  };
  /** Another primary tool: the current one goes passive; zoom keeps the right button when not primary. */
  const activatePrimary = (toolName: string) => {
    const current = toolGroup.getActivePrimaryMouseButtonTool();
    if (current && current !== toolName) toolGroup.setToolPassive(current);
    toolGroup.setToolActive(toolName, { bindings: [{ mouseButton: ToolsEnums.MouseBindings.Primary }] });
    if (toolName !== ZoomTool.toolName) {
      toolGroup.setToolActive(ZoomTool.toolName, {
        bindings: [{ mouseButton: ToolsEnums.MouseBindings.Secondary }],
      });
    }
  };
  for (const def of BUTTONS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = def.label;
    button.title = def.tooltip + (def.key ? ` [${def.key}]` : '');
    button.dataset.testid = `tool-${def.id}`;
    if (def.id === 'BoxPrompt') button.dataset.tool = BOX_PROMPT_TOOL_NAME;
    button.addEventListener('click', () => {
      run(state, def);
      markActive();
    });
    buttons.push(button);
    bar.append(button);
  }
  for (const [name, label] of primaryTools) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.dataset.tool = name;
    button.dataset.testid = `tool-${name}`;
    button.addEventListener('click', () => {
      activatePrimary(name);
      markActive();
    });
    buttons.push(button);
    bar.append(button);
  }
  state.session.activateBoxTool(toolGroup);
  markActive();
}

export function bindKeys(): void {
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const pressed = `${event.ctrlKey || event.metaKey ? 'ctrl+' : ''}${event.key}`;
    const button = BUTTONS.find((b) => b.key === pressed);
    if (!button) return;
    event.preventDefault();
    ($('toolbar').querySelector(`[data-testid="tool-${button.id}"]`) as HTMLButtonElement | null)?.click();
  });
}
