/**
 * The demo's own OHIF services, as far as the RobustMedSAM extension uses them, over the demo's
 * Cornerstone rendering engine, its one viewport and tool group, and its message line; plus a small
 * commands manager. `registerExtension` does what OHIF's ExtensionManager does with an extension
 * (preRegistration, then the commands, customisation and toolbar modules), so the demo and its
 * end-to-end tests drive the extension the way an OHIF app does.
 */
import type { RenderingEngine, Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import type {
  CommandFn,
  CommandsModule,
  CustomizationService,
  RobustMedSamConfiguration,
  RobustMedSamExtension,
  RobustMedSamServices,
  ToolbarButton,
} from '../src/index.ts';
import { VIEWPORT_ID } from './viewer-state.ts';

/** Customisations as OHIF keeps them: extension defaults, overridden by what the viewer sets. */
export class DemoCustomizationService implements CustomizationService {
  private readonly defaults = new Map<string, unknown>();
  private readonly overrides = new Map<string, unknown>();

  addDefaults(values: Record<string, unknown>): void {
    for (const [id, value] of Object.entries(values)) this.defaults.set(id, value);
  }

  setCustomization(id: string, value: unknown): void {
    this.overrides.set(id, value);
  }

  getCustomization(id: string): unknown {
    return this.overrides.has(id) ? this.overrides.get(id) : this.defaults.get(id);
  }
}

/** Runs registered commands by name, as OHIF's commandsManager.runCommand does. */
export class DemoCommandsManager {
  private readonly commands = new Map<string, CommandFn>();

  registerCommands(module: CommandsModule): void {
    for (const [name, definition] of Object.entries(module.definitions)) {
      this.commands.set(name, definition.commandFn);
    }
  }

  runCommand(name: string, options: Record<string, unknown> = {}): unknown {
    const command = this.commands.get(name);
    if (!command) throw new Error(`No command named ${name} is registered.`);
    return command(options);
  }
}

export interface DemoServices {
  servicesManager: { services: RobustMedSamServices };
  commandsManager: DemoCommandsManager;
  customizationService: DemoCustomizationService;
}

export function createDemoServices(viewer: {
  renderingEngine: RenderingEngine;
  /** The tool group of the demo's one viewport (it exists before the viewport does). */
  toolGroup: ToolsTypes.IToolGroup;
  /** Shows a line to the user; `error` marks it as a failure. */
  notify(message: string, error: boolean): void;
}): DemoServices {
  const customizationService = new DemoCustomizationService();
  const services: RobustMedSamServices = {
    // One viewport, always the active one.
    viewportGridService: { getState: () => ({ activeViewportId: VIEWPORT_ID }) },
    cornerstoneViewportService: {
      // The stack or volume viewport the demo shows now (it is recreated when the view kind changes).
      getCornerstoneViewport: (viewportId) =>
        viewer.renderingEngine.getViewport(viewportId) as
          | Types.IStackViewport
          | Types.IVolumeViewport
          | undefined,
    },
    toolGroupService: {
      getToolGroupForViewport: (viewportId) => (viewportId === VIEWPORT_ID ? viewer.toolGroup : undefined),
    },
    customizationService,
    uiNotificationService: {
      show: ({ message, type }) => viewer.notify(message, type === 'error'),
    },
  };
  return { servicesManager: { services }, commandsManager: new DemoCommandsManager(), customizationService };
}

/**
 * Registers the extension as OHIF's ExtensionManager does and returns its toolbar buttons (which an
 * OHIF mode would hand to toolbarService).
 */
export function registerExtension(
  demo: DemoServices,
  extension: RobustMedSamExtension,
  configuration: RobustMedSamConfiguration,
): ToolbarButton[] {
  const { servicesManager, commandsManager, customizationService } = demo;
  extension.preRegistration({ servicesManager, commandsManager, configuration });
  commandsManager.registerCommands(extension.getCommandsModule({ servicesManager, commandsManager }));
  for (const { name, value } of extension.getCustomizationModule({ servicesManager })) {
    if (name === 'default') customizationService.addDefaults(value);
  }
  return extension.getToolbarModule({ servicesManager, commandsManager }).flatMap((entry) => entry.buttons);
}
