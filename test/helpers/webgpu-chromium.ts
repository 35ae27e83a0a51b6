/**
 * WebGPU in Debian's chromium (DESIGN.md section 8), the one place for: the flags that turn it on,
 * launching it headless in a throw-away profile, the adapter `navigator.gpu` offers a page (headless:
 * SwiftShader, a software fallback adapter), and a file server on http://127.0.0.1 (WebGPU needs a
 * secure context). Used by test/e2e/webgpu-harness.ts (the WebGPU check page) and bench/webgpu-chromium.ts.
 *
 * playwright-core is imported only when chromium is launched: bench/device/prepare.sh bundles the
 * WebGPU benchmark (which imports this file) for a GPU machine with no node_modules and no browser.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { AdapterWire } from '../e2e/webgpu-page/wire.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
  const { chromium } = await import('playwright-core');
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
      limits?: { maxStorageBufferBindingSize?: number };
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
      maxStorageBufferBindingSize: a.limits?.maxStorageBufferBindingSize,
    };
  });
}

/** A CPU implementation (SwiftShader): its times say nothing about GPUs. */
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

/**
 * Serves files on http://127.0.0.1 (a free port): `route` maps a request's path to a file, or to
 * undefined (404, as for a file that is not there). `/` answers with a blank page unless routed.
 */
export async function serveFiles(
  route: (pathname: string) => string | undefined,
): Promise<{ origin: string; close(): void }> {
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const target = route(pathname);
    if (target && existsSync(target) && statSync(target).isFile()) {
      res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
      createReadStream(target).pipe(res);
    } else if (pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>webgpu</title>');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}
