/**
 * The WebGPU check page (webgpu-page/) built with Vite, served on http://127.0.0.1 (WebGPU needs a
 * secure context) beside the model folders it runs, and opened in WebGPU chromium (launch, flags and
 * adapter: test/helpers/webgpu-chromium.ts). Shared by test/e2e/webgpu-swiftshader.test.ts and
 * bench/webgpu-swiftshader.bench.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchWebGpuChromium, serveFiles } from '../helpers/webgpu-chromium.ts';
import type { WebGpuPageApi, WebGpuWindow } from './webgpu-page/wire.ts';

const PAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), 'webgpu-page');

export interface WebGpuPage {
  page: Page;
  api: WebGpuPageApi;
  /** The URL of model folder `i` (of those given) on the page's origin. */
  modelUrl(i: number): string;
  /** Every console line of the page so far (onnxruntime's verbose log arrives here). */
  console: string[];
  close(): Promise<void>;
}

/**
 * Builds webgpu-page/ (Vite: onnxruntime-web resolves to its browser builds, as in the viewer), serves it
 * with `folders` at /models/<i>/, and opens it in WebGPU chromium. `api` calls the page's functions.
 */
export async function openWebGpuPage(folders: string[]): Promise<WebGpuPage> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'robustmedsam-webgpu-page-'));
  await build({
    configFile: false,
    root: PAGE_ROOT,
    base: './',
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000 },
  });
  const server = await serveFiles((path) => {
    const [, area, index, file] = path.split('/');
    return area === 'models' && folders[Number(index)] && file
      ? join(folders[Number(index)], basename(file))
      : join(outDir, path === '/' ? 'index.html' : path.replace(/\.\.+/g, ''));
  });
  const origin = server.origin;
  const browser = await launchWebGpuChromium();
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const lines: string[] = [];
  page.on('console', (m) => lines.push(m.text()));
  page.on('pageerror', (e) => lines.push(`pageerror: ${String(e)}`));
  const close = async () => {
    await browser.close();
    server.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  try {
    await page.goto(origin);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 });
  } catch (error) {
    await close();
    throw new Error(`the WebGPU check page did not start; console: ${lines.join(' | ')}`, { cause: error });
  }
  const api: WebGpuPageApi = {
    segment: (r) => page.evaluate((r) => (window as unknown as WebGpuWindow).__webgpu.segment(r), r),
    runGraph: (r) => page.evaluate((r) => (window as unknown as WebGpuWindow).__webgpu.runGraph(r), r),
    segmentEncoded: (r) =>
      page.evaluate((r) => (window as unknown as WebGpuWindow).__webgpu.segmentEncoded(r), r),
    placement: (r) => page.evaluate((r) => (window as unknown as WebGpuWindow).__webgpu.placement(r), r),
  };
  return { page, api, modelUrl: (i) => `${origin}/models/${i}`, console: lines, close };
}
