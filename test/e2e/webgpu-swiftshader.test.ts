/**
 * The WebGPU path proven in a real browser: Debian's headless chromium offers only SwiftShader, a
 * software fallback adapter the runtime passes over by default. With `allowFallbackAdapter` the
 * product's own path (web session factory -> loadModel -> ModelSegmenter, in the page's main thread)
 * runs both tiny fixture models (robust decoder with the `sam` contract, SAM decoder with `medsam`) on
 * WebGPU, and again on wasm in the same page, on a real CT slice and box. WebGPU must match wasm: low-res
 * logits within 1e-3 of their largest magnitude, masks identical except where a logit lies within that
 * of 0, the same IoU prediction; and WebGPU kernels must really have run on the fallback adapter.
 * Slow on purpose (SwiftShader): one encoder and one decoder run per model and backend (~1-2 min).
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import type { SliceImage } from '../../src/dicom/slice-image.ts';
import { contractFor } from '../../src/model/contract.ts';
import type { ContractName } from '../../src/model/manifest.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { CHROMIUM, isSoftware, pageAdapter } from '../helpers/webgpu-chromium.ts';
import { compareLogits, compareSliceMasks } from './webgpu-agreement.ts';
import { openWebGpuPage, type WebGpuPage } from './webgpu-harness.ts';
import { floatsFromBase64, fromBase64, sliceToWire } from './webgpu-page/wire.ts';

const CT = resolve(REPO_ROOT, 'sample-dicom/ct-abdomen');
const MODELS = [
  { name: 'tiny-robust', contract: 'sam' as ContractName },
  { name: 'tiny-sam', contract: 'medsam' as ContractName },
].map((m) => ({ ...m, folder: resolve(REPO_ROOT, 'test/fixtures/models', m.name) }));
const missing = missingTools({ paths: [CHROMIUM, CT, ...MODELS.map((m) => join(m.folder, 'model.json'))] });
/** Relative to the largest |logit|: float sums in another order, not a different computation. */
const REL_TOL = 1e-3;
/** A box around the liver region of the 512 x 512 CT, in image pixels. */
const BOX = { x0: 150, y0: 170, x1: 330, y1: 340 };
/** SwiftShader is slow: the tiny robust encoder alone took ~35 s there on 2 cores. */
const SLOW = 600_000;

describe.skipIf(missing)('WebGPU on the SwiftShader fallback adapter matches wasm (chromium)', () => {
  let page: WebGpuPage;
  let slice: SliceImage;

  beforeAll(async () => {
    const series = readSeriesFromDirectory(CT);
    slice = series.slices[Math.floor(series.slices.length / 2)];
    page = await openWebGpuPage(MODELS.map((m) => m.folder));
  }, SLOW);
  afterAll(async () => page?.close());

  it('the only adapter is a software fallback, and by default the runtime passes it over for wasm', async () => {
    const adapter = await pageAdapter(page.page);
    expect(adapter, 'chromium offers no WebGPU adapter at all').not.toBeNull();
    expect(isSoftware(adapter!)).toBe(true);
    const wasm = await page.api.runGraph({ model: page.modelUrl(1), role: 'decoder', backend: {} });
    expect(wasm.choice.executionProvider).toBe('wasm');
    expect(wasm.choice.description).toContain('WebGPU adapter is a software fallback');
    expect(wasm.gpu.device, 'a WebGPU device was made although wasm was chosen').toBeNull();
    expect(wasm.gpu.dispatches).toBe(0);
  });

  for (const [index, model] of MODELS.entries()) {
    it(
      `${model.name} (${model.contract} contract): encoder and decoder on WebGPU match wasm`,
      async () => {
        const request = { model: page.modelUrl(index), slice: sliceToWire(slice), box: BOX };
        const gpu = await page.api.segment({ ...request, backend: { allowFallbackAdapter: true } });
        const wasm = await page.api.segment({ ...request, backend: {} });
        console.log(
          `${model.name}: WebGPU encoder ${(gpu.encoderMs / 1000).toFixed(1)} s, decoder ${(gpu.decoderMs / 1000).toFixed(1)} s; wasm ${wasm.encoderMs.toFixed(0)} + ${wasm.decoderMs.toFixed(0)} ms`,
        );

        // It really ran on WebGPU, on the fallback adapter: compute shaders dispatched in both graphs
        // (a few hundred each), and none at all for the wasm runs.
        expect(gpu.choice).toMatchObject({ executionProvider: 'webgpu', fallbackAdapter: true });
        expect(gpu.backend).toContain('webgpu (software fallback adapter');
        for (const use of [gpu.encoderGpu, gpu.decoderGpu]) {
          expect(use.device).toMatchObject({ isFallbackAdapter: true });
          expect(use.dispatches).toBeGreaterThan(50);
        }
        expect(wasm.choice.executionProvider).toBe('wasm');
        expect(wasm.encoderGpu.dispatches + wasm.decoderGpu.dispatches).toBe(0);

        const gpuLogits = floatsFromBase64(gpu.lowResLogits);
        const wasmLogits = floatsFromBase64(wasm.lowResLogits);
        const logits = compareLogits(gpuLogits, wasmLogits, REL_TOL);
        console.log(
          `${model.name}: ${JSON.stringify(logits)}; iou_prediction ${gpu.iouPrediction} vs ${wasm.iouPrediction}`,
        );
        expect(logits.maxAbs).toBeGreaterThan(0);
        expect(logits.relDiff).toBeLessThanOrEqual(REL_TOL);
        expect(logits.maskDiffersBeyondTolerance).toBe(0);

        const masks = compareSliceMasks(
          fromBase64(gpu.mask),
          fromBase64(wasm.mask),
          wasmLogits,
          REL_TOL * logits.maxAbs,
          contractFor(model.contract),
          slice.rows,
          slice.columns,
        );
        expect(masks.unexplained).toBe(0);
        expect(Math.abs(gpu.iouPrediction - wasm.iouPrediction)).toBeLessThanOrEqual(
          REL_TOL * Math.max(1, Math.abs(wasm.iouPrediction)),
        );
        expect(gpu.score).toBeCloseTo(wasm.score, 3);
      },
      SLOW,
    );
  }
});
