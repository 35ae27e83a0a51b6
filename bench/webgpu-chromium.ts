/**
 * The chromium half of the WebGPU benchmark: Debian's chromium (playwright-core, never a downloaded
 * browser) with --enable-unsafe-webgpu, on a page served from http://127.0.0.1 (WebGPU needs a secure
 * context). Timed only when chromium offers a hardware adapter: headless Debian chromium offers only
 * SwiftShader, a CPU implementation (DESIGN.md section 8), whose times say nothing about GPUs.
 * BENCH_WEBGPU_CHROMIUM_FALLBACK=1 times on that fallback adapter anyway (to prove this code path).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { overBindingLimit } from '../src/model/binding-limit.ts';
import type { ModelManifest } from '../src/model/manifest.ts';
import {
  CHROMIUM,
  describeAdapterWire,
  isSoftware,
  launchWebGpuChromium,
  pageAdapter,
  serveFiles,
} from '../test/helpers/webgpu-chromium.ts';
import { percentile } from './report.ts';

export interface ChromiumFolder {
  folder: string;
  manifest: ModelManifest;
  label: { decoder: string; precision: string };
}

interface PageResult {
  createMs: number;
  firstRunMs: number;
  times: number[];
  error?: string;
}

export async function chromiumWebGpu(
  folders: ChromiumFolder[],
  roles: Array<'encoder' | 'decoder'>,
  runs: number,
  warmup: number,
): Promise<{ rows: Array<Record<string, string | number>>; notes: string[] }> {
  if (!existsSync(CHROMIUM))
    return { rows: [], notes: [`chromium: ${CHROMIUM} is not installed here, not timed.`] };
  const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu'));
  const server = await serveFiles((path) => {
    const [, area, index, file] = path.split('/');
    if (area === 'ort') return join(ortDir, basename(index));
    if (area === 'models' && folders[Number(index)] && file)
      return join(folders[Number(index)].folder, basename(file));
    return undefined;
  });
  const { origin } = server;
  const browser = await launchWebGpuChromium();
  const rows: Array<Record<string, string | number>> = [];
  const notes: string[] = [];
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(origin);
    const adapter = await pageAdapter(page);
    if (!adapter) {
      notes.push('chromium: no WebGPU adapter at all, not timed.');
      return { rows, notes };
    }
    const software = isSoftware(adapter);
    const what = describeAdapterWire(adapter);
    if (software && process.env.BENCH_WEBGPU_CHROMIUM_FALLBACK !== '1') {
      notes.push(`chromium: only a software fallback adapter (SwiftShader: ${what}), not timed.`);
      return { rows, notes };
    }
    notes.push(
      `chromium adapter: ${what}${software ? ' (software fallback: timed only because BENCH_WEBGPU_CHROMIUM_FALLBACK=1)' : ''}.`,
    );
    for (const [index, { manifest, label }] of folders.entries()) {
      for (const role of roles) {
        const spec = manifest.graphs[role];
        // onnxruntime would compute it wrong on this adapter, silently (bench/results/webgpu.md).
        const tooLarge = overBindingLimit(spec.largestTensorBytes, adapter.maxStorageBufferBindingSize);
        if (tooLarge) {
          rows.push({
            runtime: 'chromium webgpu',
            ...label,
            graph: role,
            status: `not run: largest tensor ${tooLarge}`,
          });
          continue;
        }
        const result: PageResult = await page.evaluate(
          async ({ ortUrl, graphUrl, inputs, isDecoder, runs, warmup }) => {
            try {
              const ort = await import(ortUrl);
              ort.env.wasm.numThreads = 1;
              const graph = new Uint8Array(await (await fetch(graphUrl)).arrayBuffer());
              let t = performance.now();
              const session = await ort.InferenceSession.create(graph, { executionProviders: ['webgpu'] });
              const createMs = performance.now() - t;
              const feeds: Record<string, unknown> = {};
              for (const { name, shape } of inputs) {
                const dims = shape.map((d: number | string) => (typeof d === 'number' ? d : 2));
                const data = new Float32Array(dims.reduce((a: number, b: number) => a * b, 1));
                for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
                if (isDecoder && name === 'point_coords') data.set([200, 300, 600, 700]);
                if (isDecoder && name === 'point_labels') data.set([2, 3]);
                if (isDecoder && (name === 'has_mask_input' || name === 'mask_input')) data.fill(0);
                feeds[name] = new ort.Tensor('float32', data, dims);
              }
              t = performance.now();
              await session.run(feeds);
              const firstRunMs = performance.now() - t;
              for (let i = 0; i < warmup; i++) await session.run(feeds);
              const times: number[] = [];
              for (let i = 0; i < runs; i++) {
                t = performance.now();
                await session.run(feeds);
                times.push(performance.now() - t);
              }
              await session.release();
              return { createMs, firstRunMs, times };
            } catch (error) {
              return { createMs: 0, firstRunMs: 0, times: [], error: String(error).split('\n')[0] };
            }
          },
          {
            ortUrl: `${origin}/ort/ort.webgpu.bundle.min.mjs`,
            graphUrl: `${origin}/models/${index}/${spec.file}`,
            inputs: spec.inputs.map((i) => ({ name: i.name, shape: i.shape })),
            isDecoder: role === 'decoder',
            runs,
            warmup,
          },
        );
        rows.push({
          runtime: 'chromium webgpu',
          ...label,
          graph: role,
          create_ms: result.createMs,
          first_run_ms: result.firstRunMs,
          runs: result.times.length,
          p50_ms: result.error ? '' : percentile(result.times, 50),
          p95_ms: result.error ? '' : percentile(result.times, 95),
          min_ms: result.error ? '' : Math.min(...result.times),
          status: result.error ? `failed: ${result.error}` : 'measured',
        });
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  return { rows, notes };
}
