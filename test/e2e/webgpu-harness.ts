/**
 * WebGPU in Debian's chromium (DESIGN.md section 8): the flags that turn it on, the adapter it offers
 * (headless: SwiftShader, a software fallback adapter), and the WebGPU check page (webgpu-page/) built
 * with Vite and served on http://127.0.0.1 (WebGPU needs a secure context) beside the model folders it
 * runs. Shared by test/e2e/webgpu-swiftshader.test.ts and the benchmarks (bench/webgpu-chromium.ts,
 * bench/webgpu-swiftshader.bench.ts).
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { AdapterWire, WebGpuPageApi, WebGpuWindow } from './webgpu-page/wire.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), 'webgpu-page');

/** WebGPU on (unlike the viewer suites' --disable-gpu), no network side-channels, fresh profile. */
export const WEBGPU_CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless chromium with WebGPU in a throw-away profile. */
export async function launchWebGpuChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'robustmedsam-webgpu-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: WEBGPU_CHROMIUM_FLAGS,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The adapter `navigator.gpu` offers on `page` (any page of a secure origin), or null. */
export function pageAdapter(page: Page): Promise<AdapterWire | null> {
  return page.evaluate(async () => {
    type Adapter = {
      info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
      isFallbackAdapter?: boolean;
      features: Iterable<string> & { has(name: string): boolean };
    };
    const gpu = (navigator as { gpu?: { requestAdapter(o?: object): Promise<Adapter | null> } }).gpu;
    const a = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
    if (!a) return null;
    const info = a.info ?? {};
    return {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      description: info.description ?? '',
      isFallbackAdapter: info.isFallbackAdapter === true || a.isFallbackAdapter === true,
      shaderF16: a.features.has('shader-f16'),
      features: [...a.features].sort(),
    };
  });
}

export const isSoftware = (a: AdapterWire) => a.isFallbackAdapter || a.architecture === 'swiftshader';
export const describeAdapterWire = (a: AdapterWire) =>
  `vendor '${a.vendor}', architecture '${a.architecture}', description '${a.description}'${a.isFallbackAdapter ? ', fallback adapter' : ''}; shader-f16 ${a.shaderF16 ? 'yes' : 'no'}`;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

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
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const [, area, index, file] = path.split('/');
    const target =
      area === 'models' && folders[Number(index)] && file
        ? join(folders[Number(index)], basename(file))
        : join(outDir, path === '/' ? 'index.html' : path.replace(/\.\.+/g, ''));
    if (!existsSync(target) || !statSync(target).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
    createReadStream(target).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
    placement: (r) => page.evaluate((r) => (window as unknown as WebGpuWindow).__webgpu.placement(r), r),
  };
  return { page, api, modelUrl: (i) => `${origin}/models/${i}`, console: lines, close };
}
