/**
 * The toolbar (the extension's buttons plus window/level, pan, zoom) and the keyboard shortcuts. The
 * extension's buttons and keys run its commands through the commands manager, as OHIF's toolbar does.
 */
import {
  PanTool,
  Enums as ToolsEnums,
  type Types as ToolsTypes,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { BoxPromptSegmentationTool } from '../../src/cornerstone/box-prompt-tool.ts';
import type { CommandName, ToolbarButton } from '../src/index.ts';
import { $, type ViewerState } from './viewer-state.ts';

/**
 * Runs one of the extension's commands. Its failures, thrown or rejected, are dropped here: the extension
 * has already shown them through uiNotificationService.
 */
function run(state: ViewerState, name: CommandName, options?: Record<string, unknown>): void {
  Promise.resolve()
    .then(() => state.commands.runCommand(name, options))
    .catch(() => undefined);
}

export function renderToolbar(
  state: ViewerState,
  toolGroup: ToolsTypes.IToolGroup,
  extensionButtons: ToolbarButton[],
): void {
  const bar = $('toolbar');
  const primaryTools: Array<[string, string]> = [
    [WindowLevelTool.toolName, 'Window/level'],
    [PanTool.toolName, 'Pan'],
    [ZoomTool.toolName, 'Zoom'],
  ];
  const buttons: HTMLButtonElement[] = [];
  const markActive = (id: string) => {
    for (const b of buttons) b.classList.toggle('active', b.dataset.tool === id);
  };
  const activatePrimary = (toolName: string) => {
    for (const [name] of primaryTools) {
      if (name !== toolName) toolGroup.setToolPassive(name);
    }
    if (toolName !== BoxPromptSegmentationTool.toolName) {
      toolGroup.setToolPassive(BoxPromptSegmentationTool.toolName);
      toolGroup.setToolActive(toolName, { bindings: [{ mouseButton: ToolsEnums.MouseBindings.Primary }] });
      // Keep the secondary binding of zoom when it is not the primary tool.
      if (toolName !== ZoomTool.toolName) {
        toolGroup.setToolActive(ZoomTool.toolName, {
          bindings: [{ mouseButton: ToolsEnums.MouseBindings.Secondary }],
        });
      }
    }
    markActive(toolName);
  };
  for (const def of extensionButtons) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = def.label;
    button.title = def.tooltip + (def.hotkey ? ` [${def.hotkey}]` : '');
    button.dataset.testid = `tool-${def.id}`;
    if (def.id === 'BoxPrompt') button.dataset.tool = BoxPromptSegmentationTool.toolName;
    button.addEventListener('click', () => {
      if (def.id === 'BoxPrompt') {
        activatePrimary(BoxPromptSegmentationTool.toolName);
      }
      for (const c of def.commands) run(state, c.commandName as CommandName, c.commandOptions);
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
    button.addEventListener('click', () => activatePrimary(name));
    buttons.push(button);
    bar.append(button);
  }
  activatePrimary(BoxPromptSegmentationTool.toolName);
  run(state, 'robustmedsamActivateBoxTool');
}

export function bindKeys(state: ViewerState): void {
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const key = (name: CommandName) => {
      event.preventDefault();
      run(state, name);
    };
    if (event.key === 'Enter') key('robustmedsamAccept');
    else if (event.key === 'Escape') key('robustmedsamReject');
    else if (event.key === 'p') key('robustmedsamPropagate');
    else if (event.key === 'b')
      ($('toolbar').querySelector('[data-testid="tool-BoxPrompt"]') as HTMLButtonElement)?.click();
    else if ((event.ctrlKey || event.metaKey) && event.key === 'z') key('robustmedsamUndo');
    else if ((event.ctrlKey || event.metaKey) && event.key === 'y') key('robustmedsamRedo');
  });
}
