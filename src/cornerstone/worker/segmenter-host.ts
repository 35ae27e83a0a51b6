/**
 * The worker half of the bridge: owns one Segmenter (classical engine or ONNX model) and runs its
 * work one job at a time, interactive jobs (a box, the slice on screen, SEG export and load) before
 * background encodes of neighbouring slices. Cornerstone-free: only messages, the Segmenter interface
 * and the compose steps (a mask into a labelmap slice, labelmap slices to and from SEG).
 */
import { InputError, RobustMedSamError } from '../../errors.ts';
import { maskBoundingBox } from '../../model/mask-box.ts';
import type { Segmenter } from '../../model/segmenter.ts';
import { estimateImageQuality } from '../../quality/estimate.ts';
import { composeMaskIntoLabelmap } from '../labelmap-compose.ts';
import { composeSegIntoLabelSlices, readSegOnSeries, writeSegFromLabelSlices } from '../seg-compose.ts';
import type {
  EncodingsStats,
  EngineChoice,
  EngineStatus,
  ProgressEvent,
  RequestType,
  SegmentReply,
  WorkerReplies,
  WorkerReply,
  WorkerRequest,
} from './protocol.ts';

/** What the worker entry provides: how to build each engine (so this file stays engine-agnostic). */
export interface EngineFactories {
  classical(): Promise<Segmenter>;
  model(
    url: string,
    options: { threads?: number; allowFallbackAdapter?: boolean; progress: (event: ProgressEvent) => void },
  ): Promise<{ segmenter: Segmenter; status: EngineStatus['model'] }>;
  /** Remembered encodings, where the worker keeps them (the store lives as long as the worker). */
  encodings?: EncodingsControl;
}

export interface EncodingsControl {
  /** Forgets every encoding, stored and in memory; resolves to how many stored ones went. */
  clear(): Promise<number>;
  setMaxBytes(maxBytes: number): Promise<void>;
  stats(): Promise<EncodingsStats>;
  /** The host's listener for the store's one-time messages (it forwards them as progress events). */
  onNotice(listener: (event: Extract<ProgressEvent, { stage: 'encodings' }>) => void): void;
}

const NO_ENCODINGS: EncodingsStats = { stored: null, memory: null, encoderRuns: 0, remembered: 0 };

interface Port {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerRequest>) => void): void;
}

interface Job {
  id: number;
  background: boolean;
  /** performance.now() when the request arrived: the wait before it ran is reported. */
  queuedAt: number;
  /** The job's work; its value is one of the protocol's replies (WorkerReplies). */
  run: () => Promise<{ value: WorkerReplies[RequestType]; transfer?: Transferable[] }>;
}

export function serveSegmenter(port: Port, factories: EngineFactories): void {
  let segmenter: Segmenter | null = null;
  const queue: Job[] = [];
  let running = false;

  const reply = (message: WorkerReply, transfer: Transferable[] = []) => port.postMessage(message, transfer);
  const progress = (id: number, event: ProgressEvent) => reply({ id, type: 'progress', event });
  // A store's notice belongs to no request (id 0): the client passes every progress event on.
  factories.encodings?.onNotice((event) => progress(0, event));
  const fail = (id: number, error: unknown) => {
    const e = error as Partial<RobustMedSamError> & Error;
    reply({
      id,
      type: 'error',
      error: {
        name: e?.name ?? 'Error',
        code: e instanceof RobustMedSamError ? e.code : undefined,
        message: e?.message ?? String(error),
        hint: e instanceof RobustMedSamError ? e.hint : undefined,
      },
    });
  };

  const pump = async () => {
    if (running) return;
    running = true;
    while (queue.length > 0) {
      // Interactive work first; background encodes only when nothing else waits.
      const index = queue.findIndex((j) => !j.background);
      const [job] = queue.splice(Math.max(index, 0), 1);
      try {
        const waited = performance.now() - job.queuedAt;
        const { value, transfer } = await job.run();
        const timings = (value as { timings?: Record<string, number> } | null)?.timings;
        if (timings) timings.queued = waited;
        reply({ id: job.id, type: 'result', value }, transfer);
      } catch (error) {
        fail(job.id, error);
      }
    }
    running = false;
  };

  /** Queued jobs of an engine being replaced never run; their callers hear so. */
  const dropQueued = () => {
    for (const job of queue.splice(0)) {
      fail(job.id, new InputError('cancelled', 'The engine was replaced before this job ran.', 'Try again.'));
    }
  };

  /** A job that needs no engine (SEG export and load), run in turn with the rest. */
  const queueInteractive = (id: number, run: Job['run']) =>
    queue.push({ id, background: false, queuedAt: performance.now(), run });

  const requireSegmenter = (): Segmenter => {
    if (!segmenter) {
      throw new InputError('no-engine', 'No segmentation engine is loaded yet.', 'Load an engine first.');
    }
    return segmenter;
  };

  const load = async (id: number, engine: EngineChoice, threads?: number): Promise<EngineStatus> => {
    const previous = segmenter;
    segmenter = null;
    await previous?.dispose();
    if (engine.kind === 'classical') {
      segmenter = await factories.classical();
      return { info: segmenter.info };
    }
    const loaded = await factories.model(engine.url, {
      threads,
      allowFallbackAdapter: engine.allowFallbackAdapter,
      progress: (e) => progress(id, e),
    });
    segmenter = loaded.segmenter;
    return { info: segmenter.info, model: loaded.status };
  };

  port.addEventListener('message', (event) => {
    const request = event.data;
    const { id } = request;
    switch (request.type) {
      case 'load':
        // Loading replaces the engine: nothing queued for the old one is worth running.
        dropQueued();
        queue.push({
          id,
          background: false,
          queuedAt: performance.now(),
          run: async () => ({ value: await load(id, request.engine, request.threads) }),
        });
        break;
      case 'encode': {
        const { slice, window, background } = request;
        queue.push({
          id,
          background,
          queuedAt: performance.now(),
          run: async () => {
            const s = requireSegmenter();
            const note = { sopInstanceUID: slice.sopInstanceUID, frame: slice.frame, background };
            progress(id, { stage: 'encode', state: 'start', ...note });
            const t0 = performance.now();
            await s.encode(slice, { window });
            const ms = performance.now() - t0;
            progress(id, { stage: 'encode', state: 'done', ms, ...note });
            return { value: { skipped: false, ms } };
          },
        });
        break;
      }
      case 'segment': {
        const { job } = request;
        queue.push({
          id,
          background: false,
          queuedAt: performance.now(),
          run: async () => {
            const s = requireSegmenter();
            const result = await s.segment(job.slice, job.prompt, { window: job.window });
            const t0 = performance.now();
            const box = maskBoundingBox(result.mask, job.slice.rows, job.slice.columns);
            const value: SegmentReply = { ...result, box };
            const transfer: Transferable[] = [result.mask.buffer as ArrayBuffer];
            if (result.lowResLogits.byteLength > 0) transfer.push(result.lowResLogits.buffer as ArrayBuffer);
            if (job.compose) {
              const composed = composeMaskIntoLabelmap({ ...job.compose, mask: result.mask });
              value.preview = composed.preview;
              value.accepted = composed.accepted;
              value.changed = composed.changed;
              transfer.push(composed.preview.buffer as ArrayBuffer, composed.accepted.buffer as ArrayBuffer);
            }
            value.timings = { ...result.timings, compose: performance.now() - t0 };
            if (job.assessQuality && job.prompt.box) {
              const t1 = performance.now();
              value.imageQuality = estimateImageQuality(job.slice, job.prompt.box, { window: job.window });
              value.timings.quality = performance.now() - t1;
            }
            return { value, transfer };
          },
        });
        break;
      }
      case 'seg-write':
        queueInteractive(id, async () => {
          const value = writeSegFromLabelSlices(request.job);
          return { value, transfer: [value.bytes.buffer as ArrayBuffer] };
        });
        break;
      case 'seg-read':
        queueInteractive(id, async () => {
          const value = readSegOnSeries(request.job);
          return { value, transfer: value.masks.map((m) => m.buffer as ArrayBuffer) };
        });
        break;
      case 'seg-compose':
        queueInteractive(id, async () => {
          const value = composeSegIntoLabelSlices(request.job);
          // A buffer may appear once only in a transfer list (the caller's slices could share one).
          const buffers = new Set(value.slices.flatMap((s) => [s.before.buffer, s.after.buffer]));
          return { value, transfer: [...buffers] as ArrayBuffer[] };
        });
        break;
      case 'clear-encodings':
        queueInteractive(id, async () => ({
          value: { removed: (await factories.encodings?.clear()) ?? 0 },
        }));
        break;
      case 'configure-encodings':
        queueInteractive(id, async () => {
          await factories.encodings?.setMaxBytes(request.maxBytes);
          return { value: null };
        });
        break;
      case 'encodings-stats':
        queueInteractive(id, async () => ({
          value: (await factories.encodings?.stats()) ?? NO_ENCODINGS,
        }));
        break;
      case 'cancel-background': {
        for (let i = queue.length - 1; i >= 0; i--) {
          const job = queue[i];
          if (!job.background) continue;
          queue.splice(i, 1);
          reply({ id: job.id, type: 'result', value: { skipped: true, ms: 0 } });
        }
        reply({ id, type: 'result', value: null });
        return;
      }
      case 'dispose':
        dropQueued();
        queue.push({
          id,
          background: false,
          queuedAt: performance.now(),
          run: async () => {
            await segmenter?.dispose();
            segmenter = null;
            return { value: null };
          },
        });
        break;
    }
    void pump();
  });
}
