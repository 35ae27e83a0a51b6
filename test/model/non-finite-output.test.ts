/**
 * A runtime that returns NaN or infinity (a runtime or GPU fault: onnxruntime-web's float16 WebGPU
 * kernels overflow long means) must give a typed error, and its encoding must reach neither the
 * in-memory cache nor the remembered-encodings store; a finite encoding too large for float16 must not
 * be stored as infinities; a remembered entry holding NaN must not be used. Here the fixture's graphs
 * themselves are changed (a Mul by a per-channel constant appended to one output, by the `onnx`
 * package) and run in onnxruntime-node as usual.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.ts';
import { checkFinite, countNonFinite } from '../../src/model/graph-io.ts';
import { loadModelFolder } from '../../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import type { HalfEmbedding, PersistentEmbeddings } from '../../src/model/persistent-embeddings.ts';
import { missingTools } from '../helpers/tools.ts';
import { copyOfFixture, phantomSlice, readManifest, replaceGraph } from './model-fixtures.ts';

const missing = missingTools({ python: ['onnx', 'numpy'] });

/**
 * The graph at `path` with `output` multiplied by a [1, C, 1, 1] constant that is 1 everywhere but `factor`
 * (a number, or 'nan') in the last channel: that channel is scaled (or NaN), the rest unchanged.
 */
function withLastChannelScaled(path: string, output: string, channels: number, factor: string): Uint8Array {
  const script = `
import sys, numpy as np, onnx
from onnx import helper, numpy_helper
m = onnx.load(sys.argv[1])
out, c, f = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
for node in m.graph.node:
    node.output[:] = [o + "__raw" if o == out else o for o in node.output]
    node.input[:] = [i + "__raw" if i == out else i for i in node.input]
factor = np.ones((1, c, 1, 1), dtype=np.float32)
factor[0, c - 1] = f
m.graph.initializer.append(numpy_helper.from_array(factor, out + "__factor"))
m.graph.node.append(helper.make_node("Mul", [out + "__raw", out + "__factor"], [out]))
sys.stdout.buffer.write(m.SerializeToString())
`;
  const args = ['-c', script, path, output, String(channels), factor];
  return execFileSync('/usr/bin/python3', args, { maxBuffer: 64 * 2 ** 20 });
}

/** A store that records what it is given, and answers every key with `entry`. */
class RecordingStore implements PersistentEmbeddings {
  readonly puts: string[] = [];
  constructor(private readonly entry?: HalfEmbedding) {}
  async get(): Promise<HalfEmbedding | undefined> {
    return this.entry;
  }
  async put(key: string): Promise<void> {
    this.puts.push(key);
  }
  async clear() {
    return 0;
  }
  async setMaxBytes() {}
  async stats() {
    return { state: 'on' as const, entries: 0, bytes: 0, maxBytes: 1, keys: [] };
  }
}

async function rejection(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

describe('checkFinite', () => {
  const tensor = (...values: number[]) => ({ data: Float32Array.from(values), dims: [values.length] });

  it('passes finite outputs, and counts NaN, +infinity and -infinity in the first bad output', () => {
    expect(() => checkFinite('decoder', 'wasm', { a: tensor(0, -1e30, 3.4e38) })).not.toThrow();
    expect(
      countNonFinite(Float32Array.from([Number.NaN, 1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])),
    ).toBe(3);
    const error = (() => {
      try {
        checkFinite('encoder', 'onnxruntime-web webgpu', {
          ok: tensor(1),
          bad: tensor(Number.NEGATIVE_INFINITY, 2, Infinity),
        });
      } catch (e) {
        return e as ModelError;
      }
    })();
    expect(error).toBeInstanceOf(ModelError);
    expect(error?.code).toBe('non-finite-output');
    expect(error?.message).toBe(
      'The encoder returned 2 non-finite values (NaN or infinity) of 3 in "bad" on onnxruntime-web webgpu.',
    );
  });
});

describe.skipIf(missing)('model outputs with NaN, infinity, or too large for float16', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const box = { box: { x0: 10, y0: 10, x1: 60, y1: 50 } };

  function outputShape(dir: string, role: 'encoder' | 'decoder', output: string): number[] {
    return readManifest(dir).graphs[role].outputs.find((o: { name: string }) => o.name === output).shape;
  }

  /** A copy of the tiny robust fixture whose `role` graph scales the last channel of `output` by `factor`. */
  function changed(role: 'encoder' | 'decoder', output: string, factor: string): string {
    const { dir, cleanup } = copyOfFixture('tiny-robust');
    cleanups.push(cleanup);
    const file = join(dir, readManifest(dir).graphs[role].file);
    replaceGraph(dir, role, withLastChannelScaled(file, output, outputShape(dir, role, output)[1], factor));
    return dir;
  }

  it('from the encoder: a typed error naming the output, the count and the backend; nothing cached or stored', async () => {
    const dir = changed('encoder', 'robust_features', 'nan');
    const [, channels, h, w] = outputShape(dir, 'encoder', 'robust_features');
    const store = new RecordingStore();
    const segmenter = new ModelSegmenter(await loadModelFolder(dir), { store });
    try {
      const slice = phantomSlice(96, 80, '1.2.3.900');
      const e = await rejection(segmenter.segment(slice, box));
      expect(e.code).toBe('non-finite-output');
      expect(e.message).toBe(
        `The encoder returned ${h * w} non-finite values (NaN or infinity) of ${channels * h * w} in "robust_features" on onnxruntime-node cpu.`,
      );
      expect(e.hint).toMatch(/nothing was kept/);
      // Asking again runs the encoder again: the bad encoding was not kept anywhere.
      expect((await rejection(segmenter.segment(slice, box))).code).toBe('non-finite-output');
      expect(segmenter.counts.encoderRuns).toBe(2);
      expect(segmenter.cache.stats.entries).toBe(0);
      expect(store.puts).toEqual([]);
    } finally {
      await segmenter.dispose();
    }
  });

  it('from the decoder: a typed error, while the (finite) encoding stays cached for the next box', async () => {
    const dir = changed('decoder', 'low_res_logits', 'nan');
    const segmenter = new ModelSegmenter(await loadModelFolder(dir));
    try {
      const slice = phantomSlice(96, 80, '1.2.3.901');
      const e = await rejection(segmenter.segment(slice, box));
      expect(e.code).toBe('non-finite-output');
      expect(e.message).toMatch(
        /^The decoder returned \d+ non-finite values .* in "low_res_logits" on onnxruntime-node/,
      );
      await rejection(segmenter.segment(slice, { box: { x0: 20, y0: 20, x1: 70, y1: 60 } }));
      expect(segmenter.counts.encoderRuns).toBe(1);
      expect(segmenter.cache.stats.entries).toBe(1);
    } finally {
      await segmenter.dispose();
    }
  });

  it('an encoding too large for float16 is not remembered, and segments as it does without a store', async () => {
    const dir = changed('encoder', 'robust_features', '1e6');
    const slice = phantomSlice(96, 80, '1.2.3.902');
    const store = new RecordingStore();
    const withStore = new ModelSegmenter(await loadModelFolder(dir), { store });
    const without = new ModelSegmenter(await loadModelFolder(dir));
    try {
      const features = (await withStore.encoderOutputs(slice)).tensors.robust_features.data;
      expect(features.some((v) => Math.abs(v) >= 65520)).toBe(true); // really beyond a half
      expect(features.every(Number.isFinite)).toBe(true);
      const [a, b] = [await withStore.segment(slice, box), await without.segment(slice, box)];
      expect(store.puts).toEqual([]);
      expect(a.lowResLogits).toEqual(b.lowResLogits);
    } finally {
      await withStore.dispose();
      await without.dispose();
    }
  });

  it('a remembered encoding holding NaN is not used: the encoder runs and its encoding replaces it', async () => {
    const { dir, cleanup } = copyOfFixture('tiny-robust');
    cleanups.push(cleanup);
    const tensors: HalfEmbedding['tensors'] = {};
    for (const spec of readManifest(dir).graphs.encoder.outputs as Array<{ name: string; shape: number[] }>) {
      const size = spec.shape.reduce((x, y) => x * y, 1);
      tensors[spec.name] = { bits: new Uint16Array(size).fill(0x7e00), dims: spec.shape }; // half NaN
    }
    const store = new RecordingStore({ tensors });
    const segmenter = new ModelSegmenter(await loadModelFolder(dir), { store });
    try {
      const result = await segmenter.segment(phantomSlice(96, 80, '1.2.3.903'), box);
      expect(result.lowResLogits.every(Number.isFinite)).toBe(true);
      expect(segmenter.counts).toEqual({ encoderRuns: 1, remembered: 0 });
      expect(store.puts.length).toBe(1);
    } finally {
      await segmenter.dispose();
    }
  });
});
