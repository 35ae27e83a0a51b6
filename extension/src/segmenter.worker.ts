/**
 * The segmenter's Web Worker: every inference and every per-pixel mask step of the viewer runs here,
 * SEG export and load included. It serves the protocol in src/cornerstone/worker with the two engines
 * of the product: the ONNX model runtime (onnxruntime-web: WebGPU when available, else wasm, threaded
 * when cross-origin isolated) and the model-free classical engine.
 */
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import { cachedModelSource, forgetCachedModel } from '../../src/cornerstone/worker/model-store.ts';
import { type EngineFactories, serveSegmenter } from '../../src/cornerstone/worker/segmenter-host.ts';
import { RobustMedSamError } from '../../src/errors.ts';
import { loadModel } from '../../src/model/model-loader.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import { webSessionFactory } from '../../src/model/session-web.ts';

const factories: EngineFactories = {
  async classical() {
    return new ClassicalSegmenter();
  },
  async model(url, { threads, progress }) {
    const source = cachedModelSource(url, progress);
    const { factory, choice } = await webSessionFactory({ numThreads: threads });
    progress({ stage: 'session', message: `creating sessions on ${choice.description}` });
    let model: Awaited<ReturnType<typeof loadModel>>;
    try {
      model = await loadModel(source, factory);
    } catch (error) {
      // Bytes the runtime rejected (sha256, size, graph I/O) must not be served from the cache again.
      if (error instanceof RobustMedSamError) await forgetCachedModel(url);
      throw error;
    }
    const segmenter = new ModelSegmenter(model);
    return {
      segmenter,
      status: {
        name: model.manifest.name,
        version: model.manifest.version,
        url,
        cache: source.cacheState(),
      },
    };
  },
};

serveSegmenter(self as unknown as Parameters<typeof serveSegmenter>[0], factories);
