import { describe, expect, it } from 'vitest';
import { chooseWebBackend, type Platform } from '../../src/model/session-web.ts';

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

  it('in Node (onnxruntime-web wasm bundle) threads are possible without isolation', async () => {
    const choice = await chooseWebBackend({ numThreads: 2 }, page({ isNode: true, hardwareConcurrency: 2 }));
    expect(choice.description).toBe('onnxruntime-web wasm (2 threads)');
  });
});
