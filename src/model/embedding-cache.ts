import { fromFloat16Bits, overflowsFloat16, toFloat16Bits } from './fp16.ts';
import type { Window } from './segmenter.ts';

/** What an encoder run leaves for the decoder: its output tensors by name. */
export interface Embedding {
  tensors: Record<string, { data: Float32Array; dims: readonly number[] }>;
}

export interface EmbeddingCacheOptions {
  /** Upper bound on the bytes held; least recently used entries go first. */
  maxBytes: number;
  /** Store tensors as float16 (half the bytes; values rounded to 11 significant bits). */
  fp16?: boolean;
}

export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
  maxBytes: number;
  fp16: boolean;
}

/**
 * An encoder output depends on the model, the image (SOP instance and frame) and the window that made
 * it 8-bit; the key holds exactly those.
 */
export function embeddingKey(parts: {
  modelSha256: string;
  sopInstanceUID: string;
  frame: number;
  window: Window;
}) {
  return `${parts.modelSha256}|${parts.sopInstanceUID}|${parts.frame}|${parts.window.low},${parts.window.high}`;
}

interface Entry {
  tensors: Record<string, { data: Float32Array | Uint16Array; dims: readonly number[] }>;
  bytes: number;
}

/** An LRU cache of encoder outputs bounded in bytes (a Map keeps insertion order: oldest first). */
export class EmbeddingCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  /** The last fp16 entry handed out, already widened: every box on a slice reuses it without converting. */
  private widened?: { key: string; embedding: Embedding };

  constructor(private readonly options: EmbeddingCacheOptions) {
    if (!(options.maxBytes >= 0)) throw new RangeError(`maxBytes must be >= 0, got ${options.maxBytes}`);
  }

  get(key: string): Embedding | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.widened?.key === key) return this.widened.embedding;
    const tensors: Embedding['tensors'] = {};
    for (const [name, t] of Object.entries(entry.tensors)) {
      tensors[name] = {
        data: t.data instanceof Uint16Array ? fromFloat16Bits(t.data) : t.data,
        dims: t.dims,
      };
    }
    const embedding = { tensors };
    if (this.options.fp16) this.widened = { key, embedding };
    return embedding;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores a copy-free reference (or a float16 copy). An entry larger than the whole cache is not kept. */
  set(key: string, embedding: Embedding): void {
    this.delete(key);
    const tensors: Entry['tensors'] = {};
    let bytes = 0;
    for (const [name, t] of Object.entries(embedding.tensors)) {
      // A tensor a half cannot hold stays float32: it would come back infinite.
      const data = this.options.fp16 && !overflowsFloat16(t.data) ? toFloat16Bits(t.data) : t.data;
      tensors[name] = { data, dims: [...t.dims] };
      bytes += data.byteLength;
    }
    if (bytes > this.options.maxBytes) return;
    this.entries.set(key, { tensors, bytes });
    this.bytes += bytes;
    for (const [oldest] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    if (this.widened?.key === key) this.widened = undefined;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.widened = undefined;
  }

  get stats(): EmbeddingCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.options.maxBytes,
      fp16: this.options.fp16 ?? false,
    };
  }
}
