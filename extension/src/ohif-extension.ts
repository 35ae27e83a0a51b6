/**
 * The RobustMedSAM OHIF v3 extension. OHIF calls `preRegistration` once with its servicesManager, which
 * creates the one RobustMedSamSession for it, then the module getters. Commands find their context
 * through OHIF's services when they run: the active viewport (viewportGridService,
 * cornerstoneViewportService), its tool group (toolGroupService) and the customisations
 * (customizationService); failures reach the user through uiNotificationService.
 * `configuration` carries what only the host can supply: the worker (its URL has to be bundled at the
 * host's call site) and, optionally, a SEG host (where SEG bytes go and come from); without one the
 * default host (default-seg-host.ts) downloads exports and asks for a file to load.
 */
import { utilities as csUtilities, type Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import { BoxPromptSegmentationTool } from '../../src/cornerstone/box-prompt-tool.ts';
import { InputError } from '../../src/errors.ts';
import {
  CUSTOMIZATION_IDS,
  DEFAULT_CUSTOMIZATIONS,
  type RobustMedSamCustomizations,
  resolveCustomizations,
} from './customizations.ts';
import { createDefaultSegHost } from './default-seg-host.ts';
import { REQUIRED_SERVICES, type RobustMedSamServices, type ServicesManager } from './ohif-services.ts';
import { RobustMedSamSession } from './session.ts';
import { TOOLBAR_BUTTONS, type ToolbarButton } from './toolbar-buttons.ts';

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

/** The extension's configuration: the second element of its `[extension, configuration]` entry in OHIF. */
export interface RobustMedSamConfiguration {
  /** Starts the segmenter's Web Worker (`new Worker(new URL('.../segmenter.worker.ts', import.meta.url))`). */
  createWorker(): Worker;
  /**
   * Without one, the default host (createDefaultSegHost) is used: it exports the active viewport's active
   * segmentation as a download and loads a SEG file the user picks, from Cornerstone's state alone.
   */
  segHost?: SegHost;
}

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

export type CommandFn = (options?: Record<string, unknown>) => unknown;

export interface CommandsModule {
  actions: Record<CommandName, CommandFn>;
  definitions: Record<CommandName, { commandFn: CommandFn }>;
  defaultContext: string;
}

/** What OHIF passes to the module getters; the extension reads only the servicesManager. */
export interface ModuleContext {
  servicesManager: ServicesManager;
  commandsManager?: unknown;
  extensionManager?: unknown;
}

export interface RobustMedSamExtension {
  id: string;
  preRegistration(context: {
    servicesManager: ServicesManager;
    commandsManager?: unknown;
    configuration?: RobustMedSamConfiguration;
  }): void;
  getToolbarModule(context?: ModuleContext): Array<{ name: string; buttons: ToolbarButton[] }>;
  getCommandsModule(context: ModuleContext): CommandsModule;
  getCustomizationModule(context?: ModuleContext): Array<{ name: string; value: Record<string, unknown> }>;
}

interface Registration {
  session: RobustMedSamSession;
  services: RobustMedSamServices;
  segHost: SegHost;
}

const registrations = new WeakMap<ServicesManager, Registration>();

const NOTIFICATION_TITLE = 'RobustMedSAM';

/** An error as a person reads it: what was wrong, then what to do. */
export function describeError(error: unknown): string {
  const e = error as { message?: string; hint?: string };
  return [e?.message ?? String(error), e?.hint].filter(Boolean).join(' ');
}

function servicesOf(servicesManager: ServicesManager): RobustMedSamServices {
  const missing = REQUIRED_SERVICES.filter((name) => !servicesManager?.services?.[name]);
  if (missing.length > 0) {
    throw new InputError(
      'missing-ohif-services',
      `The servicesManager has no ${missing.join(', ')}.`,
      `The RobustMedSAM extension needs OHIF's ${REQUIRED_SERVICES.join(', ')}; register it in an ` +
        'OHIF app that has @ohif/extension-cornerstone, or give the host its own (extension/demo/services.ts).',
    );
  }
  return servicesManager.services as RobustMedSamServices;
}

function registrationOf(servicesManager: ServicesManager): Registration {
  const registration = registrations.get(servicesManager);
  if (!registration) {
    throw new InputError(
      'extension-not-registered',
      'The RobustMedSAM extension has not been registered with this servicesManager.',
      "List it in the app's extensions so that OHIF calls its preRegistration before its commands run.",
    );
  }
  return registration;
}

/** The session preRegistration created for this servicesManager (for status displays and tests). */
export function getRobustMedSamSession(servicesManager: ServicesManager): RobustMedSamSession {
  return registrationOf(servicesManager).session;
}

/** The active viewport, or undefined while it shows nothing. */
function activeViewport(services: RobustMedSamServices): Types.IStackViewport | undefined {
  const id = services.viewportGridService.getState().activeViewportId;
  const viewport = id ? services.cornerstoneViewportService.getCornerstoneViewport(id) : undefined;
  // Stack or volume: the session uses only what both offer (the image shown, the canvas, render).
  return (viewport ?? undefined) as Types.IStackViewport | undefined;
}

function activeToolGroup(services: RobustMedSamServices): ToolsTypes.IToolGroup {
  const id = services.viewportGridService.getState().activeViewportId;
  if (!id) {
    throw new InputError('no-active-viewport', 'No viewport is active.', 'Click a viewport, then try again.');
  }
  const toolGroup = services.toolGroupService.getToolGroupForViewport(id);
  if (!toolGroup) {
    throw new InputError(
      'no-tool-group',
      `The active viewport (${id}) has no tool group.`,
      "Add the viewport to a tool group (the mode's toolGroupService set-up) before activating the box tool.",
    );
  }
  return toolGroup;
}

function propagationDirection(value: unknown): 'both' | 'up' | 'down' {
  if (value === undefined) return 'both';
  if (value === 'both' || value === 'up' || value === 'down') return value;
  throw new InputError(
    'bad-command-option',
    `robustmedsamPropagate: direction ${JSON.stringify(value)} is not one of 'both', 'up', 'down'.`,
    "Leave it out to propagate both ways; 'up' goes to later slices of the series, 'down' to earlier ones.",
  );
}

function modelUrlOption(value: unknown): string | null {
  if (value === null || (typeof value === 'string' && value.length > 0)) return value;
  throw new InputError(
    'bad-command-option',
    `robustmedsamLoadEngine: modelUrl ${JSON.stringify(value)} is neither a URL nor null.`,
    'Pass the URL of a model folder (model.json + graphs), or null for the classical engine.',
  );
}

/** Shows a command's failure to the user, then hands it on to whoever awaits the command. */
function reportingFailures(fn: CommandFn, servicesManager: ServicesManager): CommandFn {
  const report = (error: unknown): never => {
    servicesManager.services?.uiNotificationService?.show({
      title: NOTIFICATION_TITLE,
      message: describeError(error),
      type: 'error',
    });
    throw error;
  };
  return (options) => {
    try {
      const result = fn(options);
      return result instanceof Promise ? result.catch(report) : result;
    } catch (error) {
      return report(error);
    }
  };
}

/**
 * The one command table: every context is looked up through the services when the command runs. The
 * commands that wait on the worker are async, so that every failure of theirs is a rejection.
 */
function createActions(servicesManager: ServicesManager): Record<CommandName, CommandFn> {
  const context = () => registrationOf(servicesManager);
  const history = csUtilities.HistoryMemo.DefaultHistoryMemo;
  const renderActive = () => activeViewport(context().services)?.render();

  const actions: Record<CommandName, CommandFn> = {
    robustmedsamActivateBoxTool: () => {
      const { session, services } = context();
      const toolGroup = activeToolGroup(services);
      if (!toolGroup.hasTool(BoxPromptSegmentationTool.toolName)) session.addToolTo(toolGroup);
      session.activateBoxTool(toolGroup);
      // Boxes will be drawn here: encode ahead around this viewport's slice from now on.
      const viewport = activeViewport(services);
      if (viewport && viewport !== session.followed) session.follow(viewport);
    },
    robustmedsamAccept: () => context().session.controller.accept(),
    robustmedsamReject: () => context().session.controller.reject(),
    robustmedsamPropagate: async (o) => {
      const { session, services } = context();
      const direction = propagationDirection(o?.direction);
      return session.controller.propagate(direction, session.controller.windowFor(activeViewport(services)));
    },
    robustmedsamCancelPropagation: () => context().session.controller.cancelPropagation(),
    robustmedsamUndo: () => {
      // An open preview is not in the history yet: undo drops it first.
      if (!context().session.controller.reject()) history.undo();
      renderActive();
    },
    robustmedsamRedo: () => {
      history.redo();
      renderActive();
    },
    robustmedsamExportSeg: async () => {
      const { session, segHost } = context();
      return segHost.exportSeg(session, session.customizations.exportMode);
    },
    robustmedsamLoadSeg: async (o) =>
      context().segHost.loadSeg(
        context().session,
        o?.bytes ? { bytes: o.bytes as Uint8Array, name: String(o.name ?? 'SEG') } : undefined,
      ),
    robustmedsamLoadEngine: async (o) => {
      const { session, services } = context();
      // Read again here, not only at preRegistration: a mode sets its customisations on entering.
      session.configure(resolveCustomizations(services.customizationService));
      const modelUrl = o && 'modelUrl' in o ? modelUrlOption(o.modelUrl) : session.customizations.modelUrl;
      return session.loadEngine(modelUrl);
    },
  };
  return Object.fromEntries(
    Object.entries(actions).map(([name, fn]) => [name, reportingFailures(fn, servicesManager)]),
  ) as Record<CommandName, CommandFn>;
}

export const robustMedSamExtension: RobustMedSamExtension = {
  id: EXTENSION_ID,

  preRegistration({ servicesManager, configuration }) {
    const services = servicesOf(servicesManager);
    if (typeof configuration?.createWorker !== 'function') {
      throw new InputError(
        'bad-extension-configuration',
        'The RobustMedSAM extension configuration has no createWorker().',
        "Register it as [robustMedSamExtension, { createWorker, segHost }] (extension/README.md): the worker's " +
          'URL has to be bundled where the host calls new Worker(new URL(...)).',
      );
    }
    if (registrations.has(servicesManager)) {
      throw new InputError(
        'extension-registered-twice',
        'The RobustMedSAM extension is already registered with this servicesManager.',
        'Register it once per viewer.',
      );
    }
    const session = new RobustMedSamSession(
      {
        createWorker: () => configuration.createWorker(),
        getViewport: () => activeViewport(services),
      },
      resolveCustomizations(services.customizationService),
    );
    // Errors outside any command (a box drawn with the tool, a propagation step, a crashed worker).
    const notify = (event: Event) =>
      services.uiNotificationService.show({
        title: NOTIFICATION_TITLE,
        message: describeError((event as CustomEvent).detail),
        type: 'error',
      });
    session.addEventListener('error', notify);
    session.controller.addEventListener('error', notify);
    session.client.addEventListener('error', notify);
    // What an export or load did goes where OHIF shows everything else.
    const segHost =
      configuration.segHost ??
      createDefaultSegHost({
        notify: (message) =>
          services.uiNotificationService.show({ title: NOTIFICATION_TITLE, message, type: 'success' }),
      });
    registrations.set(servicesManager, { session, services, segHost });
  },

  getToolbarModule: () => [{ name: 'robustmedsam.toolbar', buttons: TOOLBAR_BUTTONS }],

  getCommandsModule({ servicesManager }) {
    const actions = createActions(servicesManager);
    const definitions = Object.fromEntries(
      Object.entries(actions).map(([name, commandFn]) => [name, { commandFn }]),
    ) as CommandsModule['definitions'];
    return { actions, definitions, defaultContext: 'CORNERSTONE' };
  },

  // The defaults, under their ids; OHIF answers getCustomization(id) with these unless a mode or the app
  // config overrides them. Ids without a default (threads) are left for the deployment to set.
  getCustomizationModule: () => [
    {
      name: 'default',
      value: Object.fromEntries(
        (Object.keys(CUSTOMIZATION_IDS) as Array<keyof RobustMedSamCustomizations>)
          .filter((key) => DEFAULT_CUSTOMIZATIONS[key] !== undefined)
          .map((key) => [CUSTOMIZATION_IDS[key], DEFAULT_CUSTOMIZATIONS[key]]),
      ),
    },
  ],
};
