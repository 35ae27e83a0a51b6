/**
 * A runtime that returns NaN or infinity (onnxruntime-web's float16 WebGPU kernels overflow a long mean;
 * a GPU driver can do the same) must give a typed error, and its encoding must reach neither the
 * in-memory cache nor the remembered-encodings store. Here the fixture's graphs themselves are made to
 * return NaN (a Mul by a constant holding NaN appended to one output, by the `onnx` package), and run in
 * onnxruntime-node as usual.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.ts';
import { loadModelFolder } from '../../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import type { HalfEmbedding, PersistentEmbeddings } from '../../src/model/persistent-embeddings.ts';
import { missingTools } from '../helpers/tools.ts';
import { copyOfFixture, phantomSlice, readManifest, replaceGraph } from './model-fixtures.ts';

const missing = missingTools({ python: ['onnx', 'numpy'] });

/**
 * The graph at `path` with `output` multiplied by a [1, C, 1, 1] constant that is 1 everywhere but NaN in
 * channel `nanChannel`: that channel of the output becomes NaN, the rest is unchanged.
 */
function withNanChannel(path: string, output: string, channels: number, nanChannel: number): Uint8Array {
  const script = `
import sys, numpy as np, onnx
from onnx import helper, numpy_helper
m = onnx.load(sys.argv[1])
out, c, k = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for node in m.graph.node:
    node.output[:] = [o + "__raw" if o == out else o for o in node.output]
    node.input[:] = [i + "__raw" if i == out else i for i in node.input]
factor = np.ones((1, c, 1, 1), dtype=np.float32)
factor[0, k] = np.nan
m.graph.initializer.append(numpy_helper.from_array(factor, out + "__factor"))
m.graph.node.append(helper.make_node("Mul", [out + "__raw", out + "__factor"], [out]))
sys.stdout.buffer.write(m.SerializeToString())
`;
  const args = ['-c', script, path, output, String(channels), String(nanChannel)];
  return execFileSync('/usr/bin/python3', args, { maxBuffer: 64 * 2 ** 20 });
}

/** A store that keeps what it is given, to show that nothing was given. */
class RecordingStore implements PersistentEmbeddings {
  readonly puts: string[] = [];
  async get(): Promise<HalfEmbedding | undefined> {
    return undefined;
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

describe.skipIf(missing)('outputs with NaN or infinity', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function poisoned(role: 'encoder' | 'decoder', output: string): string {
    const { dir, cleanup } = copyOfFixture('tiny-robust');
    cleanups.push(cleanup);
    const spec = readManifest(dir).graphs[role];
    const shape = spec.outputs.find((o: { name: string }) => o.name === output).shape;
    replaceGraph(dir, role, withNanChannel(join(dir, spec.file), output, shape[1], shape[1] - 1));
    return dir;
  }

  it('from the encoder: a typed error naming the output, the count and the backend; nothing cached or stored', async () => {
    const dir = poisoned('encoder', 'robust_features');
    const [, channels, h, w] = readManifest(dir).graphs.encoder.outputs[1].shape;
    const store = new RecordingStore();
    const segmenter = new ModelSegmenter(await loadModelFolder(dir), { store });
    try {
      const slice = phantomSlice(96, 80, '1.2.3.900');
      const box = { box: { x0: 10, y0: 10, x1: 60, y1: 50 } };
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
    const dir = poisoned('decoder', 'low_res_logits');
    const segmenter = new ModelSegmenter(await loadModelFolder(dir));
    try {
      const slice = phantomSlice(96, 80, '1.2.3.901');
      const e = await rejection(segmenter.segment(slice, { box: { x0: 10, y0: 10, x1: 60, y1: 50 } }));
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
});
