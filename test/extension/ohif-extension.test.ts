/**
 * The OHIF extension object on OHIF-shaped services, in Node: customisations read from a
 * customizationService (defaults, overrides, wrong types refused), the active viewport's tool group
 * looked up when a command runs, the engine loaded through a real segmenter worker protocol (the
 * classical engine over a MessageChannel), and failures shown through uiNotificationService.
 * Cornerstone viewports need WebGL, so the viewport half (undo/redo render, propagation window) is
 * exercised by the browser suite (test/e2e), which drives the demo through the same extension path.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as cornerstone from '@cornerstonejs/core';
import * as cornerstoneTools from '@cornerstonejs/tools';
import { ToolGroupManager, type Types as ToolsTypes, WindowLevelTool } from '@cornerstonejs/tools';
import { afterEach, describe, expect, it } from 'vitest';
import robustMedSamExtension, {
  CUSTOMIZATION_IDS,
  DEFAULT_CUSTOMIZATIONS,
  engineMessage,
  getRobustMedSamSession,
  ohifCornerstone,
  ohifModeCustomizations,
  ohifSegStore,
  REMOVE_LAST_POINT_HOTKEY,
  type RobustMedSamServices,
  resolveCustomizations,
  type ServicesManager,
  TOOLBAR_BUTTONS,
  TOOLBAR_BUTTONS_ID,
} from '../../extension/src/index.ts';
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import { BOX_PROMPT_TOOL_NAME } from '../../src/cornerstone/box-prompt-tool.ts';
import type { WorkerReply, WorkerRequest } from '../../src/cornerstone/worker/protocol.ts';
import { serveSegmenter } from '../../src/cornerstone/worker/segmenter-host.ts';
import { InputError } from '../../src/errors.ts';

/** A customizationService holding the given values by id (OHIF 3.10: getCustomization returns the value). */
function customizationsOf(values: Record<string, unknown>) {
  return { getCustomization: (id: string) => values[id] };
}

let ports: MessagePort[] = [];
let toolGroupIds: string[] = [];
afterEach(() => {
  for (const p of ports) p.close();
  for (const id of toolGroupIds) ToolGroupManager.destroyToolGroup(id);
  ports = [];
  toolGroupIds = [];
});

/** The segmenter worker's protocol served in-process with the real classical engine. */
function classicalWorker(): Worker {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serveSegmenter(
    {
      postMessage: (m, t) => port2.postMessage(m, t as never),
      addEventListener: (_type, listener) =>
        port2.on('message', (data: WorkerRequest) => listener({ data } as MessageEvent<WorkerRequest>)),
    },
    {
      classical: async () => new ClassicalSegmenter(),
      model: async () => {
        throw new Error('no model in this test');
      },
    },
  );
  return {
    postMessage: (m: unknown, t?: Transferable[]) => port1.postMessage(m, t as never),
    addEventListener: (type: string, listener: (event: MessageEvent<WorkerReply>) => void) => {
      if (type === 'message') port1.on('message', (data: WorkerReply) => listener({ data } as MessageEvent));
    },
    terminate: () => port1.close(),
  } as unknown as Worker;
}

/** OHIF-shaped services over two viewports, each in its own (real) Cornerstone tool group. */
function viewer(customizations: Record<string, unknown> = {}) {
  const suffix = Math.random().toString(36).slice(2);
  const groups: Record<string, ToolsTypes.IToolGroup> = {};
  for (const viewportId of ['left', 'right']) {
    const id = `${viewportId}-${suffix}`;
    groups[viewportId] = ToolGroupManager.createToolGroup(id)!;
    toolGroupIds.push(id);
  }
  const grid = { activeViewportId: 'left' as string | null };
  const notifications: Array<{ title: string; message: string; type: string }> = [];
  const values = { ...customizations };
  const services: RobustMedSamServices = {
    viewportGridService: { getState: () => ({ activeViewportId: grid.activeViewportId }) },
    // No Cornerstone viewport can exist in Node (it needs WebGL): no viewport shows an image.
    cornerstoneViewportService: { getCornerstoneViewport: () => undefined },
    toolGroupService: { getToolGroupForViewport: (viewportId) => groups[viewportId] },
    customizationService: customizationsOf(values),
    uiNotificationService: { show: (n) => notifications.push(n) },
  };
  const servicesManager: ServicesManager = { services };
  return { servicesManager, groups, grid, notifications, values };
}

/** The libraries OHIF's getCornerstoneLibraries() returns, here the test's own Cornerstone. */
const LIBRARIES = { cornerstone, cornerstoneTools };
/** An OHIF extensionManager as far as the extension reads it. */
function extensionManagerWith(exports: Record<string, unknown> | undefined, dataSourceConfig?: object) {
  const stored: ArrayBuffer[] = [];
  return {
    stored,
    getModuleEntry: (id: string) =>
      id === '@ohif/extension-cornerstone.utilityModule.common' && exports ? { exports } : undefined,
    getActiveDataSource: () => [
      {
        getConfig: () => dataSourceConfig,
        store: {
          dicom: async (bytes: ArrayBuffer) => {
            stored.push(bytes);
          },
        },
      },
    ],
  };
}

function register(v: ReturnType<typeof viewer>) {
  robustMedSamExtension.preRegistration({
    servicesManager: v.servicesManager,
    extensionManager: extensionManagerWith({ getCornerstoneLibraries: () => LIBRARIES }),
    configuration: { createWorker: classicalWorker },
  });
  return robustMedSamExtension.getCommandsModule({ servicesManager: v.servicesManager }).actions;
}

describe('customisations from the customizationService', () => {
  it('are the defaults where the service holds nothing', () => {
    expect(resolveCustomizations(customizationsOf({}))).toEqual(DEFAULT_CUSTOMIZATIONS);
  });

  it('are registered by the customisation module under their ids, and read back as the defaults', () => {
    const [module] = robustMedSamExtension.getCustomizationModule();
    expect(module.name).toBe('default');
    expect(module.value[CUSTOMIZATION_IDS.exportMode]).toBe('BINARY');
    expect(module.value[CUSTOMIZATION_IDS.windowPresets]).toEqual(DEFAULT_CUSTOMIZATIONS.windowPresets);
    expect(resolveCustomizations(customizationsOf(module.value))).toEqual(DEFAULT_CUSTOMIZATIONS);
  });

  it('take the value the service holds for each id', () => {
    const presets = [{ id: 'narrow', label: 'Narrow', low: 0, high: 100 }];
    const resolved = resolveCustomizations(
      customizationsOf({
        'robustmedsam.modelUrl': './models/robust/',
        'robustmedsam.windowPresets': presets,
        'robustmedsam.exportMode': 'LABELMAP',
        'robustmedsam.slicesToPreEncode': 0,
        'robustmedsam.threads': 4,
      }),
    );
    expect(resolved).toEqual({
      ...DEFAULT_CUSTOMIZATIONS,
      modelUrl: './models/robust/',
      windowPresets: presets,
      exportMode: 'LABELMAP',
      slicesToPreEncode: 0,
      threads: 4,
    });
  });

  it.each([
    [
      'robustmedsam.exportMode',
      'RLE',
      /robustmedsam\.exportMode is 'RLE'; it must be 'BINARY' or 'LABELMAP'/,
    ],
    [
      'robustmedsam.slicesToPreEncode',
      '2',
      /robustmedsam\.slicesToPreEncode is '2'; it must be a whole number/,
    ],
    [
      'robustmedsam.segmentWithViewportWindow',
      'yes',
      /segmentWithViewportWindow is 'yes'; it must be true or false/,
    ],
    ['robustmedsam.propagationLimit', 0, /propagationLimit is 0; it must be a whole number of slices >= 1/],
    ['robustmedsam.modelUrl', 42, /robustmedsam\.modelUrl is 42; it must be a URL or null/],
    [
      'robustmedsam.excludeModifier',
      'Hyper',
      /excludeModifier is 'Hyper'; it must be one of Shift, Ctrl, Alt, Meta/,
    ],
    [
      'robustmedsam.windowPresets',
      [{ id: 'w', label: 'W', low: 100, high: 40 }],
      /windowPresets is .*; entry 0 must have finite numbers low < high/,
    ],
  ])('refuse %s = %j with an error naming the id, the value and what it must be', (id, value, message) => {
    const read = () => resolveCustomizations(customizationsOf({ [id]: value }));
    expect(read).toThrow(InputError);
    expect(read).toThrow(message);
    try {
      read();
    } catch (error) {
      expect((error as InputError).code).toBe('bad-customization');
      expect((error as InputError).hint).toContain(`Fix the value set for ${id}`);
    }
  });
});

describe('robustMedSamExtension on OHIF services', () => {
  it('activates the box tool in the tool group of the viewport active when the command runs', () => {
    const v = viewer();
    const actions = register(v);
    const box = BOX_PROMPT_TOOL_NAME;
    // OHIF's primary tool holds the left button; as with OHIF's setToolActive, it must go passive.
    if (!cornerstoneTools.state.tools[WindowLevelTool.toolName]) cornerstoneTools.addTool(WindowLevelTool);
    v.groups.left.addTool(WindowLevelTool.toolName);
    v.groups.left.setToolActive(WindowLevelTool.toolName, {
      bindings: [{ mouseButton: cornerstoneTools.Enums.MouseBindings.Primary }],
    });

    actions.robustmedsamActivateBoxTool();
    expect(v.groups.left.getActivePrimaryMouseButtonTool()).toBe(box);
    expect(v.groups.left.getToolOptions(WindowLevelTool.toolName)?.mode).toBe('Passive');
    // The tool lives in the host's own tool registry.
    expect(cornerstoneTools.state.tools[box]).toBeDefined();
    expect(v.groups.right.hasTool(box)).toBe(false);

    v.grid.activeViewportId = 'right';
    actions.robustmedsamActivateBoxTool();
    expect(v.groups.right.getActivePrimaryMouseButtonTool()).toBe(box);
    // The tool's configuration reaches this viewer's controller.
    const session = getRobustMedSamSession(v.servicesManager);
    const configuration = v.groups.right.getToolConfiguration(box, 'getController') as () => unknown;
    expect(configuration()).toBe(session.controller);
    // Bound to the left button alone (box, include click) and with Shift (exclude click): Cornerstone
    // hands a Shift+click only to a tool bound with that modifier.
    const { KeyboardBindings, MouseBindings } = cornerstoneTools.Enums;
    expect(v.groups.right.getToolOptions(box)?.bindings).toEqual([
      { mouseButton: MouseBindings.Primary },
      { mouseButton: MouseBindings.Primary, modifierKey: KeyboardBindings.Shift },
    ]);
    expect(v.groups.right.getToolConfiguration(box, 'excludeModifierKey')).toBe(KeyboardBindings.Shift);
    expect(v.notifications).toEqual([]);
  });

  it('Backspace: with no click to remove, hands the key on to the OHIF command it replaced', async () => {
    const v = viewer();
    register(v);
    const ran: string[] = [];
    const { actions } = robustMedSamExtension.getCommandsModule({
      servicesManager: v.servicesManager,
      commandsManager: { runCommand: (name: string) => ran.push(name) },
    });
    const { commandName, commandOptions } = REMOVE_LAST_POINT_HOTKEY;
    expect(commandName).toBe('robustmedsamRemoveLastPoint');
    expect(await actions.robustmedsamRemoveLastPoint(commandOptions)).toBe(false);
    expect(ran).toEqual(['deleteActiveAnnotation']);
    // Each mode the app config customises gets the key.
    for (const mode of Object.values(ohifModeCustomizations().mode)) {
      expect(mode['ohif.hotkeyBindings']).toEqual({ $push: [REMOVE_LAST_POINT_HOTKEY] });
    }
  });

  it('refuses, and tells the user, when the active viewport has no tool group', () => {
    const v = viewer();
    const actions = register(v);
    v.grid.activeViewportId = 'thumbnail';
    expect(() => actions.robustmedsamActivateBoxTool()).toThrow(
      /active viewport \(thumbnail\) has no tool group/,
    );
    v.grid.activeViewportId = null;
    expect(() => actions.robustmedsamActivateBoxTool()).toThrow(/No viewport is active/);
    expect(v.notifications.map((n) => [n.type, n.title])).toEqual([
      ['error', 'RobustMedSAM'],
      ['error', 'RobustMedSAM'],
    ]);
    expect(v.notifications[0].message).toMatch(/thumbnail.*Add the viewport to a tool group/);
  });

  it('loads the engine through the worker with the customisations the service holds at that moment', async () => {
    const v = viewer();
    const actions = register(v);
    const session = getRobustMedSamSession(v.servicesManager);
    expect(session.encoder.options.radius).toBe(DEFAULT_CUSTOMIZATIONS.slicesToPreEncode);
    // A mode sets its customisations on entering, after preRegistration.
    Object.assign(v.values, {
      'robustmedsam.slicesToPreEncode': 5,
      'robustmedsam.propagationMargin': 9,
      'robustmedsam.segmentWithViewportWindow': true,
      'robustmedsam.exportMode': 'LABELMAP',
    });
    const status = (await actions.robustmedsamLoadEngine()) as { info: { engine: string } };
    expect(status.info.engine).toBe('classical');
    expect(session.client.status?.info.engine).toBe('classical');
    expect(session.encoder.options.radius).toBe(5);
    expect(session.controller.settings.propagationMargin).toBe(9);
    expect(session.controller.settings.useViewportWindow).toBe(true);
    expect(session.customizations.exportMode).toBe('LABELMAP');
  });

  it('clears remembered encodings on command and shows notices (memory-only) as OHIF warnings', async () => {
    const v = viewer();
    const actions = register(v);
    const session = getRobustMedSamSession(v.servicesManager);
    await actions.robustmedsamLoadEngine();
    // The classical engine keeps no encodings: nothing to forget, and the user is told so.
    expect(await actions.robustmedsamClearEncodings()).toBe(0);
    expect(v.notifications.at(-1)).toMatchObject({
      type: 'success',
      message: expect.stringMatching(/^Forgot 0 remembered/),
    });
    (session as unknown as { emit(name: string, detail: string): void }).emit(
      'notice',
      'Remembered encodings are off: the browser refused the storage (quota).',
    );
    expect(v.notifications.at(-1)).toMatchObject({
      type: 'warning',
      message: expect.stringContaining('quota'),
    });
  });

  it('refuses a wrong-typed customisation at engine load, tells the user, and keeps the settings in force', async () => {
    const v = viewer();
    const actions = register(v);
    const session = getRobustMedSamSession(v.servicesManager);
    v.values['robustmedsam.propagationMargin'] = -3;
    await expect(actions.robustmedsamLoadEngine()).rejects.toThrow(/propagationMargin is -3/);
    expect(v.notifications).toHaveLength(1);
    expect(v.notifications[0]).toMatchObject({ type: 'error', title: 'RobustMedSAM' });
    expect(v.notifications[0].message).toMatch(/robustmedsam\.propagationMargin is -3.*Fix the value set/);
    expect(session.controller.settings.propagationMargin).toBe(DEFAULT_CUSTOMIZATIONS.propagationMargin);
    expect(session.client.status).toBeNull();
  });

  it('shows a failed registration to the user (OHIF only logs it), and every command repeats why', () => {
    const v = viewer({ 'robustmedsam.exportMode': 'binary' });
    const actions = register(v);
    expect(v.notifications).toHaveLength(1);
    expect(v.notifications[0]).toMatchObject({ type: 'error', title: 'RobustMedSAM' });
    expect(v.notifications[0].message).toMatch(/robustmedsam\.exportMode is 'binary'/);
    expect(() => actions.robustmedsamAccept()).toThrow(/robustmedsam\.exportMode is 'binary'/);
  });

  it("says which OHIF services are missing, and when OHIF's Cornerstone cannot be found", () => {
    const v = viewer();
    const { toolGroupService: _, ...rest } = v.servicesManager.services;
    const partial = { services: rest };
    robustMedSamExtension.preRegistration({
      servicesManager: partial,
      configuration: { createWorker: classicalWorker, cornerstone: LIBRARIES },
    });
    expect(v.notifications.at(-1)?.message).toMatch(/servicesManager has no toolGroupService/);
    const commands = robustMedSamExtension.getCommandsModule({ servicesManager: partial }).actions;
    expect(() => commands.robustmedsamActivateBoxTool()).toThrow(/servicesManager has no toolGroupService/);

    const w = viewer();
    robustMedSamExtension.preRegistration({
      servicesManager: w.servicesManager,
      extensionManager: extensionManagerWith(undefined),
    });
    expect(w.notifications).toHaveLength(1);
    expect(w.notifications[0].message).toMatch(
      /@ohif\/extension-cornerstone\.utilityModule\.common \(getCornerstoneLibraries\) is not registered/,
    );
  });

  it("takes OHIF's own Cornerstone from the extensionManager", () => {
    expect(
      ohifCornerstone({
        extensionManager: extensionManagerWith({ getCornerstoneLibraries: () => LIBRARIES }),
      }),
    ).toBe(LIBRARIES);
    expect(() => ohifCornerstone({})).toThrow(expect.objectContaining({ code: 'no-ohif-cornerstone' }));
  });

  it('stores SEGs through the active data source only when it can store', async () => {
    const none = ohifSegStore({ extensionManager: extensionManagerWith({}, { friendlyName: 'JSON' }) });
    expect(none?.canStore()).toBe(false);
    const stowless = ohifSegStore({
      extensionManager: extensionManagerWith({}, { wadoRoot: '/dicom-web', supportsStow: false }),
    });
    expect(stowless?.canStore()).toBe(false);
    const manager = extensionManagerWith({}, { wadoRoot: '/dicom-web', friendlyName: 'PACS' });
    const pacs = ohifSegStore({ extensionManager: manager })!;
    expect(pacs.canStore()).toBe(true);
    await expect(pacs.store(new Uint8Array([1, 2, 3]))).resolves.toBe('PACS');
    expect(manager.stored.map((b) => Array.from(new Uint8Array(b)))).toEqual([[1, 2, 3]]);
  });

  it('loads the engine on entering a mode and says where it runs, with the fix for one wasm thread', async () => {
    const v = viewer();
    register(v);
    robustMedSamExtension.onModeEnter({ servicesManager: v.servicesManager });
    await expect.poll(() => v.notifications.length).toBe(1);
    expect(v.notifications[0]).toMatchObject({ type: 'info', title: 'RobustMedSAM' });
    expect(v.notifications[0].message).toMatch(/^Classical .* ready on TypeScript/);
    expect(
      engineMessage('RobustMedSAM', 'onnxruntime-web wasm (1 thread: page not cross-origin isolated)'),
    ).toMatch(
      /1 thread: page not cross-origin isolated\)\. For more threads, serve the viewer with Cross-Origin-Opener-Policy: same-origin/,
    );
    // An int8 folder (robustmedsam.modelUrl) says what it trades, from its manifest (src/model/model-choice.ts).
    expect(
      engineMessage(
        'RobustMedSAM ViT-B 1.0.0 int8',
        'onnxruntime-web wasm (2 threads)',
        'int8 encoder: 2.4x smaller',
      ),
    ).toBe(
      'RobustMedSAM ViT-B 1.0.0 int8 ready on onnxruntime-web wasm (2 threads). int8 encoder: 2.4x smaller.',
    );
  });

  it('refuses commands for a servicesManager it was not registered with, and SEG commands without a series shown', async () => {
    const v = viewer();
    const stranger = robustMedSamExtension.getCommandsModule({ servicesManager: v.servicesManager }).actions;
    expect(() => stranger.robustmedsamAccept()).toThrow(/has not been registered with this servicesManager/);
    // No segHost in the configuration: the default host answers, and no viewport shows a series here.
    const actions = register(v);
    await expect(actions.robustmedsamExportSeg()).rejects.toMatchObject({ code: 'no-viewport' });
    expect(v.notifications.at(-1)).toMatchObject({ type: 'error' });
    expect(v.notifications.at(-1)?.message).toMatch(/No viewport shows a series\. Open a series/);
    await expect(
      actions.robustmedsamLoadSeg({ bytes: new Uint8Array(4), name: 'x.seg.dcm' }),
    ).rejects.toMatchObject({ code: 'no-viewport' });
  });

  it('registers OHIF 3.13 buttons whose commands and evaluators it provides', () => {
    const v = viewer();
    const { actions, definitions, defaultContext } = robustMedSamExtension.getCommandsModule({
      servicesManager: v.servicesManager,
    });
    expect(defaultContext).toBe('CORNERSTONE');
    expect(Object.keys(definitions)).toEqual(Object.keys(actions));
    const [module] = robustMedSamExtension.getCustomizationModule();
    expect(module.value[TOOLBAR_BUTTONS_ID]).toBe(TOOLBAR_BUTTONS);
    const evaluators = robustMedSamExtension.getToolbarModule({ servicesManager: v.servicesManager });
    for (const button of TOOLBAR_BUTTONS) {
      expect(button.uiType).toBe('ohif.toolButton');
      const { commands } = button.props;
      expect(Object.keys(actions)).toContain(typeof commands === 'string' ? commands : commands.commandName);
      expect(evaluators.map((e) => e.name)).toContain(button.props.evaluate);
    }
  });

  it('disables its buttons until the viewport has a segmentation, and shows the box tool as active', () => {
    const v = viewer();
    const actions = register(v);
    const evaluators = Object.fromEntries(
      robustMedSamExtension.getToolbarModule({ servicesManager: v.servicesManager }).map((e) => [e.name, e]),
    );
    const box = TOOLBAR_BUTTONS[0].props.evaluate;
    expect(evaluators[box].evaluate({ viewportId: 'left' })).toMatchObject({ disabled: true });
    actions.robustmedsamActivateBoxTool();
    // No viewport, hence no segmentation, can exist in Node: the enabled state is proven in real OHIF (test/e2e).
    expect(evaluators[box].evaluate({ viewportId: 'left' })?.disabledText).toMatch(/Add a segmentation/);
  });
});
