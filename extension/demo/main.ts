/**
 * The demo viewer, the example for apps without OHIF: one Cornerstone3D viewport (stack, or volume in
 * the acquisition plane), the RobustMedSAM session on the app's own Cornerstone (useCornerstone) driven
 * through Cornerstone's tool API and the session's methods, a segment list, and a status line. Series
 * come from the bundled samples (served by the viewer itself), from files the user opens or drops, or
 * from a DICOMweb server (pacs-panel.ts; its root may be given as `?dicomweb=ROOT`, the only setting
 * the page's URL takes: credentials never).
 */

import type { Types } from '@cornerstonejs/core';
import * as cornerstone from '@cornerstonejs/core';
import * as cornerstoneTools from '@cornerstonejs/tools';
import { segmentation } from '@cornerstonejs/tools';
import { PREVIEW_LABEL_VALUE } from '../../src/cornerstone/labelmap-compose.ts';
import type { DicomWebClient } from '../../src/dicom/dicomweb/client.ts';
import type { DicomWebSeriesRef } from '../../src/dicom/dicomweb/urls.ts';
import {
  createDefaultSegHost,
  RobustMedSamSession,
  resolveCustomizations,
  useCornerstone,
} from '../src/index.ts';
import { isSeg, loadSeriesFiles, setUpCornerstone, showSeries, type ViewKind } from './cornerstone-setup.ts';
import { loadDicomWebSeries } from './dicomweb-series.ts';
import { wirePacsPanel } from './pacs-panel.ts';
import { SegmentList } from './segment-list.ts';
import { fetchJson, wireSettings } from './settings-panel.ts';
import { wireStatus } from './status-line.ts';
import { installTestHooks } from './test-hooks.ts';
import { bindKeys, renderToolbar } from './toolbar.ts';
import {
  $,
  describeError,
  type LabelmapKind,
  type LoadedSeries,
  setMessage,
  VIEWPORT_ID,
  type ViewerState,
} from './viewer-state.ts';

async function main(): Promise<void> {
  const cs = await setUpCornerstone();
  useCornerstone({ cornerstone, cornerstoneTools });
  const { toolGroup } = cs;
  // The viewport is recreated when the view kind changes; everything asks for the current one.
  let viewport = {} as Types.IStackViewport;
  let viewKind: ViewKind = 'stack';
  let labelmapKind: LabelmapKind = 'image';
  /** Index in the series' sorted slices of the slice shown (volume viewports count their own way). */
  const shownIndex = () => state.loaded?.imageIds.indexOf(viewport.getCurrentImageId()) ?? -1;
  const segments = new SegmentList($('segment-list'), $('organ-select'), VIEWPORT_ID);
  const state = {} as ViewerState;
  state.loaded = null;
  state.segments = segments;
  state.viewport = () => viewport;

  const session = new RobustMedSamSession(
    {
      createWorker: () =>
        new Worker(new URL('../src/segmenter.worker.ts', import.meta.url), { type: 'module' }),
      getViewport: () => (state.loaded ? viewport : undefined),
    },
    resolveCustomizations(),
  );
  const notifyError = (error: Error) => setMessage(describeError(error), true);
  session.on('error', notifyError);
  session.client.on('error', notifyError);
  // Remembered encodings turned memory-only (quota, no origin-private file system): told once, not an error.
  session.on('notice', (message) => setMessage(message));
  state.session = session;
  state.segHost = createDefaultSegHost({ notify: (message) => setMessage(message) });
  state.toolGroup = toolGroup;
  renderToolbar(state, toolGroup);
  bindKeys();
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

  /** Shows a series: reads it with `load`, then shows it with its new, empty segmentation. */
  const showLoaded = async (name: string, load: () => Promise<LoadedSeries>) => {
    setMessage(`Reading ${name}…`);
    session.controller.reject();
    state.loaded = await load();
    viewport = await showSeries(cs, state.loaded, viewKind, Math.floor(state.loaded.imageIds.length / 2));
    const { series } = state.loaded;
    segments.attach(state.loaded.segmentationId, series.modality);
    $('series-info').textContent =
      `${series.modality} · ${state.loaded.imageIds.length} slices · ${series.geometry.columns}×${series.geometry.rows} · ${series.seriesDescription}`;
    for (const w of series.warnings) console.warn(w);
    session.follow(viewport);
    setMessage(
      series.warnings.length ? `Loaded with warnings: ${series.warnings.join('; ')}` : `Loaded ${name}.`,
    );
    document.body.dataset.view = viewKind;
    document.body.dataset.seriesLoaded = String(Date.now());
  };
  const openSeries = (name: string, files: Array<{ name: string; bytes: ArrayBuffer }>) =>
    showLoaded(name, () => loadSeriesFiles(name, files, state, labelmapKind));
  let pacsClient: ((root: string) => DicomWebClient) | null = null;
  const openDicomWebSeries = (ref: DicomWebSeriesRef, name: string) =>
    showLoaded(name, () => loadDicomWebSeries(pacsClient!(ref.root), ref, name, state, labelmapKind));

  // Opened or dropped files may hold the series' SEG objects too: they are shown on it.
  const openSeriesWithSegs = async (name: string, files: Array<{ name: string; bytes: ArrayBuffer }>) => {
    references = [];
    referenceButton.hidden = true;
    await openSeries(name, files);
    for (const seg of state.loaded?.segFiles ?? []) {
      await state.segHost.loadSeg(session, { bytes: new Uint8Array(seg.bytes), name: seg.name });
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

  // The labelmap kind belongs to the segmentation: a new kind reopens the series with a new, empty one.
  // Cornerstone's stack viewports draw image labelmaps only, so a volume labelmap needs the volume view.
  const labelmapSelect = $('labelmap-select') as HTMLSelectElement;
  const stackOption = viewSelect.querySelector<HTMLOptionElement>('option[value="stack"]')!;
  labelmapSelect.addEventListener('change', async () => {
    labelmapKind = labelmapSelect.value as LabelmapKind;
    stackOption.disabled = labelmapKind === 'volume';
    if (labelmapKind === 'volume') {
      viewKind = 'volume';
      viewSelect.value = viewKind;
    }
    if (!state.loaded) return;
    try {
      const { name, source } = state.loaded;
      await (source.kind === 'files' ? openSeries(name, source.files) : openDicomWebSeries(source.ref, name));
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
        await state.segHost.loadSeg(session, { bytes, name: path });
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
        await state.segHost.loadSeg(session, { bytes: new Uint8Array(files[0].bytes), name: files[0].name });
      } else {
        await openSeriesWithSegs(`${files.length} dropped files`, files);
      }
    } catch (error) {
      setMessage(describeError(error), true);
    }
  });

  const pacs = await wirePacsPanel(state, {
    openSeries: async (ref, name) => {
      references = [];
      referenceButton.hidden = true;
      await openDicomWebSeries(ref, name);
    },
  });
  pacsClient = pacs.clientFor;
  const loadEngine = await wireSettings(state);
  installTestHooks(state);

  await loadEngine();
  // After the engine, whose start clears the message line: what the PACS says stays on it.
  pacs.start();
  document.body.dataset.ready = 'true';
}

main().catch((error) => setMessage(describeError(error), true));
