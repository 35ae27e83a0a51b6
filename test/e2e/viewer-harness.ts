/**
 * The demo viewer under test: built once per run with Vite, served by `vite preview` (with the
 * viewer's COOP/COEP headers and local-data plugin), driven in Debian's chromium through
 * playwright-core with a new empty profile. Every request the page makes is recorded, so tests can
 * assert that nothing leaves the page's origin.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { cache } from '@cornerstonejs/core';
import type { segmentation } from '@cornerstonejs/tools';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import type { ViewerState } from '../../extension/demo/viewer-state.ts';
import type { SeriesFromMetadata } from '../../src/cornerstone/series-metadata.ts';
import type { EncodingsStats } from '../../src/cornerstone/worker/protocol.ts';
import { unpackFrame } from '../../src/dicom/bit-packing.ts';
import type { SliceImage } from '../../src/dicom/slice-image.ts';
import type { Box } from '../../src/model/prompts.ts';
import { Refinement } from '../../src/model/refinement.ts';
import type { PromptPoint, Segmenter, SegmentResult } from '../../src/model/segmenter.ts';
import { REPO_ROOT } from '../helpers/tools.ts';
import { clickImagePointAt, dragImageBoxAt, type ToClient } from './mouse.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const VIEWER_CONFIG = resolve(REPO_ROOT, 'extension/demo/vite.config.ts');
export const ARTIFACTS = resolve(REPO_ROOT, 'test-artifacts/e2e');
/** The bundled samples the browser suites open, and the tiny fixture model they run. */
export const SAMPLES = resolve(REPO_ROOT, 'sample-dicom');
export const CT = join(SAMPLES, 'ct-abdomen');
export const CT_TRUTH = join(SAMPLES, 'ct-abdomen-truth.seg.dcm');
export const TINY = resolve(REPO_ROOT, 'test/fixtures/models/tiny-robust');

/** Headless Debian chromium: no GPU, no network side-channels (QUIC, updates, sync), a fresh profile. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ViewerServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the viewer into a temporary folder and serves it; `samples`/`models` are the served roots,
 * `pacs` a DICOMweb service root the server proxies at /dicom-web (ROBUSTMEDSAM_PACS_URL).
 */
export async function startViewer(roots: {
  samples: string;
  models?: string;
  pacs?: string;
}): Promise<ViewerServer> {
  process.env.ROBUSTMEDSAM_SAMPLES = roots.samples;
  if (roots.models) process.env.ROBUSTMEDSAM_MODELS = roots.models;
  else delete process.env.ROBUSTMEDSAM_MODELS;
  if (roots.pacs) process.env.ROBUSTMEDSAM_PACS_URL = roots.pacs;
  else delete process.env.ROBUSTMEDSAM_PACS_URL;
  const outDir = mkdtempSync(join(tmpdir(), 'robustmedsam-viewer-'));
  process.env.ROBUSTMEDSAM_VIEWER_OUT = outDir;
  await build({ configFile: VIEWER_CONFIG, logLevel: 'error' });
  const server: PreviewServer = await preview({
    configFile: VIEWER_CONFIG,
    logLevel: 'error',
    preview: { port: 0, host: '127.0.0.1', strictPort: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return {
    url,
    async close() {
      await new Promise<void>((done) => server.httpServer.close(() => done()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export interface ViewerBrowser {
  context: BrowserContext;
  page: Page;
  /** Every URL the page (and its workers) requested. */
  requests: string[];
  consoleErrors: string[];
  close(): Promise<void>;
}

/**
 * Opens `url` in a fresh chromium profile and waits for `ready` (a selector; the demo sets
 * body[data-ready] once its engine is loaded). Console errors are recorded with the script they came from.
 */
export async function openViewer(url: string, ready = 'body[data-ready="true"]'): Promise<ViewerBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'robustmedsam-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
  });
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} @ ${message.location().url}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${String(error)} ${error.stack ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400) consoleErrors.push(`HTTP ${response.status()} ${response.url()}`);
  });
  await page.goto(url);
  await waitUntilReady(page, consoleErrors, ready);
  return {
    context,
    page,
    requests,
    consoleErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function waitUntilReady(page: Page, consoleErrors: string[], ready: string): Promise<void> {
  try {
    await page.waitForSelector(ready, { state: 'attached', timeout: 120_000 });
  } catch (error) {
    const message = await page
      .locator('#message')
      .textContent()
      .catch(() => '');
    throw new Error(`viewer did not start: ${message}; console: ${consoleErrors.join(' | ')}`, {
      cause: error,
    });
  }
}

/** Reloads the page (same profile: IndexedDB and caches stay) and waits until the viewer is ready again. */
export async function reloadViewer(viewer: ViewerBrowser, ready = 'body[data-ready="true"]'): Promise<void> {
  await viewer.page.reload();
  await waitUntilReady(viewer.page, viewer.consoleErrors, ready);
}

/** Requests that went anywhere but the viewer's own origin (data: and blob: URLs stay in the page). */
export function foreignRequests(requests: string[], origin: string): string[] {
  return requests.filter((r) => !r.startsWith(origin) && !r.startsWith('data:') && !r.startsWith('blob:'));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Chooses a bundled series in the viewer and waits until it is displayed. */
export async function openSeries(page: Page, id: string): Promise<void> {
  const before = await page.evaluate(() => document.body.dataset.seriesLoaded ?? '');
  await page.selectOption('[data-testid="series-select"]', id);
  await page.waitForFunction((b) => (document.body.dataset.seriesLoaded ?? '') !== b, before, {
    timeout: 60_000,
  });
}

/** Drags a box with the mouse between two points given as fractions of the image's size on screen. */
export async function dragBox(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
): Promise<void> {
  const canvas = page.locator('[data-testid="viewport"] canvas').first();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + from.x, box.y + from.y);
  await page.mouse.down();
  await page.mouse.move(box.x + (from.x + to.x) / 2, box.y + (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(box.x + to.x, box.y + to.y, { steps: 4 });
  await page.mouse.up();
}

/**
 * The read-only hooks the demo exposes as `window.__viewer` (extension/demo/main.ts). Only their types
 * are imported here: page functions run in the browser, against the page's own Cornerstone.
 */
export interface ViewerHooks {
  state: ViewerState;
  cache: typeof cache;
  segmentation: typeof segmentation;
  /** Label values of the slice at `index` of the series' sorted slices. */
  labelmapSlice(index: number): number[];
  /** Index of the slice shown, in the series' sorted slices. */
  currentIndex(): number;
  lastPreview(): unknown;
  /** One label value over the whole series as base64 bits (see `labelVolume`). */
  labelVolumeBits(label: number): string;
  imageToClient(x: number, y: number): [number, number];
  /** The SegSeries SEG export and load build from Cornerstone's metadata (extension/demo/test-hooks-seg.ts). */
  segSeriesFromMetadata(): SeriesFromMetadata;
  /** Remembered encodings: what is stored, encoder runs and remembered reads of the engine loaded. */
  encodings(): Promise<EncodingsStats>;
  /** The session's notices so far (remembered encodings turned memory-only). */
  notices(): string[];
}
export type ViewerWindow = { __viewer: ViewerHooks };

/** The SegSeries the viewer builds from Cornerstone's metadata for the series shown, and its image ids. */
export const segSeriesFromMetadata = (page: Page): Promise<SeriesFromMetadata> =>
  page.evaluate(() => (window as unknown as ViewerWindow).__viewer.segSeriesFromMetadata());

/** Chooses an engine in the settings (an option value, '' for the classical one) and waits until it is loaded. */
export async function chooseEngine(page: Page, option: string, timeout = 120_000): Promise<void> {
  await page.selectOption('[data-testid="engine-select"]', option);
  await page.waitForFunction(
    (kind) => document.getElementById('engine-badge')?.className === kind,
    option ? 'model' : 'classical',
    { timeout },
  );
}

/** How many previews the page has shown (boxes and clicks). */
export const previewCount = async (page: Page): Promise<number> =>
  Number((await page.getAttribute('[data-testid="status-result"]', 'data-preview-count')) ?? 0);

/** Waits until the page has shown its n-th preview. */
export async function waitForPreview(page: Page, n: number, timeout = 120_000): Promise<void> {
  await page.waitForSelector(`[data-testid="status-result"][data-preview-count="${n}"]`, {
    state: 'attached',
    timeout,
  });
}

/** Remembered encodings as the worker reports them (extension/demo/test-hooks.ts). */
export const encodingsStats = (page: Page): Promise<EncodingsStats> =>
  page.evaluate(() => (window as unknown as ViewerWindow).__viewer.encodings());

/**
 * Sets the storage quota of the page's origin through the DevTools protocol (the browser's own quota
 * errors follow) until the returned function gives the origin its normal quota back. The override lasts
 * as long as its DevTools session, which stays open until then.
 */
export async function overrideQuota(viewer: ViewerBrowser, quotaSize: number): Promise<() => Promise<void>> {
  const cdp = await viewer.context.newCDPSession(viewer.page);
  const origin = new URL(viewer.page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize });
  return async () => {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await cdp.detach();
  };
}

/** Page coordinates of image pixel (x, y) of the slice shown, through the demo's hook. */
export const imageToClient: (page: Page) => ToClient = (page) => (x, y) =>
  page.evaluate(([px, py]) => (window as unknown as ViewerWindow).__viewer.imageToClient(px, py), [x, y]);

/** Drags a box with the mouse from image pixel (x0, y0) to (x1, y1) of the slice shown. */
export const dragImageBox = (page: Page, box: Box): Promise<void> =>
  dragImageBoxAt(page, imageToClient(page), box);

/** Clicks image pixel (x, y) of the slice shown; with Shift held, an exclude point. */
export const clickImagePoint = (page: Page, point: { x: number; y: number }, modifier?: 'Shift') =>
  clickImagePointAt(page, imageToClient(page), point, modifier);

/** One label value over the series (slice-major, series order) as 0/1, `pixels` per slice. */
export async function labelVolume(
  page: Page,
  label: number,
  slices: number,
  pixels: number,
): Promise<Uint8Array> {
  const b64 = await page.evaluate(
    (l) => (window as unknown as ViewerWindow).__viewer.labelVolumeBits(l),
    label,
  );
  const out = new Uint8Array(slices * pixels);
  unpackFrame(new Uint8Array(Buffer.from(b64, 'base64')), 0, out.length, out, 0);
  return out;
}

export const currentIndex = (page: Page): Promise<number> =>
  page.evaluate(() => (window as unknown as ViewerWindow).__viewer.currentIndex());

/** Turns the mouse wheel over the image (the stack-scroll binding) until `slices` other slices went by. */
export async function scrollSlices(page: Page, slices: number): Promise<number> {
  const start = await currentIndex(page);
  const canvas = (await page.locator('[data-testid="viewport"] canvas').first().boundingBox())!;
  await page.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
  for (let i = 0; i < slices; i++) {
    const before = await currentIndex(page);
    await page.mouse.wheel(0, 100);
    await page.waitForFunction(
      (b) => (window as unknown as ViewerWindow).__viewer.currentIndex() !== b,
      before,
      { timeout: 10_000 },
    );
  }
  const end = await currentIndex(page);
  if (Math.abs(end - start) !== slices)
    throw new Error(`scrolled from slice ${start} to ${end}, not ${slices} slices`);
  return end;
}

/** Opens files through the viewer's "Open DICOM files…" button and waits until the series is shown. */
export async function openFiles(page: Page, paths: string[]): Promise<void> {
  const before = await page.evaluate(() => document.body.dataset.seriesLoaded ?? '');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#open-files')]);
  await chooser.setFiles(paths);
  await page.waitForFunction((b) => (document.body.dataset.seriesLoaded ?? '') !== b, before, {
    timeout: 60_000,
  });
}

/** The colour on screen (RGBA) at image pixel (x, y) of the slice shown, read from the viewport's canvas. */
export function shownColour(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const [cx, cy] = (window as unknown as ViewerWindow).__viewer.imageToClient(px, py);
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="viewport"] canvas')!;
      const rect = canvas.getBoundingClientRect();
      const scale = canvas.width / rect.width;
      const at = [Math.floor((cx - rect.left) * scale), Math.floor((cy - rect.top) * scale)];
      return Array.from(canvas.getContext('2d')!.getImageData(at[0], at[1], 1, 1).data);
    },
    [x, y],
  );
}

/**
 * The share of pixels where the mask accepted in the browser equals the mask the same engine gives in
 * Node for the same slice, box and clicks (the engine is disposed afterwards).
 */
export async function agreementWithNode(
  reference: Segmenter,
  slice: SliceImage,
  box: Box,
  accepted: Uint8Array,
  points: readonly PromptPoint[] = [],
): Promise<number> {
  try {
    // The box, then each click fed the step before it, as the viewer's controller does.
    const refinement = new Refinement<SegmentResult>(box, await reference.segment(slice, { box }));
    for (const point of points)
      refinement.push(point, await reference.segment(slice, refinement.promptWith(point)));
    const { mask } = refinement.current;
    let same = 0;
    for (let i = 0; i < accepted.length; i++) if (mask[i] === accepted[i]) same++;
    return same / accepted.length;
  } finally {
    await reference.dispose();
  }
}

/** The PACS panel (extension/demo/pacs-panel.ts): the studies listed from the server. */
export async function pacsStudies(page: Page): Promise<Array<{ uid: string; label: string }>> {
  await page.waitForFunction(() => document.body.dataset.pacsStudies !== undefined, null, {
    timeout: 60_000,
  });
  return page.$$eval('[data-testid="pacs-study"]', (buttons) =>
    buttons.map((b) => ({ uid: (b as HTMLElement).dataset.studyUid ?? '', label: b.textContent ?? '' })),
  );
}

/** Opens a study in the PACS panel; resolves to its series as listed (modality, UID, label). */
export async function openPacsStudy(
  page: Page,
  studyUid: string,
): Promise<Array<{ uid: string; modality: string; label: string }>> {
  const study = `[data-testid="pacs-study"][data-study-uid="${studyUid}"]`;
  await page.click(study);
  const item = page.locator(`#pacs-studies > li[data-series-listed]:has(${study})`);
  await item.waitFor({ state: 'attached', timeout: 30_000 });
  return item.locator('[data-testid="pacs-series"]').evaluateAll((buttons) =>
    buttons.map((b) => ({
      uid: (b as HTMLElement).dataset.seriesUid ?? '',
      modality: (b as HTMLElement).dataset.modality ?? '',
      label: b.textContent ?? '',
    })),
  );
}

/** Opens an image series of the PACS panel and waits until it is displayed (or fails at once on an error). */
export async function openPacsSeries(page: Page, seriesUid: string): Promise<void> {
  const before = await page.evaluate(() => document.body.dataset.seriesLoaded ?? '');
  await page.click(`[data-testid="pacs-series"][data-series-uid="${seriesUid}"]`);
  await page.waitForFunction(
    (b) =>
      (document.body.dataset.seriesLoaded ?? '') !== b ||
      document.getElementById('message')?.classList.contains('error'),
    before,
    { timeout: 60_000 },
  );
  if ((await page.evaluate(() => document.body.dataset.seriesLoaded ?? '')) === before) {
    throw new Error(`series not shown: ${await page.textContent('#message')}`);
  }
}

/**
 * A test-side HTTP proxy in front of a server, switchable to fail: `pass` forwards, `fail-503` answers
 * 503 itself, `close` drops the connection unanswered, `lose-answer` forwards the request (the server
 * acts on it) but drops the connection instead of passing the answer back.
 */
export type FaultMode = 'pass' | 'fail-503' | 'close' | 'lose-answer';
export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** An answer of the proxy's own for some requests (checked first, in any mode); undefined forwards. */
  respond?: (
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
  ) => { status: number; body: string; type?: string } | undefined;
  /** Requests seen, as "METHOD path mode". */
  seen: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { createServer, request } = await import('node:http');
  const upstream = new URL(target);
  const proxy: FaultProxy = { url: '', mode: 'pass', seen: [], close: async () => undefined };
  const server = createServer((req, res) => {
    const mode = proxy.mode;
    proxy.seen.push(`${req.method} ${req.url} ${mode}`);
    const own = proxy.respond?.(req.method ?? 'GET', req.url ?? '', req.headers);
    if (own) {
      req.resume();
      res.writeHead(own.status, { 'content-type': own.type ?? 'text/plain' }).end(own.body);
      return;
    }
    if (mode === 'fail-503') {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('PACS unavailable (test fault)');
      return;
    }
    if (mode === 'close') {
      req.socket.destroy();
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        if (mode === 'lose-answer') {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  proxy.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return proxy;
}
