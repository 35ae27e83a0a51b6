/** The toolbar (the extension's buttons plus window/level, pan, zoom) and the keyboard shortcuts. */
import {
  PanTool,
  Enums as ToolsEnums,
  type Types as ToolsTypes,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { BoxPromptSegmentationTool } from '../../src/cornerstone/box-prompt-tool.ts';
import { $, describeError, setMessage, type ViewerState } from './viewer-state.ts';

export function renderToolbar(state: ViewerState, toolGroup: ToolsTypes.IToolGroup): void {
  const bar = $('toolbar');
  const { actions } = state.extension.getCommandsModule();
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
  for (const def of state.extension.getToolbarModule()[0].buttons) {
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
      for (const c of def.commands) {
        Promise.resolve(actions[c.commandName as keyof typeof actions](c.commandOptions)).catch((error) =>
          setMessage(describeError(error), true),
        );
      }
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
  actions.robustmedsamActivateBoxTool();
}

export function bindKeys(state: ViewerState): void {
  const { actions } = state.extension.getCommandsModule();
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const run = (name: keyof typeof actions) => {
      event.preventDefault();
      Promise.resolve(actions[name]()).catch((error) => setMessage(describeError(error), true));
    };
    if (event.key === 'Enter') run('robustmedsamAccept');
    else if (event.key === 'Escape') run('robustmedsamReject');
    else if (event.key === 'p') run('robustmedsamPropagate');
    else if (event.key === 'b')
      ($('toolbar').querySelector('[data-testid="tool-BoxPrompt"]') as HTMLButtonElement)?.click();
    else if ((event.ctrlKey || event.metaKey) && event.key === 'z') run('robustmedsamUndo');
    else if ((event.ctrlKey || event.metaKey) && event.key === 'y') run('robustmedsamRedo');
  });
}
