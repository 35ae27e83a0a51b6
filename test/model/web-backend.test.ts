import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderModelSource } from '../../src/model/model-folder-node.ts';
import { openGraph } from '../../src/model/model-loader.ts';
import { chooseWebBackend, type Platform, webSessionFactory } from '../../src/model/session-web.ts';
import { validateManifest } from '../../src/model/validate-manifest.ts';
import { FIXTURE_MODELS } from './model-fixtures.ts';

const page = (over: Partial<Platform>): Platform => ({
  isNode: false,
  crossOriginIsolated: false,
  hardwareConcurrency: 8,
  ...over,
});

describe('onnxruntime-web backend choice', () => {
  it('a page that is not cross-origin isolated runs wasm on one thread, and says why', async () => {
    const choice = await chooseWebBackend({}, page({}));
    expect(choice).toEqual({
      executionProvider: 'wasm',
      numThreads: 1,
      description: 'onnxruntime-web wasm (1 thread: page not cross-origin isolated)',
    });
  });

  it('a cross-origin isolated page gets threads, set explicitly (capped at 4 by default)', async () => {
    expect((await chooseWebBackend({}, page({ crossOriginIsolated: true }))).numThreads).toBe(4);
    const two = await chooseWebBackend({ numThreads: 2 }, page({ crossOriginIsolated: true }));
    expect(two.description).toBe('onnxruntime-web wasm (2 threads)');
  });

  it('WebGPU when the browser gives an adapter; wasm when it gives none or WebGPU is declined', async () => {
    const gpu = { requestAdapter: async () => ({}) };
    expect((await chooseWebBackend({}, page({ gpu }))).description).toBe('onnxruntime-web webgpu');
    const noAdapter = { requestAdapter: async () => null };
    expect((await chooseWebBackend({}, page({ gpu: noAdapter }))).executionProvider).toBe('wasm');
    const failing = {
      requestAdapter: async () => {
        throw new Error('blocked');
      },
    };
    expect((await chooseWebBackend({}, page({ gpu: failing }))).executionProvider).toBe('wasm');
    expect((await chooseWebBackend({ webgpu: false }, page({ gpu }))).executionProvider).toBe('wasm');
  });

  it('a software (fallback) WebGPU adapter is passed over for wasm, and the status says why', async () => {
    const software = { requestAdapter: async () => ({ info: { isFallbackAdapter: true } }) };
    const choice = await chooseWebBackend({}, page({ gpu: software, crossOriginIsolated: true }));
    expect(choice.executionProvider).toBe('wasm');
    expect(choice.description).toBe(
      'onnxruntime-web wasm (4 threads: WebGPU adapter is a software fallback)',
    );
    const legacy = { requestAdapter: async () => ({ isFallbackAdapter: true }) };
    expect((await chooseWebBackend({}, page({ gpu: legacy }))).description).toBe(
      'onnxruntime-web wasm (1 thread: page not cross-origin isolated, WebGPU adapter is a software fallback)',
    );
  });

  it('allowFallbackAdapter runs WebGPU on a software adapter, and says it is one; a hardware one is unchanged', async () => {
    const software = { requestAdapter: async () => ({ info: { architecture: 'swiftshader' } }) };
    expect(await chooseWebBackend({ allowFallbackAdapter: true }, page({ gpu: software }))).toEqual({
      executionProvider: 'webgpu',
      numThreads: 1,
      fallbackAdapter: true,
      description: 'onnxruntime-web webgpu (software fallback adapter: slow)',
    });
    const hardware = { requestAdapter: async () => ({ info: { architecture: 'ampere' } }) };
    expect(await chooseWebBackend({ allowFallbackAdapter: true }, page({ gpu: hardware }))).toEqual({
      executionProvider: 'webgpu',
      numThreads: 1,
      description: 'onnxruntime-web webgpu',
    });
    // WebGPU declined outright wins over the allowance.
    const declined = await chooseWebBackend(
      { webgpu: false, allowFallbackAdapter: true },
      page({ gpu: software }),
    );
    expect(declined.executionProvider).toBe('wasm');
  });

  it("WebGPU remembers the adapter's storage-buffer binding limit", async () => {
    const gpu = { requestAdapter: async () => ({ limits: { maxStorageBufferBindingSize: 2 ** 31 } }) };
    expect((await chooseWebBackend({}, page({ gpu }))).storageBindingLimit).toBe(2 ** 31);
  });

  it('a graph whose largest tensor is over the GPU binding limit runs on wasm, and its backend says why', async () => {
    // Mesa's lavapipe offers 128 MiB: there onnxruntime's WebGPU EP computed the ViT-B encoder's 768 MiB
    // attention wrong without an error. Here the tiny encoder's manifest is told it has such a tensor.
    const dir = join(FIXTURE_MODELS, 'tiny-robust');
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(manifest.graphs.encoder.largestTensorBytes).toBe(128 * 2 ** 20); // as export/ measured it
    const gpu = { requestAdapter: async () => ({ limits: { maxStorageBufferBindingSize: 128 * 2 ** 20 } }) };
    const { factory, choice } = await webSessionFactory({}, page({ gpu }));
    expect(choice.executionProvider).toBe('webgpu');
    const source = folderModelSource(dir);
    const big = validateManifest(manifest);
    big.graphs.encoder = { ...big.graphs.encoder, largestTensorBytes: 768 * 2 ** 20 };
    const session = await openGraph(source, big, 'encoder', factory);
    try {
      expect(session.backend).toBe(
        "onnxruntime-web wasm (1 thread: the encoder's largest tensor, 768 MiB, is over this GPU's 128 MiB storage-buffer binding limit)",
      );
      const image = { data: new Float32Array(3 * 1024 * 1024).fill(0.5), dims: [1, 3, 1024, 1024] };
      const out = await session.run({ image });
      expect(out.image_embeddings.dims).toEqual(big.graphs.encoder.outputs[0].shape);
    } finally {
      await session.release();
    }
  });

  it('in Node (onnxruntime-web wasm bundle) threads are possible without isolation', async () => {
    const choice = await chooseWebBackend({ numThreads: 2 }, page({ isNode: true, hardwareConcurrency: 2 }));
    expect(choice.description).toBe('onnxruntime-web wasm (2 threads)');
  });
});
