/**
 * The main-thread face of the segmenter's Web Worker: promise-returning calls plus progress events.
 * It never runs inference or loops over pixels; it only posts slices and receives finished arrays.
 */
import type { SliceImage } from '../dicom/slice-image.ts';
import { RobustMedSamError } from '../errors.ts';
import type { Window } from '../model/segmenter.ts';
import type {
  SegComposed,
  SegComposeJob,
  SegOnSeries,
  SegReadJob,
  SegWriteJob,
  SegWritten,
} from './seg-compose.ts';
import { TypedEventTarget } from './typed-events.ts';
import type {
  EncodingsStats,
  EngineChoice,
  EngineStatus,
  ProgressEvent,
  RequestOf,
  RequestType,
  SegmentJob,
  SegmentReply,
  WorkerReplies,
  WorkerReply,
  WorkerRequest,
} from './worker/protocol.ts';

/** An error the worker reported, rebuilt with its code and hint. */
export class SegmenterWorkerError extends RobustMedSamError {
  readonly workerErrorName: string;
  constructor(error: { name: string; code?: string; message: string; hint?: string }) {
    super(error.code ?? 'worker-error', error.message, error.hint ?? '');
    this.workerErrorName = error.name;
  }
}

/** The arrays' buffers, each once (postMessage refuses a buffer listed twice). */
function buffersOf(arrays: ArrayBufferView[]): ArrayBuffer[] {
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The client's events: the engine loaded (null while loading), progress, and a crashed worker. */
export interface ClientEvents extends Record<string, unknown> {
  engine: EngineStatus | null;
  progress: ProgressEvent;
  error: SegmenterWorkerError;
}

export class SegmenterClient extends TypedEventTarget<ClientEvents> {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  status: EngineStatus | null = null;

  constructor(worker: Worker) {
    super();
    this.worker = worker;
    worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => this.onMessage(event.data));
    worker.addEventListener('error', (event) => {
      const error = new SegmenterWorkerError({
        name: 'WorkerError',
        code: 'worker-crashed',
        message: `The segmenter worker failed: ${event.message}`,
      });
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      this.emit('error', error);
    });
  }

  private onMessage(reply: WorkerReply): void {
    if (reply.type === 'progress') {
      this.emit('progress', reply.event);
      return;
    }
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.type === 'error') p.reject(new SegmenterWorkerError(reply.error));
    else p.resolve(reply.value);
  }

  /** Sends a request; its reply is correlated by id, and typed by the request's kind (WorkerReplies). */
  private call<K extends RequestType>(
    type: K,
    body: Omit<RequestOf<K>, 'type'>,
    transfer: Transferable[] = [],
  ): Promise<WorkerReplies[K]> {
    const id = this.nextId++;
    return new Promise<WorkerReplies[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...body, type, id } as WorkerRequest, transfer);
    });
  }

  async load(engine: EngineChoice, threads?: number): Promise<EngineStatus> {
    this.status = null;
    this.emit('engine', null);
    const status = await this.call('load', { engine, threads });
    this.status = status;
    this.emit('engine', status);
    return status;
  }

  /** Resolves with skipped = true when a background encode was cancelled before it ran. */
  encode(
    slice: SliceImage,
    options: { window?: Window; background: boolean },
  ): Promise<{ skipped: boolean; ms: number }> {
    return this.call('encode', { slice, window: options.window, background: options.background });
  }

  segment(job: SegmentJob): Promise<SegmentReply> {
    return this.call('segment', { job });
  }

  /** SEG bytes from labelmap slices; the job's label slices are handed to the worker (unusable here after). */
  writeSeg(job: SegWriteJob): Promise<SegWritten> {
    return this.call('seg-write', { job }, buffersOf(job.labelSlices));
  }

  /** A SEG parsed and placed on the series; the bytes are copied, not handed over. */
  readSeg(job: SegReadJob): Promise<SegOnSeries> {
    return this.call('seg-read', { job });
  }

  /** The placed SEG written into the given slices; masks and `before` arrays are handed over and come back. */
  composeSeg(job: SegComposeJob): Promise<SegComposed> {
    const arrays = [...job.masks, ...job.slices.map((s) => s.before)];
    return this.call('seg-compose', { job }, buffersOf(arrays));
  }

  /** Forgets every remembered encoding (stored and in memory); resolves to how many stored ones went. */
  async clearEncodings(): Promise<number> {
    return (await this.call('clear-encodings', {})).removed;
  }

  /** The bound on remembered encodings, in bytes (0 remembers nothing). */
  async configureEncodings(maxBytes: number): Promise<void> {
    await this.call('configure-encodings', { maxBytes });
  }

  encodingsStats(): Promise<EncodingsStats> {
    return this.call('encodings-stats', {});
  }

  async cancelBackground(): Promise<void> {
    await this.call('cancel-background', {});
  }

  async dispose(): Promise<void> {
    await this.call('dispose', {});
    this.worker.terminate();
  }
}
