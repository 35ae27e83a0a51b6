import { describe, expect, it } from 'vitest';
import { EmbeddingCache, embeddingKey } from '../../src/model/embedding-cache.ts';
import { fromFloat16Bits, overflowsFloat16, toFloat16Bits } from '../../src/model/fp16.ts';

const tensor = (n: number, fill = 1) => ({
  tensors: { image_embeddings: { data: new Float32Array(n).fill(fill), dims: [1, n] } },
});

describe('embedding cache', () => {
  it('keys on model, SOP instance, frame and window', () => {
    const base = { modelSha256: 'abc', sopInstanceUID: '1.2', frame: 0, window: { low: -160, high: 240 } };
    const keys = new Set([
      embeddingKey(base),
      embeddingKey({ ...base, modelSha256: 'abd' }),
      embeddingKey({ ...base, sopInstanceUID: '1.3' }),
      embeddingKey({ ...base, frame: 1 }),
      embeddingKey({ ...base, window: { low: -160, high: 241 } }),
    ]);
    expect(keys.size).toBe(5);
  });

  it('counts hits and misses and evicts the least recently used entry past its byte bound', () => {
    const cache = new EmbeddingCache({ maxBytes: 3 * 400 });
    cache.set('a', tensor(100, 1));
    cache.set('b', tensor(100, 2));
    cache.set('c', tensor(100, 3));
    expect(cache.get('a')?.tensors.image_embeddings.data[0]).toBe(1); // a is now the most recent
    cache.set('d', tensor(100, 4)); // evicts b, the least recently used
    expect(cache.has('b')).toBe(false);
    expect(cache.has('a')).toBe(true);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, entries: 3, bytes: 1200, maxBytes: 1200 });
  });

  it('does not keep an entry larger than the whole cache', () => {
    const cache = new EmbeddingCache({ maxBytes: 100 });
    cache.set('big', tensor(100));
    expect(cache.stats.entries).toBe(0);
    expect(cache.stats.bytes).toBe(0);
  });

  it('fp16 storage halves the bytes and returns values within half-precision rounding', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const cache = new EmbeddingCache({ maxBytes: 1e6, fp16: true });
    cache.set('k', { tensors: { e: { data: values, dims: [1000] } } });
    expect(cache.stats.bytes).toBe(2000);
    const back = cache.get('k')!.tensors.e.data;
    for (let i = 0; i < values.length; i++)
      expect(Math.abs(back[i] - values[i])).toBeLessThanOrEqual(2 ** -11 * 4);
  });
});

describe('float16 conversion', () => {
  it('round-trips exactly representable values and handles the special cases', () => {
    const exact = [0, -0, 1, -2, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 1.5, Number.POSITIVE_INFINITY];
    const back = fromFloat16Bits(toFloat16Bits(Float32Array.from(exact)));
    expect([...back]).toEqual(exact);
    expect([...toFloat16Bits(Float32Array.from([1, -2, 65504, Number.NEGATIVE_INFINITY]))]).toEqual([
      0x3c00, 0xc000, 0x7bff, 0xfc00,
    ]);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(Float32Array.from([Number.NaN])))[0])).toBe(true);
  });

  it('rounds to nearest even and overflows to infinity', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even -> 1. 1 + 3 * 2^-11 -> 1 + 2^-9.
    const halfway = fromFloat16Bits(
      toFloat16Bits(Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, 2 ** -26])),
    );
    expect([...halfway]).toEqual([1, 1 + 2 ** -9, Number.POSITIVE_INFINITY, 0]);
  });

  it('says which values a half cannot hold: 65520 and beyond round to infinity', () => {
    // 65519 rounds down to 65504 (the largest half); 65520 is the tie that rounds up, to infinity.
    expect(fromFloat16Bits(toFloat16Bits(Float32Array.from([65519, 65520])))).toEqual(
      Float32Array.from([65504, Number.POSITIVE_INFINITY]),
    );
    expect(overflowsFloat16(Float32Array.from([1, -65504, 65519]))).toBe(false);
    expect(overflowsFloat16(Float32Array.from([1, 65520]))).toBe(true);
    expect(overflowsFloat16(Float32Array.from([-1e6]))).toBe(true);
  });

  it('an fp16 cache keeps a tensor a half cannot hold in float32, exactly, and rounds the others', () => {
    const cache = new EmbeddingCache({ maxBytes: 1e6, fp16: true });
    const large = Float32Array.from([1e6, -3e5, 0.1]);
    const small = Float32Array.from([0.1, 2, -3]);
    cache.set('k', { tensors: { large: { data: large, dims: [3] }, small: { data: small, dims: [3] } } });
    expect(cache.stats.bytes).toBe(3 * 4 + 3 * 2);
    const back = cache.get('k')!.tensors;
    expect(back.large.data).toEqual(large);
    expect(back.small.data[0]).not.toBe(small[0]); // 0.1 is not a half: rounded
    expect(Math.abs(back.small.data[0] - 0.1)).toBeLessThan(1e-4);
  });
});

describe('fp16 cache on repeated boxes', () => {
  it('widens an entry once and reuses it while it stays the entry in use', () => {
    const cache = new EmbeddingCache({ maxBytes: 1e6, fp16: true });
    cache.set('a', tensor(100, 0.5));
    cache.set('b', tensor(100, 0.25));
    const first = cache.get('a');
    expect(cache.get('a')).toBe(first);
    expect(cache.get('b')?.tensors.image_embeddings.data[0]).toBe(0.25);
    cache.delete('b');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 3, misses: 1, entries: 1 });
  });
});
