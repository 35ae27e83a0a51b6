/**
 * Messages between the main thread (SegmenterClient) and the segmenter's Web Worker (serveSegmenter).
 * Every request carries an id; the worker answers each with exactly one `result` or `error`, and may
 * send `progress` events in between. Arrays travel as transferables where they are not needed again.
 */
import type { SliceImage } from '../../dicom/slice-image.ts';
import type { MaskBox } from '../../model/mask-box.ts';
import type { StoredEmbeddingStats, StoreNotice } from '../../model/persistent-embeddings.ts';
import type { Prompt, SegmenterInfo, Window } from '../../model/segmenter.ts';
import type { ImageQuality } from '../../quality/estimate.ts';
import type { ComposeRequest, LabelmapArray } from '../labelmap-compose.ts';
import type {
  SegComposed,
  SegComposeJob,
  SegOnSeries,
  SegReadJob,
  SegWriteJob,
  SegWritten,
} from '../seg-compose.ts';

/** Which engine the worker runs. */
export type EngineChoice =
  | { kind: 'classical' }
  /**
   * A model folder served at `url` (model.json + the graphs it names). `allowFallbackAdapter`: run on
   * WebGPU even on a software fallback adapter (see WebSessionOptions; default false: wasm there).
   */
  | { kind: 'model'; url: string; allowFallbackAdapter?: boolean };

export interface SegmentJob {
  slice: SliceImage;
  prompt: Prompt;
  window?: Window;
  /** When given, the worker also composes the mask into this labelmap slice. */
  compose?: Omit<ComposeRequest, 'mask'>;
  /** Also estimate the image quality around the box (once per box: clicks after it keep that estimate). */
  assessQuality?: boolean;
}

export type WorkerRequest =
  | { id: number; type: 'load'; engine: EngineChoice; threads?: number }
  | { id: number; type: 'encode'; slice: SliceImage; window?: Window; background: boolean }
  | { id: number; type: 'segment'; job: SegmentJob }
  /** Drops queued background encodes (navigation moved on). A running one finishes. */
  | { id: number; type: 'cancel-background' }
  /** SEG bytes from labelmap slices (export). */
  | { id: number; type: 'seg-write'; job: SegWriteJob }
  /** A SEG parsed and placed on the series (load, first half): which slices it changes. */
  | { id: number; type: 'seg-read'; job: SegReadJob }
  /** The placed SEG written into those labelmap slices (load, second half). */
  | { id: number; type: 'seg-compose'; job: SegComposeJob }
  /** Remembered encodings: forget them all (stored and in memory). */
  | { id: number; type: 'clear-encodings' }
  /** Remembered encodings: the bound in bytes (0 remembers nothing). */
  | { id: number; type: 'configure-encodings'; maxBytes: number }
  | { id: number; type: 'encodings-stats' }
  | { id: number; type: 'dispose' };

/** Where the encodings of the engine loaded came from, and what is remembered. */
export interface EncodingsStats {
  /** The remembered (persistent) encodings; null where the worker keeps none. */
  stored: StoredEmbeddingStats | null;
  /** The engine's in-memory cache; null without a model engine. */
  memory: { entries: number; bytes: number; hits: number; misses: number } | null;
  /** Since the engine loaded: encoder runs, and encodings read back from the store instead. */
  encoderRuns: number;
  remembered: number;
}

export interface SegmentReply {
  mask: Uint8Array;
  score: number;
  lowResLogits: Float32Array;
  timings: Record<string, number>;
  box: MaskBox | null;
  preview?: LabelmapArray;
  accepted?: LabelmapArray;
  changed?: number;
  /** Noise, blur and ghosting around the box, when the job asked (`assessQuality`). */
  imageQuality?: ImageQuality;
}

export interface EngineStatus {
  info: SegmenterInfo;
  /** Human-readable model source and cache state, e.g. 'cache hit' or 'downloaded 17.2 MB'. */
  model?: { name: string; version: string; url: string; cache: 'hit' | 'stored' | 'unavailable' };
}

export type ProgressEvent =
  | { stage: 'download'; file: string; loaded: number; total: number }
  | { stage: 'session'; message: string }
  | {
      stage: 'encode';
      sopInstanceUID: string;
      frame: number;
      state: 'start' | 'done';
      ms?: number;
      background: boolean;
    }
  /** Remembered encodings turned memory-only (told once; not tied to the request it arrives with). */
  | ({ stage: 'encodings'; state: 'memory-only' } & StoreNotice);

/** The kinds of request. */
export type RequestType = WorkerRequest['type'];

/** A request of one kind, without the id the client adds. */
export type RequestOf<K extends RequestType> = Omit<Extract<WorkerRequest, { type: K }>, 'id'>;

/** What each kind of request is answered with: the one map the worker and the client share. */
export interface WorkerReplies {
  load: EngineStatus;
  /** `skipped` when a background encode was cancelled before it ran. */
  encode: { skipped: boolean; ms: number };
  segment: SegmentReply;
  'cancel-background': null;
  'seg-write': SegWritten;
  'seg-read': SegOnSeries;
  'seg-compose': SegComposed;
  'clear-encodings': { removed: number };
  'configure-encodings': null;
  'encodings-stats': EncodingsStats;
  dispose: null;
}

export type WorkerReply =
  | { id: number; type: 'result'; value: WorkerReplies[RequestType] }
  | { id: number; type: 'error'; error: { name: string; code?: string; message: string; hint?: string } }
  | { id: number; type: 'progress'; event: ProgressEvent };
