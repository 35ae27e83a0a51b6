/**
 * The RobustMedSAM OHIF v3 extension (OHIF 3.13). OHIF calls `preRegistration` once with its managers:
 * it takes OHIF's own Cornerstone (extensionManager -> @ohif/extension-cornerstone's
 * getCornerstoneLibraries), checks the services it needs and creates the one RobustMedSamSession; a
 * failure there is shown to the user, not only logged. Commands find their context through OHIF's
 * services when they run: the active viewport (viewportGridService, cornerstoneViewportService), its
 * tool group (toolGroupService) and the customisations (customizationService); failures reach the user
 * through uiNotificationService. The toolbar module holds the evaluators our buttons use; the buttons
 * themselves (toolbar-buttons.ts, a customisation) are placed by a mode or the app config's mode block.
 * `configuration` may replace the worker, the Cornerstone libraries and the SEG host.
 */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';
import { type CornerstoneLibraries, useCornerstone } from '../../src/cornerstone/libraries.ts';
import { InputError } from '../../src/errors.ts';
import {
  CUSTOMIZATION_IDS,
  DEFAULT_CUSTOMIZATIONS,
  type RobustMedSamCustomizations,
  resolveCustomizations,
} from './customizations.ts';
import { createDefaultSegHost, type SegStore } from './default-seg-host.ts';
import { type OhifManagers, ohifCornerstone, ohifSegStore } from './ohif-host.ts';
import { REQUIRED_SERVICES, type RobustMedSamServices, type ServicesManager } from './ohif-services.ts';
import { openSegOutbox } from './seg-outbox.ts';
import { RobustMedSamSession } from './session.ts';
import {
  TOOLBAR_BUTTONS,
  TOOLBAR_BUTTONS_ID,
  type ToolbarEvaluator,
  toolbarEvaluators,
} from './toolbar-buttons.ts';

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
  /** Stores again the SEGs an earlier store failed on (kept in the outbox); absent: no outbox. */
  retrySaves?(): Promise<{ stored: number; failed: number }>;
}

/**
 * The extension's configuration (OHIF passes it to preRegistration as `configuration`); every member is
 * optional.
 */
export interface RobustMedSamConfiguration {
  /** Starts the segmenter's Web Worker; default: the worker built beside this module. */
  createWorker?(): Worker;
  /** The page's Cornerstone; default: OHIF's own, from @ohif/extension-cornerstone. */
  cornerstone?: CornerstoneLibraries;
  /**
   * Where SEG bytes go and come from. Default (createDefaultSegHost): export stores the SEG through
   * the active data source when it can store (DICOMweb STOW-RS), else downloads it; load asks for a file.
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
  | 'robustmedsamRetrySaves'
  | 'robustmedsamClearEncodings'
  | 'robustmedsamRemoveLastPoint'
  | 'robustmedsamLoadEngine';

export type CommandFn = (options?: Record<string, unknown>) => unknown;

/** The part of OHIF's commandsManager used here: running another extension's command. */
interface OhifCommandsManager {
  runCommand(commandName: string, options?: Record<string, unknown>): unknown;
}

export interface CommandsModule {
  actions: Record<CommandName, CommandFn>;
  definitions: Record<CommandName, { commandFn: CommandFn }>;
  defaultContext: string;
}

/** What OHIF passes to the module getters. */
export interface ModuleContext extends OhifManagers {
  servicesManager: ServicesManager;
}

export interface RobustMedSamExtension {
  id: string;
  preRegistration(context: ModuleContext & { configuration?: RobustMedSamConfiguration }): void;
  onModeEnter(context: ModuleContext): void;
  getToolbarModule(context: ModuleContext): ToolbarEvaluator[];
  getCommandsModule(context: ModuleContext): CommandsModule;
  getCustomizationModule(context?: ModuleContext): Array<{ name: string; value: Record<string, unknown> }>;
  getUtilityModule(
    context: ModuleContext,
  ): Array<{ name: string; exports: { getSession(): RobustMedSamSession } }>;
}

interface Registration {
  session: RobustMedSamSession;
  services: RobustMedSamServices;
  segHost: SegHost;
}

const registrations = new WeakMap<ServicesManager, Registration>();
/** Why preRegistration failed, per servicesManager: every command then says so. */
const failures = new WeakMap<ServicesManager, unknown>();

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
        'OHIF app that has @ohif/extension-default and @ohif/extension-cornerstone.',
    );
  }
  return servicesManager.services as RobustMedSamServices;
}

function registrationOf(servicesManager: ServicesManager): Registration {
  const registration = registrations.get(servicesManager);
  if (!registration && failures.has(servicesManager)) throw failures.get(servicesManager);
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

/**
 * Which engine is ready, on what, and what it trades against fp32 (an int8 folder named by
 * `robustmedsam.modelUrl` says its size, speed and mask agreement); with the fix when wasm runs on one
 * thread for want of isolation.
 */
export function engineMessage(label: string, backend: string, detail?: string): string {
  const isolationHint = backend.includes('not cross-origin isolated')
    ? ' For more threads, serve the viewer with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.'
    : '';
  return `${label} ready on ${backend}.${detail ? ` ${detail}.` : ''}${isolationHint}`;
}

function notifyError(servicesManager: ServicesManager, error: unknown): void {
  servicesManager?.services?.uiNotificationService?.show({
    title: NOTIFICATION_TITLE,
    message: describeError(error),
    type: 'error',
  });
}

/** Shows a command's failure to the user, then hands it on to whoever awaits the command. */
function reportingFailures(fn: CommandFn, servicesManager: ServicesManager): CommandFn {
  const report = (error: unknown): never => {
    notifyError(servicesManager, error);
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
function createActions(
  servicesManager: ServicesManager,
  commandsManager?: OhifCommandsManager,
): Record<CommandName, CommandFn> {
  const context = () => registrationOf(servicesManager);

  const actions: Record<CommandName, CommandFn> = {
    robustmedsamActivateBoxTool: () => {
      const { session, services } = context();
      session.activateBoxTool(activeToolGroup(services));
      // Boxes will be drawn here: encode ahead around this viewport's slice from now on.
      const viewport = activeViewport(services);
      if (viewport && viewport !== session.followed) session.follow(viewport);
    },
    robustmedsamAccept: () => context().session.controller.accept(),
    robustmedsamReject: () => context().session.controller.reject(),
    robustmedsamPropagate: async (o) => context().session.propagate(propagationDirection(o?.direction)),
    robustmedsamCancelPropagation: () => context().session.controller.cancelPropagation(),
    // `otherwise`: the OHIF command the key ran before we took it, run when no click is left to remove.
    robustmedsamRemoveLastPoint: async (o) => {
      const { session } = context();
      if (session.controller.interaction()?.points.length) return session.removeLastPoint();
      if (typeof o?.otherwise === 'string') commandsManager?.runCommand(o.otherwise);
      return false;
    },
    robustmedsamUndo: () => context().session.undo(),
    robustmedsamRedo: () => context().session.redo(),
    robustmedsamExportSeg: async () => {
      const { session, segHost } = context();
      return segHost.exportSeg(session, session.customizations.exportMode);
    },
    robustmedsamRetrySaves: async () => {
      const { segHost } = context();
      if (!segHost.retrySaves) {
        throw new InputError('no-outbox', 'This SEG host keeps no outbox: there is nothing to retry.');
      }
      return segHost.retrySaves();
    },
    robustmedsamClearEncodings: async () => {
      const { session, services } = context();
      const cleared = await session.clearEncodings();
      services.uiNotificationService.show({
        title: NOTIFICATION_TITLE,
        message: `Forgot ${cleared} remembered slice encoding${cleared === 1 ? '' : 's'}; the next box on each slice runs the encoder again.`,
        type: 'success',
      });
      return cleared;
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

/** The worker built beside this module (Vite and webpack both bundle this form at build time). */
function defaultWorker(): Worker {
  return new Worker(new URL('./segmenter.worker.ts', import.meta.url), { type: 'module' });
}

function register(context: ModuleContext & { configuration?: RobustMedSamConfiguration }): void {
  const { servicesManager, configuration = {} } = context;
  useCornerstone(configuration.cornerstone ?? ohifCornerstone(context));
  const services = servicesOf(servicesManager);
  if (registrations.has(servicesManager)) {
    throw new InputError(
      'extension-registered-twice',
      'The RobustMedSAM extension is already registered with this servicesManager.',
      'Register it once per viewer.',
    );
  }
  const createWorker = configuration.createWorker ?? defaultWorker;
  const session = new RobustMedSamSession(
    { createWorker: () => createWorker(), getViewport: () => activeViewport(services) },
    resolveCustomizations(services.customizationService),
  );
  // Errors outside any command (a box drawn with the tool, a propagation step, a crashed worker).
  const notify = (error: Error) => notifyError(servicesManager, error);
  session.on('error', notify);
  session.client.on('error', notify);
  // Not errors, but the user should know (remembered encodings turned memory-only, say).
  session.on('notice', (message) =>
    services.uiNotificationService.show({ title: NOTIFICATION_TITLE, message, type: 'warning' }),
  );
  // A box on a slice that looks degraded: said once per box (clicks after it keep the same estimate).
  session.controller.on('preview', ({ cause, imageQuality }) => {
    if (cause !== 'box' || !imageQuality?.warning) return;
    services.uiNotificationService.show({
      title: NOTIFICATION_TITLE,
      message: imageQuality.warning.message,
      type: 'warning',
    });
  });
  // What an export or load did goes where OHIF shows everything else.
  const store: SegStore | undefined = ohifSegStore(context);
  const segHost =
    configuration.segHost ??
    createDefaultSegHost({
      store,
      outbox: () => openSegOutbox(),
      notify: (message, level) =>
        services.uiNotificationService.show({
          title: NOTIFICATION_TITLE,
          message,
          type: level === 'warning' ? 'warning' : 'success',
        }),
    });
  registrations.set(servicesManager, { session, services, segHost });
}

export const robustMedSamExtension: RobustMedSamExtension = {
  id: EXTENSION_ID,

  /**
   * OHIF only logs an exception thrown here and then leaves the extension out, so its buttons would
   * fail with "command not found". Instead the failure is shown to the user (and logged), the modules
   * are still registered, and every command repeats what is missing.
   */
  preRegistration(context) {
    try {
      register(context);
    } catch (error) {
      failures.set(context.servicesManager, error);
      notifyError(context.servicesManager, error);
      console.error(`${NOTIFICATION_TITLE} is not available: ${describeError(error)}`);
    }
  },

  /**
   * Each time a mode starts, the engine the customisations name is loaded (a mode may set them in its
   * own onModeEnter), and the user is told which engine runs where: the backend says when wasm is held
   * to one thread because the page is not cross-origin isolated.
   */
  onModeEnter({ servicesManager }) {
    if (!registrations.has(servicesManager)) return;
    const { session, services } = registrationOf(servicesManager);
    void (async () => {
      try {
        session.configure(resolveCustomizations(services.customizationService));
        const status = await session.loadEngine();
        services.uiNotificationService.show({
          title: NOTIFICATION_TITLE,
          message: engineMessage(status.info.label, status.info.backend, status.info.detail),
          type: 'info',
        });
      } catch (error) {
        notifyError(servicesManager, error);
      }
    })();
  },

  // In OHIF 3.13 a toolbar module holds evaluators (and button UI types); the buttons are data that a
  // mode, or the app config's modesConfiguration, places (toolbar-buttons.ts).
  getToolbarModule: ({ servicesManager }) =>
    toolbarEvaluators({ services: () => registrationOf(servicesManager).services }),

  getCommandsModule({ servicesManager, commandsManager }) {
    const actions = createActions(servicesManager, commandsManager as OhifCommandsManager | undefined);
    const definitions = Object.fromEntries(
      Object.entries(actions).map(([name, commandFn]) => [name, { commandFn }]),
    ) as CommandsModule['definitions'];
    return { actions, definitions, defaultContext: 'CORNERSTONE' };
  },

  // For other extensions and the app (OHIF's getModuleEntry('@robustmedsam/extension-box-prompt.utilityModule.common')):
  // the session, with its engine status, preview events and mouse-up-to-preview timings.
  getUtilityModule: ({ servicesManager }) => [
    { name: 'common', exports: { getSession: () => getRobustMedSamSession(servicesManager) } },
  ],

  // The defaults, under their ids; OHIF answers getCustomization(id) with these unless a mode or the app
  // config overrides them. Ids without a default (threads) are left for the deployment to set.
  getCustomizationModule: () => [
    {
      name: 'default',
      value: {
        ...Object.fromEntries(
          (Object.keys(CUSTOMIZATION_IDS) as Array<keyof RobustMedSamCustomizations>)
            .filter((key) => DEFAULT_CUSTOMIZATIONS[key] !== undefined)
            .map((key) => [CUSTOMIZATION_IDS[key], DEFAULT_CUSTOMIZATIONS[key]]),
        ),
        [TOOLBAR_BUTTONS_ID]: TOOLBAR_BUTTONS,
      },
    },
  ],
};
