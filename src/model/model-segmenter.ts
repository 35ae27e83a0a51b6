import type { SliceImage } from '../dicom/slice-image.ts';
import { ModelError } from '../errors.ts';
import { type Contract, contractFor } from './contract.ts';
import {
  type Embedding,
  EmbeddingCache,
  type EmbeddingCacheOptions,
  embeddingKey,
} from './embedding-cache.ts';
import { overflowsFloat16 } from './fp16.ts';
import { checkFinite, checkRunOutputs, countNonFinite } from './graph-io.ts';
import { INPUT_SIDE, LOW_RES_SIDE } from './input-frame.ts';
import { modelLabel, modelTrade } from './model-choice.ts';
import type { LoadedModel } from './model-loader.ts';
import { type PersistentEmbeddings, toHalfEmbedding, widenHalfEmbedding } from './persistent-embeddings.ts';
import { buildDecoderPrompt } from './prompts.ts';
import type { Prompt, Segmenter, SegmenterInfo, SegmentOptions, SegmentResult } from './segmenter.ts';
import type { TensorData } from './session.ts';
import { checkSlice } from './slice-check.ts';
import { resolveWindow, windowTo8Bit } from './window.ts';

/** Inputs the runtime knows how to feed the decoder; anything else in a graph is an error at creation. */
const PROMPT_INPUTS = ['point_coords', 'point_labels', 'mask_input', 'has_mask_input'];

export const DEFAULT_CACHE: EmbeddingCacheOptions = { maxBytes: 256 * 2 ** 20, fp16: false };

export interface ModelSegmenterOptions {
  /** A cache to share (e.g. between segmenters of one model), or options for a new one. */
  cache?: EmbeddingCache | EmbeddingCacheOptions;
  /**
   * Remembered encodings (a second level under the in-memory cache, e.g. across page loads): looked up
   * on a miss in memory before the encoder runs, written after an encoder run without holding up the
   * mask. With a store, the decoder always gets the float16-rounded encoding (the one stored), so a box
   * gives the same mask whether its slice was encoded now or remembered.
   */
  store?: PersistentEmbeddings;
}

/** How the encodings a segmenter used came about, since it was made. */
export interface EncodingCounts {
  /** Encoder runs. */
  encoderRuns: number;
  /** Encodings read back from the store instead of running the encoder. */
  remembered: number;
}

/**
 * The Segmenter over an ONNX encoder/decoder pair: slice -> 8-bit window -> contract preprocessing ->
 * encoder (cached per model, instance, frame and window) -> prompt -> decoder -> contract
 * postprocessing -> mask on the slice grid.
 */
export class ModelSegmenter implements Segmenter {
  readonly info: SegmenterInfo;
  readonly cache: EmbeddingCache;
  private readonly contract: Contract;
  private readonly pending = new Map<
    string,
    Promise<{ embedding: Embedding; timings: Record<string, number> }>
  >();
  private readonly ownsCache: boolean;
  private readonly store?: PersistentEmbeddings;
  readonly counts: EncodingCounts = { encoderRuns: 0, remembered: 0 };
  private encoderChecked = false;
  private decoderChecked = false;

  constructor(
    readonly model: LoadedModel,
    options: ModelSegmenterOptions = {},
  ) {
    const { manifest } = model;
    const encoderOutputs = manifest.graphs.encoder.outputs.map((t) => t.name);
    for (const input of manifest.graphs.decoder.inputs) {
      if (!PROMPT_INPUTS.includes(input.name) && !encoderOutputs.includes(input.name)) {
        throw new ModelError(
          'graph-io-mismatch',
          `The decoder takes "${input.name}", which is neither a prompt input nor an encoder output.`,
          `Decoder inputs must be encoder outputs (${encoderOutputs.join(', ')}) or ${PROMPT_INPUTS.join(', ')}.`,
        );
      }
    }
    this.contract = contractFor(manifest.contract);
    this.store = options.store;
    this.ownsCache = !(options.cache instanceof EmbeddingCache);
    this.cache =
      options.cache instanceof EmbeddingCache
        ? options.cache
        : new EmbeddingCache(options.cache ?? DEFAULT_CACHE);
    const detail = modelTrade(manifest);
    this.info = {
      engine: 'model',
      label: modelLabel(manifest),
      backend: model.encoder.backend,
      ...(detail ? { detail } : {}),
    };
  }

  async encode(slice: SliceImage, options: SegmentOptions = {}): Promise<void> {
    await this.encoderOutputs(slice, options);
  }

  /** The encoder's outputs for this slice and window (cached), e.g. to hand them to another thread. */
  async encoderOutputs(slice: SliceImage, options: SegmentOptions = {}): Promise<Embedding> {
    checkSlice(slice);
    return (await this.embeddingFor(slice, options)).embedding;
  }

  async segment(slice: SliceImage, prompt: Prompt, options: SegmentOptions = {}): Promise<SegmentResult> {
    checkSlice(slice);
    const { rows, columns } = slice;
    // Prompt errors surface before any expensive work.
    let t = performance.now();
    const decoderPrompt = buildDecoderPrompt(
      prompt,
      rows,
      columns,
      this.contract.toInputFrame(rows, columns),
    );
    const promptMs = performance.now() - t;

    const { embedding, timings } = await this.embeddingFor(slice, options);

    const feeds: Record<string, TensorData> = {};
    const { n } = decoderPrompt;
    const promptFeeds: Record<string, TensorData> = {
      point_coords: { data: decoderPrompt.pointCoords, dims: [1, n, 2] },
      point_labels: { data: decoderPrompt.pointLabels, dims: [1, n] },
      mask_input: { data: decoderPrompt.maskInput, dims: [1, 1, LOW_RES_SIDE, LOW_RES_SIDE] },
      has_mask_input: { data: decoderPrompt.hasMaskInput, dims: [1] },
    };
    for (const input of this.model.manifest.graphs.decoder.inputs) {
      feeds[input.name] = promptFeeds[input.name] ?? embedding.tensors[input.name];
    }
    t = performance.now();
    const outputs = await this.model.decoder.run(feeds);
    const decoderMs = performance.now() - t;
    if (!this.decoderChecked) {
      checkRunOutputs('decoder', this.model.manifest.graphs.decoder, outputs);
      this.decoderChecked = true;
    }
    checkFinite('decoder', this.model.decoder.backend, outputs);
    const lowResLogits = outputs.low_res_logits.data;
    t = performance.now();
    const mask = this.contract.postprocess(lowResLogits, rows, columns);
    const postprocessMs = performance.now() - t;
    const iou = outputs.iou_prediction.data[0];
    return {
      mask,
      score: Math.min(1, Math.max(0, iou)), // finite: checkFinite above
      lowResLogits: Float32Array.from(lowResLogits),
      timings: { ...timings, prompt: promptMs, decoder: decoderMs, postprocess: postprocessMs },
    };
  }

  async dispose(): Promise<void> {
    if (this.ownsCache) this.cache.clear(); // a shared cache lives on with its other users
    await this.model.release();
  }

  /** The encoder outputs for this slice and window: from the cache, from a run in flight, or a new run. */
  private async embeddingFor(
    slice: SliceImage,
    options: SegmentOptions,
  ): Promise<{ embedding: Embedding; timings: Record<string, number> }> {
    const window = resolveWindow(slice, options.window);
    const key = embeddingKey({
      // The encoder graph and the contract that prepares its input determine the embedding.
      modelSha256: `${this.model.manifest.graphs.encoder.sha256}:${this.model.manifest.contract}`,
      sopInstanceUID: slice.sopInstanceUID,
      frame: slice.frame,
      window,
    });
    const cached = this.cache.get(key);
    if (cached) return { embedding: cached, timings: { encoder: 0 } };
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const run = (async () => {
      let t = performance.now();
      const remembered = await this.store?.get(key);
      const widened = remembered && widenHalfEmbedding(remembered);
      // An entry written before outputs were checked may hold NaN: encode again (the put replaces it).
      if (widened && Object.values(widened.tensors).every((tensor) => countNonFinite(tensor.data) === 0)) {
        this.counts.remembered++;
        this.cache.set(key, widened);
        return { embedding: widened, timings: { remembered: performance.now() - t } };
      }
      t = performance.now();
      const gray = windowTo8Bit(slice, window);
      const image = this.contract.prepareImage(gray, slice.rows, slice.columns);
      const preprocessMs = performance.now() - t;
      t = performance.now();
      this.counts.encoderRuns++;
      const outputs = await this.model.encoder.run({
        image: { data: image, dims: [1, 3, INPUT_SIDE, INPUT_SIDE] },
      });
      const encoderMs = performance.now() - t;
      if (!this.encoderChecked) {
        checkRunOutputs('encoder', this.model.manifest.graphs.encoder, outputs);
        this.encoderChecked = true;
      }
      checkFinite('encoder', this.model.encoder.backend, outputs); // before any cache keeps it
      let embedding: Embedding = { tensors: {} };
      for (const spec of this.model.manifest.graphs.encoder.outputs)
        embedding.tensors[spec.name] = outputs[spec.name];
      const timings: Record<string, number> = { preprocess: preprocessMs, encoder: encoderMs };
      // An encoding a half cannot hold (|v| >= 65520) is not remembered, and the decoder gets it in float32.
      if (this.store && !Object.values(embedding.tensors).some((tensor) => overflowsFloat16(tensor.data))) {
        t = performance.now();
        const half = toHalfEmbedding(embedding);
        embedding = widenHalfEmbedding(half);
        timings.fp16 = performance.now() - t;
        // Written in the background: the mask does not wait for the file system.
        void this.store.put(key, half);
      }
      this.cache.set(key, embedding);
      return { embedding, timings };
    })();
    this.pending.set(key, run);
    try {
      return await run;
    } finally {
      this.pending.delete(key);
    }
  }
}
