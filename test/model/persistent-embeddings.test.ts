/**
 * Remembered encodings (src/model/persistent-embeddings.ts) over an in-memory folder: the entry format,
 * least-recently-used eviction at the byte bound, the index surviving a new store on the same folder,
 * damaged and orphaned files, quota and unavailable folders turning the store memory-only with one
 * notice, and the ModelSegmenter reading a remembered encoding instead of running the encoder.
 * The browser's origin-private file system itself is tested in test/e2e/persisted-encodings.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from '../../src/model/fp16.ts';
import { loadModelFolder } from '../../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import {
  decodeEntry,
  type EntryFolder,
  encodeEntry,
  type HalfEmbedding,
  INDEX_FILE,
  StoredEmbeddings,
  type StoreNotice,
} from '../../src/model/persistent-embeddings.ts';
import { FIXTURE_MODELS, phantomSlice } from './model-fixtures.ts';

/** A folder in a Map; `failWrites` makes every write throw that error (a full disk, a quota). */
class MemoryFolder implements EntryFolder {
  readonly files = new Map<string, Uint8Array>();
  failWrites: Error | null = null;
  writes = 0;
  async read(name: string) {
    const bytes = this.files.get(name);
    return bytes?.slice();
  }
  async write(name: string, bytes: Uint8Array) {
    this.writes++;
    if (this.failWrites) throw this.failWrites;
    this.files.set(name, bytes.slice());
  }
  async remove(name: string) {
    this.files.delete(name);
  }
  async list() {
    return [...this.files.keys()];
  }
  entryFiles() {
    return [...this.files.keys()].filter((f) => f !== INDEX_FILE);
  }
}

/** An encoding of `n` float16 values (value i = seed + i / 8) in two tensors: 2n bytes of data. */
function half(seed: number, n = 512): HalfEmbedding {
  const a = Float32Array.from({ length: n / 2 }, (_, i) => seed + i / 8);
  const b = Float32Array.from({ length: n / 2 }, (_, i) => -seed - i / 8);
  return {
    tensors: {
      image_embeddings: { bits: toFloat16Bits(a), dims: [1, n / 2] },
      robust_features: { bits: toFloat16Bits(b), dims: [1, 1, n / 2] },
    },
  };
}

const ENTRY = encodeEntry('k', half(0)).byteLength;

function quotaError(): Error {
  const error = new Error('The quota has been exceeded.');
  error.name = 'QuotaExceededError';
  return error;
}

describe('remembered encodings: the entry format', () => {
  it('round-trips the tensors bit for bit, and refuses another key, a truncated file or another format', () => {
    const embedding = half(3);
    const bytes = encodeEntry('model|1.2.3|0|-160,240', embedding);
    // 12 bytes of preamble, the header, 2 bytes per value.
    expect(bytes.byteLength).toBeGreaterThan(12 + 2 * 512);
    expect(bytes.byteLength).toBeLessThan(12 + 2 * 512 + 200);
    const back = decodeEntry(bytes, 'model|1.2.3|0|-160,240')!;
    expect(Object.keys(back.tensors)).toEqual(['image_embeddings', 'robust_features']);
    for (const name of Object.keys(embedding.tensors)) {
      expect(back.tensors[name].dims).toEqual(embedding.tensors[name].dims);
      expect(Array.from(back.tensors[name].bits)).toEqual(Array.from(embedding.tensors[name].bits));
    }
    expect(decodeEntry(bytes, 'model|1.2.3|1|-160,240')).toBeUndefined();
    expect(decodeEntry(bytes.subarray(0, bytes.byteLength - 2), 'model|1.2.3|0|-160,240')).toBeUndefined();
    const other = bytes.slice();
    other[4] = 9;
    expect(decodeEntry(other, 'model|1.2.3|0|-160,240')).toBeUndefined();
  });

  it('float16 bits widen through the table to the values they round to', () => {
    const values = Float32Array.from([0, -0, 1, -2.5, 65504, 1e-7, Math.PI, Number.POSITIVE_INFINITY]);
    const back = fromFloat16Bits(toFloat16Bits(values));
    expect(Array.from(back)).toEqual([0, -0, 1, -2.5, 65504, 1.1920928955078125e-7, 3.140625, Infinity]);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(Float32Array.from([Number.NaN])))[0])).toBe(true);
  });
});

describe('remembered encodings: least recently used out at the byte bound', () => {
  it('keeps what fits, evicts the least recently used first (a read counts as a use)', async () => {
    const folder = new MemoryFolder();
    const store = new StoredEmbeddings(async () => folder, { maxBytes: 2 * ENTRY });
    await store.put('a', half(1));
    await store.put('b', half(2));
    expect((await store.stats()).keys).toEqual(['a', 'b']);
    expect(await store.get('a')).toBeDefined(); // a is now the most recent
    await store.put('c', half(3));
    const stats = await store.stats();
    expect(stats.keys).toEqual(['a', 'c']);
    expect(stats.bytes).toBe(2 * ENTRY);
    expect(await store.get('b')).toBeUndefined();
    expect(folder.entryFiles()).toHaveLength(2);
    // The same key again replaces its entry instead of adding one.
    await store.put('c', half(4));
    expect((await store.stats()).keys).toEqual(['a', 'c']);
    const c = (await store.get('c'))!;
    expect(fromFloat16Bits(c.tensors.image_embeddings.bits)[0]).toBe(4);
  });

  it('a smaller bound evicts at once; an entry larger than the bound is not kept; 0 keeps nothing', async () => {
    const folder = new MemoryFolder();
    const store = new StoredEmbeddings(async () => folder, { maxBytes: 3 * ENTRY });
    for (const k of ['a', 'b', 'c']) await store.put(k, half(1));
    await store.setMaxBytes(ENTRY);
    expect((await store.stats()).keys).toEqual(['c']);
    await store.put('big', half(1, 4096));
    expect((await store.stats()).keys).toEqual(['c']);
    await store.setMaxBytes(0);
    const stats = await store.stats();
    expect(stats.state).toBe('off');
    expect(stats.entries).toBe(0);
    expect(folder.entryFiles()).toEqual([]);
    await store.put('d', half(1));
    expect(await store.get('d')).toBeUndefined();
  });

  it('a new store on the same folder (a page reload) finds the entries, in their order of use', async () => {
    const folder = new MemoryFolder();
    let clock = 1000;
    const first = new StoredEmbeddings(async () => folder, { maxBytes: 3 * ENTRY, now: () => clock++ });
    await first.put('a', half(1));
    await first.put('b', half(2));
    await first.get('a');
    const second = new StoredEmbeddings(async () => folder, { maxBytes: 3 * ENTRY });
    expect((await second.stats()).keys).toEqual(['b', 'a']);
    const a = (await second.get('a'))!;
    expect(fromFloat16Bits(a.tensors.robust_features.bits)[1]).toBe(-1.125);
    const index = JSON.parse(new TextDecoder().decode(folder.files.get(INDEX_FILE)));
    expect(index.entries.map((e: { key: string; lastUsed: number }) => [e.key, e.lastUsed > 0])).toEqual([
      ['b', true],
      ['a', true],
    ]);
  });

  it('drops a damaged entry, files no index names, and index entries whose file is gone', async () => {
    const folder = new MemoryFolder();
    const first = new StoredEmbeddings(async () => folder, { maxBytes: 4 * ENTRY });
    for (const k of ['a', 'b', 'c']) await first.put(k, half(1));
    const [fa, fb] = folder.entryFiles();
    folder.files.set(fa, folder.files.get(fa)!.subarray(0, 40)); // a write cut short
    folder.files.delete(fb); // removed behind the store's back
    folder.files.set('stray.emb', new Uint8Array(8)); // written, never indexed
    const second = new StoredEmbeddings(async () => folder, { maxBytes: 4 * ENTRY });
    expect((await second.stats()).keys).toEqual(['a', 'c']);
    expect(folder.files.has('stray.emb')).toBe(false);
    expect(await second.get('a')).toBeUndefined();
    expect((await second.stats()).keys).toEqual(['c']);
    expect(await second.get('c')).toBeDefined();
  });

  it('clear removes every entry and the index, and says how many entries went', async () => {
    const folder = new MemoryFolder();
    const store = new StoredEmbeddings(async () => folder, { maxBytes: 4 * ENTRY });
    for (const k of ['a', 'b']) await store.put(k, half(1));
    expect(await store.clear()).toBe(2);
    expect(folder.files.size).toBe(0);
    expect((await store.stats()).entries).toBe(0);
    await store.put('c', half(1));
    expect(await store.get('c')).toBeDefined();
  });
});

describe('remembered encodings: failures turn the store memory-only, with one notice', () => {
  it('a quota error: one notice, nothing rejects, no further writes; clear turns it on again', async () => {
    const folder = new MemoryFolder();
    const notices: StoreNotice[] = [];
    const store = new StoredEmbeddings(async () => folder, {
      maxBytes: 4 * ENTRY,
      onNotice: (n) => notices.push(n),
    });
    await store.put('a', half(1));
    folder.failWrites = quotaError();
    await expect(store.put('b', half(2))).resolves.toBeUndefined();
    await expect(store.put('c', half(3))).resolves.toBeUndefined();
    expect(await store.get('a')).toBeUndefined();
    expect(notices).toHaveLength(1);
    expect(notices[0].reason).toBe('quota');
    expect(notices[0].message).toMatch(/quota exceeded.*memory only/i);
    const writes = folder.writes;
    await store.put('d', half(4));
    expect(folder.writes).toBe(writes);
    expect((await store.stats()).state).toBe('memory-only');
    folder.failWrites = null;
    await store.clear();
    expect((await store.stats()).state).toBe('on');
    await store.put('e', half(5));
    expect(await store.get('e')).toBeDefined();
    expect(notices).toHaveLength(1);
  });

  it('no file system: one notice (unavailable), every call still resolves', async () => {
    const notices: StoreNotice[] = [];
    const store = new StoredEmbeddings(
      async () => {
        throw new Error('navigator.storage.getDirectory is not available');
      },
      { maxBytes: ENTRY * 4, onNotice: (n) => notices.push(n) },
    );
    expect(await store.get('a')).toBeUndefined();
    await store.put('a', half(1));
    expect(await store.get('a')).toBeUndefined();
    expect((await store.stats()).state).toBe('memory-only');
    expect(notices.map((n) => n.reason)).toEqual(['unavailable']);
  });
});

describe('ModelSegmenter over remembered encodings (tiny robust fixture)', () => {
  it('a new segmenter (a reloaded page) reads the encoding instead of running the encoder: same mask', async () => {
    const folder = new MemoryFolder();
    const store = new StoredEmbeddings(async () => folder, { maxBytes: 64 * 2 ** 20 });
    const dir = join(FIXTURE_MODELS, 'tiny-robust');
    const slice = phantomSlice(160, 192, '1.2.3.900');
    const box = { x0: 30, y0: 40, x1: 130, y1: 120 };

    const first = new ModelSegmenter(await loadModelFolder(dir), { store });
    const a = await first.segment(slice, { box });
    expect(a.timings.encoder).toBeGreaterThan(0);
    expect(first.counts).toEqual({ encoderRuns: 1, remembered: 0 });
    await first.dispose();
    await store.stats(); // the write in the background has finished
    expect(folder.entryFiles()).toHaveLength(1);

    const second = new ModelSegmenter(await loadModelFolder(dir), { store });
    const b = await second.segment(slice, { box });
    expect(second.counts).toEqual({ encoderRuns: 0, remembered: 1 });
    expect(b.timings.encoder).toBeUndefined();
    expect(b.timings.remembered).toBeGreaterThanOrEqual(0);
    expect(Array.from(b.lowResLogits)).toEqual(Array.from(a.lowResLogits));
    expect(b.mask).toEqual(a.mask);
    // Another window is another encoding.
    await second.segment(slice, { box }, { window: { low: -100, high: 300 } });
    expect(second.counts).toEqual({ encoderRuns: 1, remembered: 1 });
    await second.dispose();
  });
});
