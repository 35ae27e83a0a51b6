/**
 * The demo viewer: one Cornerstone3D viewport (stack, or volume in the acquisition plane), the RobustMedSAM extension's toolbar and commands,
 * a segment list, and a status line. Series come from the bundled samples (served by the viewer
 * itself) or from files the user opens or drops. Nothing is configured through the page's URL.
 */
import {
  Enums as CoreEnums,
  cache,
  init as coreInit,
  utilities as csUtilities,
  imageLoader,
  RenderingEngine,
  type Types,
  volumeLoader,
} from '@cornerstonejs/core';
import { init as dicomLoaderInit, wadouri } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  PanTool,
  StackScrollTool,
  segmentation,
  ToolGroupManager,
  Enums as ToolsEnums,
  type Types as ToolsTypes,
  init as toolsInit,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { BoxPromptSegmentationTool } from '../../src/cornerstone/box-prompt-tool.ts';
import { PREVIEW_LABEL_VALUE } from '../../src/cornerstone/labelmap-bridge.ts';
import type { ProgressEvent } from '../../src/cornerstone/worker/protocol.ts';
import { parseDicom, text } from '../../src/dicom/dataset.ts';
import { readSeries, type Series } from '../../src/dicom/series.ts';
import { SEG_SOP_CLASS_UIDS } from '../../src/dicom/sop-classes.ts';
import { DEFAULT_CUSTOMIZATIONS } from '../src/customizations.ts';
import { createRobustMedSamExtension, type RobustMedSamExtension } from '../src/index.ts';
import { createSegHost } from './seg-host.ts';
import { SegmentList } from './segment-list.ts';

const VIEWPORT_ID = 'robustmedsam-stack';
const TOOL_GROUP_ID = 'robustmedsam-tools';
const RENDERING_ENGINE_ID = 'robustmedsam-engine';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface LoadedSeries {
  name: string;
  series: Series;
  /** Cornerstone image ids, in the series' sorted order. */
  imageIds: string[];
  files: Array<{ name: string; bytes: ArrayBuffer }>;
  /** SEG objects that came with the series (e.g. the ground truth beside a sample). */
  segFiles: Array<{ name: string; bytes: ArrayBuffer }>;
  segmentationId: string;
}

export interface ViewerState {
  loaded: LoadedSeries | null;
  extension: RobustMedSamExtension;
  segments: SegmentList;
  viewport: () => Types.IStackViewport;
}

function setMessage(text: string, error = false): void {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', error);
}

function describeError(error: unknown): string {
  const e = error as { message?: string; hint?: string };
  return [e?.message ?? String(error), e?.hint].filter(Boolean).join(' ');
}

async function setUpCornerstone() {
  await coreInit();
  toolsInit();
  // One decode worker: the machine's cores belong to the segmenter.
  dicomLoaderInit({ maxWebWorkers: 1 });
  const renderingEngine = new RenderingEngine(RENDERING_ENGINE_ID);
  const element = $('viewport') as HTMLDivElement;
  element.oncontextmenu = (e) => e.preventDefault();
  new ResizeObserver(() => renderingEngine.resize(true, true)).observe(element);

  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) addTool(tool);
  const toolGroup = ToolGroupManager.createToolGroup(TOOL_GROUP_ID)!;
  toolGroup.addTool(WindowLevelTool.toolName);
  toolGroup.addTool(PanTool.toolName);
  toolGroup.addTool(ZoomTool.toolName);
  toolGroup.addTool(StackScrollTool.toolName);
  toolGroup.setToolActive(StackScrollTool.toolName, {
    bindings: [{ mouseButton: ToolsEnums.MouseBindings.Wheel }],
  });
  toolGroup.setToolActive(PanTool.toolName, {
    bindings: [{ mouseButton: ToolsEnums.MouseBindings.Auxiliary }],
  });
  toolGroup.setToolActive(ZoomTool.toolName, {
    bindings: [{ mouseButton: ToolsEnums.MouseBindings.Secondary }],
  });
  return { renderingEngine, element, toolGroup };
}

export type ViewKind = 'stack' | 'volume';

/**
 * (Re)creates the viewport as a stack viewport or as a volume viewport in the acquisition plane, shows
 * the series on it at `index`, and adds the segmentation. Both kinds show the same image-based labelmap.
 */
async function showSeries(
  cs: Awaited<ReturnType<typeof setUpCornerstone>>,
  loaded: LoadedSeries,
  kind: ViewKind,
  index: number,
): Promise<Types.IStackViewport> {
  const { renderingEngine, element, toolGroup } = cs;
  if (renderingEngine.getViewport(VIEWPORT_ID)) {
    toolGroup.removeViewports(RENDERING_ENGINE_ID, VIEWPORT_ID);
    renderingEngine.disableElement(VIEWPORT_ID);
  }
  renderingEngine.enableElement({
    viewportId: VIEWPORT_ID,
    type: kind === 'stack' ? CoreEnums.ViewportType.STACK : CoreEnums.ViewportType.ORTHOGRAPHIC,
    element,
    defaultOptions: kind === 'volume' ? { orientation: CoreEnums.OrientationAxis.ACQUISITION } : undefined,
  });
  toolGroup.addViewport(VIEWPORT_ID, RENDERING_ENGINE_ID);
  const viewport = renderingEngine.getViewport(VIEWPORT_ID);
  if (kind === 'stack') {
    await (viewport as Types.IStackViewport).setStack(loaded.imageIds, index);
  } else {
    const volumeId = `robustmedsam-volume:${loaded.series.seriesInstanceUID}:${loaded.segmentationId}`;
    if (!cache.getVolume(volumeId))
      await volumeLoader.createAndCacheVolumeFromImages(volumeId, loaded.imageIds);
    const volumeViewport = viewport as Types.IVolumeViewport;
    await volumeViewport.setVolumes([{ volumeId }]);
    // The volume counts slices along its view direction, which may run opposite to the series order.
    const wanted = loaded.imageIds[index];
    await csUtilities.jumpToSlice(element, { imageIndex: index });
    if (volumeViewport.getCurrentImageId() !== wanted) {
      await csUtilities.jumpToSlice(element, { imageIndex: loaded.imageIds.length - 1 - index });
    }
  }
  await segmentation.addLabelmapRepresentationToViewport(VIEWPORT_ID, [
    { segmentationId: loaded.segmentationId },
  ]);
  segmentation.activeSegmentation.setActiveSegmentation(VIEWPORT_ID, loaded.segmentationId);
  viewport.render();
  return viewport as Types.IStackViewport;
}

/** Reads the files as one series (sorted along the slice normal by src/dicom) and registers them. */
async function loadSeriesFiles(
  name: string,
  files: Array<{ name: string; bytes: ArrayBuffer }>,
  state: ViewerState,
): Promise<LoadedSeries> {
  const series = readSeries(files.map((f) => ({ name: f.name, bytes: f.bytes })));
  const byName = new Map(files.map((f) => [f.name, f]));
  const sliceSources = new Set(series.slices.map((s) => s.source));
  const segFiles = files.filter((f) => !sliceSources.has(f.name) && isSeg(f));
  const imageIds = series.slices.map((s) => wadouri.fileManager.add(new Blob([byName.get(s.source)!.bytes])));
  await Promise.all(imageIds.map((id) => imageLoader.loadAndCacheImage(id)));

  if (state.loaded) segmentation.removeSegmentation(state.loaded.segmentationId);

  const segmentationId = `robustmedsam-${series.seriesInstanceUID}-${Date.now()}`;
  const labelmaps = imageLoader.createAndCacheDerivedLabelmapImages(imageIds);
  segmentation.addSegmentations([
    {
      segmentationId,
      representation: {
        type: ToolsEnums.SegmentationRepresentations.Labelmap,
        data: { imageIds: labelmaps.map((image) => image.imageId), referencedImageIds: imageIds },
      },
      config: { label: `RobustMedSAM ${series.seriesDescription}`.trim() },
    },
  ]);
  return { name, series, imageIds, files, segFiles, segmentationId };
}

function renderToolbar(state: ViewerState, toolGroup: ToolsTypes.IToolGroup): void {
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

function bindKeys(state: ViewerState): void {
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

function formatBytes(n: number): string {
  return n > 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${Math.round(n / 1024)} kB`;
}

function wireStatus(state: ViewerState): void {
  const { session } = state.extension;
  const engine = $('status-engine');
  const model = $('status-model');
  const progress = $('status-progress');
  const result = $('status-result');
  const badge = $('engine-badge');
  let encodedNeighbours = 0;
  session.client.addEventListener('engine', (e) => {
    const status = (e as CustomEvent).detail;
    if (!status) {
      engine.textContent = 'Engine: loading…';
      badge.textContent = 'loading engine';
      badge.className = '';
      return;
    }
    engine.textContent = `Engine: ${status.info.label} · ${status.info.backend}`;
    badge.textContent =
      status.info.engine === 'model' ? status.info.label : `${status.info.label} — not RobustMedSAM`;
    badge.className = status.info.engine;
    model.textContent = status.model
      ? `Model: ${status.model.name} ${status.model.version} (cache ${status.model.cache})`
      : 'Model: none (model-free engine)';
    encodedNeighbours = 0;
  });
  session.onProgress((event: ProgressEvent) => {
    if (event.stage === 'download') {
      const pct = event.total ? Math.round((100 * event.loaded) / event.total) : 0;
      progress.textContent = `Downloading ${event.file}: ${formatBytes(event.loaded)}${event.total ? ` of ${formatBytes(event.total)} (${pct}%)` : ''}`;
    } else if (event.stage === 'session') {
      progress.textContent = event.message;
    } else if (event.state === 'start') {
      progress.textContent = event.background ? 'Encoding a neighbouring slice…' : 'Encoding this slice…';
    } else {
      if (event.background) encodedNeighbours++;
      progress.textContent = `Encoded (${Math.round(event.ms ?? 0)} ms; ${encodedNeighbours} neighbours ready)`;
    }
  });
  session.addEventListener('preview-shown', (e) => {
    const t = (e as CustomEvent).detail;
    const stages = Object.entries(t.workerTimings as Record<string, number>)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(', ');
    result.textContent = `Preview in ${Math.round(t.previewAt - t.mouseUpAt)} ms (${stages}) — Enter accepts, Esc rejects`;
    result.dataset.previewCount = String(session.timings.length);
  });
  session.controller.addEventListener('accepted', () => {
    result.textContent = 'Accepted.';
  });
  session.controller.addEventListener('rejected', () => {
    result.textContent = 'Rejected.';
  });
  session.controller.addEventListener('propagation', (e) => {
    const d = (e as CustomEvent).detail;
    result.textContent =
      d.state === 'running'
        ? `Propagating… ${d.slicesDone} slices (at ${d.lastSliceIndex + 1})`
        : `Propagation ${d.state}: ${d.slicesDone} slices${d.reason ? ` (${d.reason})` : ''}`;
    result.dataset.propagation = d.state;
  });
  session.controller.addEventListener('error', (e) =>
    setMessage(describeError((e as CustomEvent).detail), true),
  );
  session.addEventListener('error', (e) => setMessage(describeError((e as CustomEvent).detail), true));
  session.client.addEventListener('error', (e) => setMessage(describeError((e as CustomEvent).detail), true));
}

async function fetchJson<T>(url: string): Promise<T | null> {
  try {
    const response = await fetch(url);
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const cs = await setUpCornerstone();
  const { toolGroup } = cs;
  // The viewport is recreated when the view kind changes; everything asks for the current one.
  let viewport = {} as Types.IStackViewport;
  let viewKind: ViewKind = 'stack';
  /** Index in the series' sorted slices of the slice shown (volume viewports count their own way). */
  const shownIndex = () => state.loaded?.imageIds.indexOf(viewport.getCurrentImageId()) ?? -1;
  const segments = new SegmentList($('segment-list'), $('organ-select'), VIEWPORT_ID);
  const state = {} as ViewerState;
  state.loaded = null;
  state.segments = segments;
  state.viewport = () => viewport;
  state.extension = createRobustMedSamExtension({
    host: {
      createWorker: () =>
        new Worker(new URL('../src/segmenter.worker.ts', import.meta.url), { type: 'module' }),
      // No viewport to follow or draw in until a series is shown.
      getViewport: () => (state.loaded ? viewport : undefined),
    },
    seg: createSegHost(state, { setMessage }),
    getToolGroup: () => toolGroup,
    customizations: { ...DEFAULT_CUSTOMIZATIONS },
  });
  const { session } = state.extension;
  let lastPreview: unknown = null;
  session.controller.addEventListener('preview', (e) => {
    lastPreview = (e as CustomEvent).detail;
  });
  session.addToolTo(toolGroup);
  renderToolbar(state, toolGroup);
  bindKeys(state);
  wireStatus(state);

  segments.onChange = () => {
    const id = state.loaded?.segmentationId;
    const active = segments.active();
    if (id && active) {
      const [r, g, b] = active.color;
      const lighten = (c: number) => Math.round(c + (255 - c) * 0.45);
      segmentation.config.color.setSegmentIndexColor(VIEWPORT_ID, id, PREVIEW_LABEL_VALUE, [
        lighten(r),
        lighten(g),
        lighten(b),
        200,
      ]);
    }
    viewport.render();
  };

  const openSeries = async (name: string, files: Array<{ name: string; bytes: ArrayBuffer }>) => {
    setMessage(`Reading ${name}…`);
    session.controller.reject();
    state.loaded = await loadSeriesFiles(name, files, state);
    viewport = await showSeries(cs, state.loaded, viewKind, Math.floor(state.loaded.imageIds.length / 2));
    const { series } = state.loaded;
    segments.attach(state.loaded.segmentationId, series.modality);
    $('series-info').textContent =
      `${series.modality} · ${series.slices.length} slices · ${series.geometry.columns}×${series.geometry.rows} · ${series.seriesDescription}`;
    for (const w of series.warnings) console.warn(w);
    session.follow(viewport);
    setMessage(
      series.warnings.length ? `Loaded with warnings: ${series.warnings.join('; ')}` : `Loaded ${name}.`,
    );
    document.body.dataset.seriesLoaded = String(Date.now());
  };

  // Opened or dropped files may hold the series' SEG objects too: they are shown on it.
  const openSeriesWithSegs = async (name: string, files: Array<{ name: string; bytes: ArrayBuffer }>) => {
    references = [];
    referenceButton.hidden = true;
    await openSeries(name, files);
    for (const seg of state.loaded?.segFiles ?? []) {
      await state.extension
        .getCommandsModule()
        .actions.robustmedsamLoadSeg({ bytes: new Uint8Array(seg.bytes), name: seg.name });
    }
  };

  const viewSelect = $('view-select') as HTMLSelectElement;
  viewSelect.addEventListener('change', async () => {
    viewKind = viewSelect.value as ViewKind;
    if (!state.loaded) return;
    session.controller.reject();
    try {
      viewport = await showSeries(cs, state.loaded, viewKind, shownIndex());
      segments.onChange();
      session.follow(viewport);
      document.body.dataset.view = viewKind;
    } catch (error) {
      setMessage(describeError(error), true);
    }
  });

  // Bundled samples, served by the viewer itself.
  const seriesSelect = $('series-select') as HTMLSelectElement;
  const index = await fetchJson<{ series: Array<{ id: string; files: string[]; segs: string[] }> }>(
    './samples/index.json',
  );
  const referenceButton = $('load-reference') as HTMLButtonElement;
  let references: string[] = [];
  referenceButton.addEventListener('click', async () => {
    try {
      for (const path of references) {
        const bytes = new Uint8Array(await (await fetch(`./samples/${path}`)).arrayBuffer());
        await state.extension.getCommandsModule().actions.robustmedsamLoadSeg({ bytes, name: path });
      }
    } catch (error) {
      setMessage(describeError(error), true);
    }
  });
  seriesSelect.append(new Option('— choose a bundled series —', ''));
  for (const s of index?.series ?? [])
    seriesSelect.append(new Option(`${s.id} (${s.files.length} files)`, s.id));
  seriesSelect.addEventListener('change', async () => {
    const entry = index?.series.find((s) => s.id === seriesSelect.value);
    if (!entry) return;
    try {
      const files = await Promise.all(
        entry.files.map(async (f) => ({
          name: f,
          bytes: await (await fetch(`./samples/${entry.id}/${f}`)).arrayBuffer(),
        })),
      );
      await openSeries(entry.id, files);
      references = entry.segs;
      referenceButton.hidden = references.length === 0;
      referenceButton.textContent = `Load reference SEG (${references.map((r) => r.split('/').pop()).join(', ')})`;
    } catch (error) {
      setMessage(describeError(error), true);
    }
  });

  // Files the user opens or drops.
  const readFiles = async (list: FileList | File[]) =>
    Promise.all(
      Array.from(list).map(async (f) => ({
        name: f.webkitRelativePath || f.name,
        bytes: await f.arrayBuffer(),
      })),
    );
  const fileInput = $('file-input') as HTMLInputElement;
  $('open-files').addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    if (!fileInput.files?.length) return;
    try {
      await openSeriesWithSegs(`${fileInput.files.length} opened files`, await readFiles(fileInput.files));
    } catch (error) {
      setMessage(describeError(error), true);
    }
    fileInput.value = '';
  });
  const frame = $('viewport');
  frame.addEventListener('dragover', (e) => {
    e.preventDefault();
    frame.classList.add('dragover');
  });
  frame.addEventListener('dragleave', () => frame.classList.remove('dragover'));
  frame.addEventListener('drop', async (e) => {
    e.preventDefault();
    frame.classList.remove('dragover');
    const files = await readFiles(Array.from(e.dataTransfer?.files ?? []));
    if (files.length === 0) return;
    try {
      // A single SEG dropped on a displayed series is loaded onto it; anything else opens as a series.
      if (files.length === 1 && state.loaded && isSeg(files[0])) {
        await state.extension
          .getCommandsModule()
          .actions.robustmedsamLoadSeg({ bytes: new Uint8Array(files[0].bytes), name: files[0].name });
      } else {
        await openSeriesWithSegs(`${files.length} dropped files`, files);
      }
    } catch (error) {
      setMessage(describeError(error), true);
    }
  });

  // Engines: the model-free default and any model folder the server offers.
  const engineSelect = $('engine-select') as HTMLSelectElement;
  engineSelect.append(new Option('Classical (no model)', ''));
  const models = await fetchJson<{ models: Array<{ id: string; name: string; version: string }> }>(
    './models/index.json',
  );
  for (const m of models?.models ?? [])
    engineSelect.append(new Option(`${m.name} ${m.version} (${m.id})`, `./models/${m.id}/`));
  const loadEngine = async () => {
    try {
      await session.loadEngine(engineSelect.value || null);
      setMessage('');
    } catch (error) {
      $('status-engine').textContent = 'Engine: not loaded';
      $('engine-badge').textContent = 'no engine';
      setMessage(describeError(error), true);
    }
  };
  engineSelect.addEventListener('change', loadEngine);

  // Windows: display presets; optionally the model sees the displayed window too.
  const windowSelect = $('window-select') as HTMLSelectElement;
  windowSelect.append(new Option('As stored in the series', ''));
  for (const p of session.customizations.windowPresets) windowSelect.append(new Option(p.label, p.id));
  windowSelect.addEventListener('change', () => {
    const preset = session.customizations.windowPresets.find((p) => p.id === windowSelect.value);
    viewport.setProperties({ voiRange: preset ? { lower: preset.low, upper: preset.high } : undefined });
    if (!preset) viewport.resetProperties();
    viewport.render();
  });
  ($('model-window') as HTMLInputElement).addEventListener('change', (e) => {
    session.controller.settings.useViewportWindow = (e.target as HTMLInputElement).checked;
  });
  const preEncode = $('pre-encode') as HTMLInputElement;
  preEncode.value = String(session.customizations.slicesToPreEncode);
  preEncode.addEventListener('change', () => {
    session.encoder.options.radius = Math.max(0, Math.min(10, Number(preEncode.value) || 0));
    void session.encoder.encodeAround(viewport);
  });

  // For the end-to-end tests and the benchmark: read-only views of the state.
  (window as unknown as { __viewer: unknown }).__viewer = {
    state,
    cache,
    segmentation,
    /**
     * Voxels of one label value over the whole series as bits (slice-major, pixel i -> bit i % 8 of
     * byte i / 8), base64: one cheap call instead of an array of numbers per slice.
     */
    labelVolumeBits(label: number): string {
      const loaded = state.loaded!;
      const pixels = loaded.series.geometry.rows * loaded.series.geometry.columns;
      const bits = new Uint8Array(Math.ceil((loaded.imageIds.length * pixels) / 8));
      loaded.imageIds.forEach((imageId, z) => {
        const ids = segmentation.getLabelmapImageIdsForImageId(imageId, loaded.segmentationId);
        const values = cache.getImage(ids[0])!.voxelManager!.getScalarData() as ArrayLike<number>;
        for (let i = 0; i < pixels; i++) {
          if (values[i] === label) bits[(z * pixels + i) >> 3] |= 1 << ((z * pixels + i) & 7);
        }
      });
      let binary = '';
      for (let i = 0; i < bits.length; i += 0x8000)
        binary += String.fromCharCode(...bits.subarray(i, i + 0x8000));
      return btoa(binary);
    },
    labelmapSlice(index: number): number[] {
      const loaded = state.loaded!;
      const ids = segmentation.getLabelmapImageIdsForImageId(loaded.imageIds[index], loaded.segmentationId);
      return Array.from(cache.getImage(ids[0])!.voxelManager!.getScalarData() as ArrayLike<number>);
    },
    currentIndex: shownIndex,
    timings: () => session.timings,
    lastPreview: () => lastPreview,
    /** Page (client) coordinates of image pixel (x = column, y = row) on the slice shown. */
    imageToClient(x: number, y: number): [number, number] {
      const world = csUtilities.imageToWorldCoords(viewport.getCurrentImageId(), [x, y]);
      const [cx, cy] = viewport.worldToCanvas(world!);
      const rect = viewport.canvas.getBoundingClientRect();
      return [rect.left + cx, rect.top + cy];
    },
  };

  await loadEngine();
  document.body.dataset.ready = 'true';
}

function isSeg(file: { name: string; bytes: ArrayBuffer }): boolean {
  try {
    return SEG_SOP_CLASS_UIDS.has(text(parseDicom(file.bytes, file.name).dataset, 'SOPClassUID'));
  } catch {
    return false;
  }
}

main().catch((error) => setMessage(describeError(error), true));
