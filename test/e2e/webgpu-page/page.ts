/**
 * The WebGPU check page: the product's own model path (src/model/session-web.ts's session factory,
 * loadModel, ModelSegmenter) in the browser's main thread, exposed as `window.__webgpu` for
 * test/e2e/webgpu-swiftshader.test.ts and bench/webgpu-swiftshader.bench.ts. Every compute shader
 * dispatch in the page is counted, so a run that silently fell back to wasm shows up as none.
 */
import * as ortWebGpu from 'onnxruntime-web/webgpu';
import { feedsFor, randomFeeds } from '../../../bench/latency.ts';
import { fetchModelSource, loadModel, openGraph, readManifest } from '../../../src/model/model-loader.ts';
import { ModelSegmenter } from '../../../src/model/model-segmenter.ts';
import type { ModelSession, SessionFactory, TensorData } from '../../../src/model/session.ts';
import { webSessionFactory } from '../../../src/model/session-web.ts';
import {
  type BackendRequest,
  type DecodedWire,
  floatsFromBase64,
  floatsToBase64,
  type GpuUse,
  sliceFromWire,
  toBase64,
  type WebGpuPageApi,
  type WebGpuWindow,
} from './wire.ts';

interface DeviceLike {
  adapterInfo?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
  queue: { onSubmittedWorkDone(): Promise<void> };
}

let dispatches = 0;
// Whatever build of onnxruntime-web runs WebGPU, its kernels reach the GPU through these two calls.
const pass = (globalThis as unknown as { GPUComputePassEncoder?: { prototype: Record<string, unknown> } })
  .GPUComputePassEncoder?.prototype;
for (const name of ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect']) {
  const original = pass?.[name] as ((...args: unknown[]) => void) | undefined;
  if (pass && original)
    pass[name] = function (this: unknown, ...args: unknown[]) {
      dispatches++;
      return original.apply(this, args);
    };
}

/** onnxruntime-web's WebGPU device, once its WebGPU build made one (env.webgpu.device is set then). */
const gpuDevice = () =>
  Object.getOwnPropertyDescriptor(ortWebGpu.env.webgpu, 'device')?.value as DeviceLike | undefined;

/** What ran on the GPU since the last call. */
async function gpuUse(): Promise<GpuUse> {
  let device: GpuUse['device'] = null;
  const d = gpuDevice();
  if (d) {
    await d.queue.onSubmittedWorkDone();
    const info = d.adapterInfo ?? {};
    device = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      isFallbackAdapter: info.isFallbackAdapter === true,
    };
  }
  const counted = dispatches;
  dispatches = 0;
  return { device, dispatches: counted };
}

/**
 * The product's session factory, with each decoder run's raw outputs kept: the segmenter's score is
 * the IoU prediction clamped to [0, 1], which hides how close the raw values are.
 */
async function factoryFor(backend: BackendRequest, seen: { iou?: number } = {}) {
  const { factory, choice } = await webSessionFactory(backend);
  const recording: SessionFactory = async (graph, role) => {
    const session = await factory(graph, role);
    if (role !== 'decoder') return session;
    return {
      ...session,
      async run(feeds) {
        const out = await session.run(feeds);
        seen.iou = out.iou_prediction?.data[0];
        return out;
      },
    };
  };
  return { factory: recording, choice };
}

const api: WebGpuPageApi = {
  async segment({ model, backend, slice: wire, box }) {
    const seen: { iou?: number } = {};
    const { factory, choice } = await factoryFor(backend, seen);
    const segmenter = new ModelSegmenter(await loadModel(fetchModelSource(model), factory));
    try {
      const slice = sliceFromWire(wire);
      await gpuUse();
      let t = performance.now();
      await segmenter.encode(slice);
      const encoderMs = performance.now() - t;
      const encoderGpu = await gpuUse();
      t = performance.now();
      const result = await segmenter.segment(slice, { box });
      const decoderMs = performance.now() - t;
      return {
        choice,
        backend: segmenter.info.backend,
        lowResLogits: floatsToBase64(result.lowResLogits),
        mask: toBase64(result.mask),
        score: result.score,
        iouPrediction: seen.iou ?? Number.NaN,
        encoderMs,
        decoderMs,
        encoderGpu,
        decoderGpu: await gpuUse(),
      };
    } finally {
      await segmenter.dispose();
    }
  },

  async runGraph({ model, role, backend }) {
    const { factory, choice } = await factoryFor(backend);
    const source = fetchModelSource(model);
    const manifest = await readManifest(source);
    let t = performance.now();
    const session = await openGraph(source, manifest, role, factory);
    const createMs = performance.now() - t;
    try {
      const feeds = role === 'decoder' ? feedsFor(manifest) : randomFeeds(manifest.graphs.encoder);
      await gpuUse();
      t = performance.now();
      const out = await session.run(feeds);
      const runMs = performance.now() - t;
      const outputs: Record<string, { data: string; dims: number[] }> = {};
      for (const [name, tensor] of Object.entries(out))
        outputs[name] = { data: floatsToBase64(tensor.data), dims: [...tensor.dims] };
      return { choice, createMs, runMs, outputs, gpu: await gpuUse() };
    } finally {
      await session.release();
    }
  },

  async segmentEncoded({ model, backend, cases }) {
    const seen: { iou?: number } = {};
    const { factory, choice } = await factoryFor(backend, seen);
    const source = fetchModelSource(model);
    const manifest = await readManifest(source);
    const t = performance.now();
    const decoder = await openGraph(source, manifest, 'decoder', factory);
    const createMs = performance.now() - t;
    // The encoder "session" hands back the outputs given with the case in hand.
    let given: Record<string, TensorData> = {};
    const encoder: ModelSession = {
      inputs: manifest.graphs.encoder.inputs,
      outputs: manifest.graphs.encoder.outputs,
      backend: 'encoder outputs given',
      run: async () => given,
      release: async () => {},
    };
    const segmenter = new ModelSegmenter({
      manifest,
      encoder,
      decoder,
      location: source.location,
      release: () => decoder.release(),
    });
    try {
      const results: DecodedWire[] = [];
      for (const item of cases) {
        given = {};
        for (const [name, w] of Object.entries(item.encoderOutputs))
          given[name] = { data: floatsFromBase64(w.data), dims: w.dims };
        await gpuUse();
        const result = await segmenter.segment(sliceFromWire(item.slice), { box: item.box });
        results.push({
          lowResLogits: floatsToBase64(result.lowResLogits),
          mask: toBase64(result.mask),
          iouPrediction: seen.iou ?? Number.NaN,
          decoderMs: result.timings.decoder,
          gpu: await gpuUse(),
        });
      }
      return { choice, backend: decoder.backend, createMs, results };
    } finally {
      await segmenter.dispose();
    }
  },

  async placement({ model, role }) {
    // The product's factory first, so that onnxruntime-web is handed the fallback adapter it judged.
    await factoryFor({ allowFallbackAdapter: true });
    const source = fetchModelSource(model);
    const manifest = await readManifest(source);
    const graph = await source.readBytes(manifest.graphs[role].file);
    try {
      const session = await ortWebGpu.InferenceSession.create(graph, {
        executionProviders: ['webgpu'],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 0,
        logVerbosityLevel: 0,
      });
      await session.release();
    } finally {
      console.log('@@placement-end');
    }
  },
};

(window as unknown as WebGpuWindow).__webgpu = api;
document.body.dataset.ready = 'true';
