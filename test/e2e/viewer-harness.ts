/**
 * The demo viewer under test: built once per run with Vite, served by `vite preview` (with the
 * viewer's COOP/COEP headers and local-data plugin), driven in Debian's chromium through
 * playwright-core with a new empty profile. Every request the page makes is recorded, so tests can
 * assert that nothing leaves the page's origin.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { REPO_ROOT } from '../helpers/tools.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const VIEWER_CONFIG = resolve(REPO_ROOT, 'extension/demo/vite.config.ts');
export const ARTIFACTS = resolve(REPO_ROOT, 'test-artifacts/e2e');

/** Flags from DESIGN.md section 2: headless, no network side-channels, a fresh profile. */
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

/** Builds the viewer into a temporary folder and serves it; `samples`/`models` are the served roots. */
export async function startViewer(roots: { samples: string; models?: string }): Promise<ViewerServer> {
  process.env.ROBUSTMEDSAM_SAMPLES = roots.samples;
  if (roots.models) process.env.ROBUSTMEDSAM_MODELS = roots.models;
  else delete process.env.ROBUSTMEDSAM_MODELS;
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

export async function openViewer(url: string): Promise<ViewerBrowser> {
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
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) consoleErrors.push(`HTTP ${response.status()} ${response.url()}`);
  });
  await page.goto(url);
  try {
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 });
  } catch (error) {
    const message = await page
      .locator('#message')
      .textContent()
      .catch(() => '');
    throw new Error(`viewer did not start: ${message}; console: ${consoleErrors.join(' | ')}`, {
      cause: error,
    });
  }
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
