/**
 * Remembered encodings: encoder outputs (robust features included) kept across page loads, as float16,
 * a second level under the in-memory EmbeddingCache. Keyed as that cache is (`embeddingKey`: encoder
 * sha256 and contract, SOP Instance UID, frame, window), bounded in bytes, least recently used first
 * out. The files live in an `EntryFolder`: the browser's origin-private file system in the viewer
 * (src/cornerstone/worker/opfs-folder.ts), a Map in unit tests.
 *
 * A store that cannot be used (no such file system, a quota error, any other failure) turns
 * memory-only for the rest of the session and says so once through `onNotice`; it never fails a
 * segmentation. `clear` empties it and turns it on again.
 */
import type { Embedding } from './embedding-cache.ts';
import { fromFloat16Bits, toFloat16Bits } from './fp16.ts';

/** Encoder outputs as float16 bits, the form they are stored in. */
export interface HalfEmbedding {
  tensors: Record<string, { bits: Uint16Array; dims: readonly number[] }>;
}

export function toHalfEmbedding(embedding: Embedding): HalfEmbedding {
  const tensors: HalfEmbedding['tensors'] = {};
  for (const [name, t] of Object.entries(embedding.tensors))
    tensors[name] = { bits: toFloat16Bits(t.data), dims: [...t.dims] };
  return { tensors };
}

export function widenHalfEmbedding(half: HalfEmbedding): Embedding {
  const tensors: Embedding['tensors'] = {};
  for (const [name, t] of Object.entries(half.tensors))
    tensors[name] = { data: fromFloat16Bits(t.bits), dims: t.dims };
  return { tensors };
}

/** A flat folder of files. `write` replaces a file whole and may throw a QuotaExceededError. */
export interface EntryFolder {
  read(name: string): Promise<Uint8Array | undefined>;
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** Removing a file that is not there is not an error. */
  remove(name: string): Promise<void>;
  list(): Promise<string[]>;
}

export type StoreState =
  /** Reading and writing. */
  | 'on'
  /** Turned off after a failure (quota, no file system) until `clear`; memory only. */
  | 'memory-only'
  /** A bound of 0 bytes: nothing is remembered. */
  | 'off';

export interface StoredEmbeddingStats {
  state: StoreState;
  entries: number;
  bytes: number;
  maxBytes: number;
  /** Keys in least-recently-used order, oldest first. */
  keys: string[];
}

/** What the store tells its user once when it turns memory-only. */
export interface StoreNotice {
  reason: 'quota' | 'unavailable' | 'error';
  message: string;
}

export interface PersistentEmbeddings {
  /** The stored encoding of `key` (now the most recently used), or undefined. Never rejects. */
  get(key: string): Promise<HalfEmbedding | undefined>;
  /** Stores an encoding, evicting the least recently used entries past the bound. Never rejects. */
  put(key: string, embedding: HalfEmbedding): Promise<void>;
  /** Removes every stored encoding (and turns a memory-only store on again); resolves to how many. */
  clear(): Promise<number>;
  /** A new bound in bytes (0: remember nothing); entries past it go at once. */
  setMaxBytes(maxBytes: number): Promise<void>;
  stats(): Promise<StoredEmbeddingStats>;
}

export interface StoredEmbeddingsOptions {
  maxBytes: number;
  /** Told once each time the store turns memory-only. */
  onNotice?: (notice: StoreNotice) => void;
  /** Clock for the index's last-use times (tests). */
  now?: () => number;
}

export const INDEX_FILE = 'index.json';
const MAGIC = 0x45534d52; // 'RMSE' little-endian
const FORMAT_VERSION = 1;

interface IndexEntry {
  key: string;
  file: string;
  bytes: number;
  /** ms since the epoch; the index lists entries oldest first, so order alone decides eviction. */
  lastUsed: number;
}

/** The file name of a key: its sha256 (the key itself is inside the file and checked on read). */
async function fileNameOf(key: string): Promise<string> {
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)),
  );
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return `${hex}.emb`;
}

/**
 * One entry's bytes: magic, format version, header length (u32 little-endian each), the header as
 * UTF-8 JSON ({ key, tensors: [{ name, dims }] }) padded to an even length, then each tensor's float16
 * bits in header order.
 */
export function encodeEntry(key: string, embedding: HalfEmbedding): Uint8Array {
  const names = Object.keys(embedding.tensors);
  const header = new TextEncoder().encode(
    JSON.stringify({ key, tensors: names.map((name) => ({ name, dims: embedding.tensors[name].dims })) }),
  );
  const headerPadded = header.length + (header.length & 1);
  let total = 12 + headerPadded;
  for (const name of names) total += embedding.tensors[name].bits.byteLength;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 12);
  let offset = 12 + headerPadded;
  for (const name of names) {
    const { bits } = embedding.tensors[name];
    bytes.set(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength), offset);
    offset += bits.byteLength;
  }
  return bytes;
}

/** The entry in `bytes` if it is whole, of this format and for `key`; otherwise undefined. */
export function decodeEntry(bytes: Uint8Array, key: string): HalfEmbedding | undefined {
  if (bytes.byteLength < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== FORMAT_VERSION) return undefined;
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.byteLength) return undefined;
  let header: { key: string; tensors: Array<{ name: string; dims: number[] }> };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    return undefined;
  }
  if (header.key !== key || !Array.isArray(header.tensors)) return undefined;
  let offset = 12 + headerLength + (headerLength & 1);
  const tensors: HalfEmbedding['tensors'] = {};
  for (const { name, dims } of header.tensors) {
    const count = dims.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(count) || count < 0 || offset + 2 * count > bytes.byteLength) return undefined;
    // A copy: aligned, and independent of the file's buffer.
    const bits = new Uint16Array(count);
    new Uint8Array(bits.buffer).set(bytes.subarray(offset, offset + 2 * count));
    tensors[name] = { bits, dims };
    offset += 2 * count;
  }
  return offset === bytes.byteLength ? { tensors } : undefined;
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** The LRU, byte-bounded store over an EntryFolder, with its index in `index.json` of that folder. */
export class StoredEmbeddings implements PersistentEmbeddings {
  /** Least recently used first. */
  private readonly index = new Map<string, IndexEntry>();
  private bytes = 0;
  private maxBytes: number;
  private state: StoreState;
  private folder: EntryFolder | null = null;
  private opened = false;
  /** Every operation runs after the one before (the folder and the index are shared). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly openFolder: () => Promise<EntryFolder>,
    private readonly options: StoredEmbeddingsOptions,
  ) {
    if (!(options.maxBytes >= 0)) throw new RangeError(`maxBytes must be >= 0, got ${options.maxBytes}`);
    this.maxBytes = options.maxBytes;
    this.state = options.maxBytes === 0 ? 'off' : 'on';
  }

  get(key: string): Promise<HalfEmbedding | undefined> {
    return this.serial(async () => {
      if (!(await this.ready())) return undefined;
      const entry = this.index.get(key);
      if (!entry) return undefined;
      const bytes = await this.folder!.read(entry.file);
      const embedding = bytes && decodeEntry(bytes, key);
      if (!embedding) {
        // Gone or damaged (another tab, a crash mid-write): forget it.
        await this.drop(entry);
        await this.saveIndex();
        return undefined;
      }
      this.index.delete(key);
      entry.lastUsed = this.now();
      this.index.set(key, entry);
      await this.saveIndex();
      return embedding;
    }, undefined);
  }

  put(key: string, embedding: HalfEmbedding): Promise<void> {
    return this.serial(async () => {
      if (!(await this.ready())) return;
      const previous = this.index.get(key);
      if (previous) await this.drop(previous);
      const bytes = encodeEntry(key, embedding);
      if (bytes.byteLength > this.maxBytes) {
        await this.saveIndex();
        return;
      }
      await this.evictTo(this.maxBytes - bytes.byteLength);
      const file = await fileNameOf(key);
      try {
        await this.folder!.write(file, bytes);
      } catch (error) {
        await this.folder!.remove(file).catch(() => undefined);
        throw error;
      }
      this.index.set(key, { key, file, bytes: bytes.byteLength, lastUsed: this.now() });
      this.bytes += bytes.byteLength;
      await this.saveIndex();
    }, undefined);
  }

  clear(): Promise<number> {
    return this.serial(async () => {
      // A memory-only store tries its folder again: clearing frees the space a quota error wanted.
      if (this.state === 'memory-only') {
        this.state = this.maxBytes === 0 ? 'off' : 'on';
        this.opened = false;
        this.folder = null;
      }
      if (!this.folder) {
        try {
          this.folder = await this.openFolder();
        } catch (error) {
          this.degrade(error, 'unavailable');
          return 0;
        }
      }
      const files = await this.folder.list();
      for (const name of files) await this.folder.remove(name);
      const removed = files.filter((f) => f !== INDEX_FILE).length;
      this.index.clear();
      this.bytes = 0;
      this.opened = true;
      return removed;
    }, 0);
  }

  setMaxBytes(maxBytes: number): Promise<void> {
    if (!(maxBytes >= 0)) return Promise.reject(new RangeError(`maxBytes must be >= 0, got ${maxBytes}`));
    return this.serial(async () => {
      this.maxBytes = maxBytes;
      if (this.state !== 'memory-only') this.state = maxBytes === 0 ? 'off' : 'on';
      if (!this.opened || this.state === 'memory-only') return;
      if (this.bytes > maxBytes) {
        await this.evictTo(maxBytes);
        await this.saveIndex();
      }
    }, undefined);
  }

  stats(): Promise<StoredEmbeddingStats> {
    return this.serial(async () => {
      await this.ready();
      return this.snapshot();
    }, this.snapshot());
  }

  private snapshot(): StoredEmbeddingStats {
    return {
      state: this.state,
      entries: this.index.size,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      keys: [...this.index.keys()],
    };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * Runs `work` after every earlier operation. A failure turns the store memory-only (one notice) and
   * resolves to `fallback`: the store never fails its caller.
   */
  private serial<T>(work: () => Promise<T>, fallback: T): Promise<T> {
    const run = this.queue.then(async () => {
      try {
        return await work();
      } catch (error) {
        this.degrade(error, isQuotaError(error) ? 'quota' : 'error');
        return fallback;
      }
    });
    this.queue = run;
    return run;
  }

  private degrade(error: unknown, reason: StoreNotice['reason']): void {
    if (this.state === 'memory-only') return;
    this.state = 'memory-only';
    this.index.clear();
    this.bytes = 0;
    const detail = (error as Error | null)?.message || String(error);
    const message =
      reason === 'quota'
        ? 'Remembered encodings are off for this session: the browser refused more storage (quota exceeded). ' +
          'Boxes still work; encodings are kept in memory only. Clear remembered encodings to try again.'
        : reason === 'unavailable'
          ? `Remembered encodings are off: this browser offers no origin-private file system (${detail}). ` +
            'Boxes still work; encodings are kept in memory only.'
          : `Remembered encodings are off for this session (${detail}). Boxes still work; encodings are kept in memory only.`;
    this.options.onNotice?.({ reason, message });
  }

  /** Opens the folder and reads the index once; false when the store is not in use. */
  private async ready(): Promise<boolean> {
    if (this.state !== 'on') return false;
    if (this.opened) return true;
    try {
      this.folder = await this.openFolder();
    } catch (error) {
      this.degrade(error, 'unavailable');
      return false;
    }
    const folder = this.folder;
    let listed: IndexEntry[] = [];
    const text = await folder.read(INDEX_FILE);
    if (text) {
      try {
        const parsed = JSON.parse(new TextDecoder().decode(text)) as { entries?: IndexEntry[] };
        listed = Array.isArray(parsed.entries) ? parsed.entries : [];
      } catch {
        listed = []; // A damaged index: the files it named are orphans, removed below.
      }
    }
    const files = new Set(await folder.list());
    for (const e of listed) {
      if (typeof e?.key !== 'string' || !files.has(e.file) || !(e.bytes > 0)) continue;
      this.index.delete(e.key);
      this.index.set(e.key, { key: e.key, file: e.file, bytes: e.bytes, lastUsed: e.lastUsed });
    }
    this.bytes = 0;
    const named = new Set<string>([INDEX_FILE]);
    for (const e of this.index.values()) {
      this.bytes += e.bytes;
      named.add(e.file);
    }
    // Files no index names (a write the index never recorded): nothing can find them, so they go.
    for (const name of files) if (!named.has(name)) await folder.remove(name);
    this.opened = true;
    if (this.bytes > this.maxBytes) await this.evictTo(this.maxBytes);
    await this.saveIndex();
    return true;
  }

  /** Evicts least recently used entries until at most `bytes` are held. */
  private async evictTo(bytes: number): Promise<void> {
    for (const entry of this.index.values()) {
      if (this.bytes <= bytes) break;
      await this.drop(entry);
    }
  }

  private async drop(entry: IndexEntry): Promise<void> {
    this.index.delete(entry.key);
    this.bytes -= entry.bytes;
    await this.folder!.remove(entry.file);
  }

  private async saveIndex(): Promise<void> {
    const entries = [...this.index.values()];
    await this.folder!.write(INDEX_FILE, new TextEncoder().encode(JSON.stringify({ version: 1, entries })));
  }
}
