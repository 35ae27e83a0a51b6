import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/cli/npy.ts';
import { REPO_ROOT } from '../helpers/tools.ts';

/**
 * The exported tiny graphs (test/fixtures/models, made by export/) against the PyTorch modules they came
 * from. The PyTorch side (export/graph_check.py) ran the reference numerics (torch.fft, train-mode
 * BatchNorm) on inputs rebuilt here bit for bit, and stored strided samples of every output
 * (test/fixtures/graph-check). This is the only place the ONNX graphs meet onnxruntime before the
 * runtime's own parity tests: there is no Python onnxruntime on this machine.
 */

const FIXTURES = join(REPO_ROOT, 'test/fixtures');
const IMAGE_SIZE = 1024;
const LOW_RES = 256;

interface SampleInfo {
  stride: number;
  count: number;
  sum: number;
  absSum: number;
  shape: number[];
}
interface DecoderCase {
  name: string;
  point_coords: number[][];
  point_labels: number[];
  mask: boolean;
}
interface Check {
  model: string;
  decoderCases: DecoderCase[];
  samples: Record<string, SampleInfo>;
}
interface Manifest {
  decoderKind: 'sam' | 'robust';
  graphs: Record<
    'encoder' | 'decoder',
    { file: string; inputs: { name: string }[]; outputs: { name: string }[] }
  >;
}

/** image[0, c, y, x] = ((37x + 91y + 53c) mod 256) / 64 - 2: exact in float32 (graph_check.check_image). */
function checkImage(): Float32Array {
  const out = new Float32Array(3 * IMAGE_SIZE * IMAGE_SIZE);
  let i = 0;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < IMAGE_SIZE; y++)
      for (let x = 0; x < IMAGE_SIZE; x++) out[i++] = ((37 * x + 91 * y + 53 * c) % 256) / 64 - 2;
  return out;
}

/** mask[0, 0, y, x] = ((29x + 47y) mod 64) / 8 - 4 (graph_check.check_mask). */
function checkMask(): Float32Array {
  const out = new Float32Array(LOW_RES * LOW_RES);
  for (let y = 0; y < LOW_RES; y++)
    for (let x = 0; x < LOW_RES; x++) out[y * LOW_RES + x] = ((29 * x + 47 * y) % 64) / 8 - 4;
  return out;
}

/** Compares a full tensor with the stored strided sample and the full tensor's sums. */
function expectMatches(
  actual: Float32Array,
  sample: Float32Array,
  info: SampleInfo,
  tolerance: number,
): number {
  expect(actual.length).toBe(info.shape.reduce((a, b) => a * b, 1));
  let maxDiff = 0;
  for (let i = 0; i < info.count; i++)
    maxDiff = Math.max(maxDiff, Math.abs(actual[i * info.stride] - sample[i]));
  expect(maxDiff).toBeLessThanOrEqual(tolerance);
  let sum = 0;
  let absSum = 0;
  for (const v of actual) {
    sum += v;
    absSum += Math.abs(v);
  }
  // Sums over the whole tensor catch an error in values the sample skips.
  expect(Math.abs(absSum - info.absSum) / info.absSum).toBeLessThan(1e-4);
  expect(Math.abs(sum - info.sum)).toBeLessThan(1e-4 * info.absSum);
  return maxDiff;
}

const sessions: ort.InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

describe.each(['tiny-robust', 'tiny-sam'])('exported graphs of %s reproduce the PyTorch modules', (model) => {
  const dir = join(FIXTURES, 'models', model);
  const checkDir = join(FIXTURES, 'graph-check', model);
  const manifest: Manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const check: Check = JSON.parse(readFileSync(join(checkDir, 'check.json'), 'utf8'));
  const sample = (name: string) =>
    decodeNpy(new Uint8Array(readFileSync(join(checkDir, `${name}.sample.npy`))), name).data as Float32Array;
  const open = async (role: 'encoder' | 'decoder') => {
    const session = await ort.InferenceSession.create(join(dir, manifest.graphs[role].file));
    sessions.push(session);
    return session;
  };
  let encoderOutputs: Record<string, ort.Tensor> | undefined;

  it('has the manifest I/O names', async () => {
    for (const role of ['encoder', 'decoder'] as const) {
      const session = await open(role);
      expect([...session.inputNames]).toEqual(manifest.graphs[role].inputs.map((t) => t.name));
      expect([...session.outputNames]).toEqual(manifest.graphs[role].outputs.map((t) => t.name));
    }
  });

  it('encoder: embeddings (and robust features) match PyTorch', async () => {
    const encoder = await open('encoder');
    const image = new ort.Tensor('float32', checkImage(), [1, 3, IMAGE_SIZE, IMAGE_SIZE]);
    encoderOutputs = await encoder.run({ image });
    const names =
      manifest.decoderKind === 'robust' ? ['image_embeddings', 'robust_features'] : ['image_embeddings'];
    for (const name of names) {
      const diff = expectMatches(
        encoderOutputs[name].data as Float32Array,
        sample(name),
        check.samples[name],
        1e-3,
      );
      console.log(`${model} ${name}: max abs diff ${diff.toExponential(2)}`);
    }
  });

  it('decoder: low-res logits and IoU match PyTorch for box, points, padding point and mask input', async () => {
    expect(encoderOutputs, 'encoder test ran first').toBeDefined();
    const decoder = await open('decoder');
    for (const c of check.decoderCases) {
      const n = c.point_labels.length;
      const feeds: Record<string, ort.Tensor> = {
        image_embeddings: encoderOutputs!.image_embeddings,
        point_coords: new ort.Tensor('float32', Float32Array.from(c.point_coords.flat()), [1, n, 2]),
        point_labels: new ort.Tensor('float32', Float32Array.from(c.point_labels), [1, n]),
        mask_input: new ort.Tensor('float32', c.mask ? checkMask() : new Float32Array(LOW_RES * LOW_RES), [
          1,
          1,
          LOW_RES,
          LOW_RES,
        ]),
        has_mask_input: new ort.Tensor('float32', Float32Array.of(c.mask ? 1 : 0), [1]),
      };
      if (manifest.decoderKind === 'robust') feeds.robust_features = encoderOutputs!.robust_features;
      const out = await decoder.run(feeds);
      const logits = `${c.name}.low_res_logits`;
      const diff = expectMatches(
        out.low_res_logits.data as Float32Array,
        sample(logits),
        check.samples[logits],
        1e-3,
      );
      const iou = sample(`${c.name}.iou_prediction`)[0];
      expect(Math.abs((out.iou_prediction.data as Float32Array)[0] - iou)).toBeLessThan(1e-4);
      console.log(`${model} ${c.name}: logits max abs diff ${diff.toExponential(2)}`);
    }
  });
});
