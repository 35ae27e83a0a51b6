/**
 * The segmenter's Web Worker: every inference and every per-pixel mask step of the viewer runs here,
 * SEG export and load included. It serves the protocol in src/cornerstone/worker with the two engines
 * of the product: the ONNX model runtime (onnxruntime-web: WebGPU when available, else wasm, threaded
 * when cross-origin isolated) and the model-free classical engine.
 */
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import { cachedModelSource, forgetCachedModel } from '../../src/cornerstone/worker/model-store.ts';
import { openOpfsFolder } from '../../src/cornerstone/worker/opfs-folder.ts';
import type { ProgressEvent } from '../../src/cornerstone/worker/protocol.ts';
import { type EngineFactories, serveSegmenter } from '../../src/cornerstone/worker/segmenter-host.ts';
import { RobustMedSamError } from '../../src/errors.ts';
import { loadModel } from '../../src/model/model-loader.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import { StoredEmbeddings } from '../../src/model/persistent-embeddings.ts';
import { webSessionFactory } from '../../src/model/session-web.ts';
import { DEFAULT_CUSTOMIZATIONS } from './customizations.ts';

type EncodingsNotice = Extract<ProgressEvent, { stage: 'encodings' }>;
let noticeListener: (event: EncodingsNotice) => void = () => undefined;
/** Remembered encodings in the origin-private file system, for as long as this worker lives. */
const store = new StoredEmbeddings(openOpfsFolder, {
  maxBytes: DEFAULT_CUSTOMIZATIONS.rememberedEncodingsBytes,
  onNotice: (notice) => noticeListener({ stage: 'encodings', state: 'memory-only', ...notice }),
});
/** The model engine loaded (null: none, or the classical engine). */
let current: ModelSegmenter | null = null;

const factories: EngineFactories = {
  async classical() {
    current = null;
    return new ClassicalSegmenter();
  },
  async model(url, { threads, allowFallbackAdapter, progress }) {
    current = null;
    const source = cachedModelSource(url, progress);
    const { factory, choice } = await webSessionFactory({ numThreads: threads, allowFallbackAdapter });
    progress({ stage: 'session', message: `creating sessions on ${choice.description}` });
    let model: Awaited<ReturnType<typeof loadModel>>;
    try {
      model = await loadModel(source, factory);
    } catch (error) {
      // Bytes the runtime rejected (sha256, size, graph I/O) must not be served from the cache again.
      if (error instanceof RobustMedSamError) await forgetCachedModel(url);
      throw error;
    }
    const segmenter = new ModelSegmenter(model, { store });
    current = segmenter;
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
  encodings: {
    async clear() {
      current?.cache.clear();
      return store.clear();
    },
    setMaxBytes: (maxBytes) => store.setMaxBytes(maxBytes),
    async stats() {
      const memory = current?.cache.stats;
      return {
        stored: await store.stats(),
        memory: memory
          ? { entries: memory.entries, bytes: memory.bytes, hits: memory.hits, misses: memory.misses }
          : null,
        encoderRuns: current?.counts.encoderRuns ?? 0,
        remembered: current?.counts.remembered ?? 0,
      };
    },
    onNotice(listener) {
      noticeListener = listener;
    },
  },
};

serveSegmenter(self as unknown as Parameters<typeof serveSegmenter>[0], factories);
