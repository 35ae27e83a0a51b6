import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { decodeNpy } from '../../src/cli/npy.ts';
import type { TensorData } from '../../src/model/session.ts';
import { REPO_ROOT } from '../helpers/tools.ts';

/**
 * The PyTorch side of the graph checks (test/fixtures/graph-check, written by export/graph_check.py):
 * the check inputs rebuilt here bit for bit, and strided samples of every output the reference
 * numerics (torch.fft, train-mode BatchNorm) produced for the tiny fixture models' weights.
 */

export const FIXTURES = join(REPO_ROOT, 'test/fixtures');
export const IMAGE_SIZE = 1024;
export const LOW_RES = 256;

export interface SampleInfo {
  stride: number;
  count: number;
  sum: number;
  absSum: number;
  shape: number[];
}
export interface DecoderCase {
  name: string;
  point_coords: number[][];
  point_labels: number[];
  mask: boolean;
}
export interface Check {
  model: string;
  decoderCases: DecoderCase[];
  samples: Record<string, SampleInfo>;
}

/** check.json and the stored samples of one fixture model ('tiny-robust' or 'tiny-sam'). */
export function loadCheck(model: string): { check: Check; sample(name: string): Float32Array } {
  const dir = join(FIXTURES, 'graph-check', model);
  return {
    check: JSON.parse(readFileSync(join(dir, 'check.json'), 'utf8')),
    sample: (name) =>
      decodeNpy(new Uint8Array(readFileSync(join(dir, `${name}.sample.npy`))), name).data as Float32Array,
  };
}

/** image[0, c, y, x] = ((37x + 91y + 53c) mod 256) / 64 - 2: exact in float32 (graph_check.check_image). */
export function checkImage(): Float32Array {
  const out = new Float32Array(3 * IMAGE_SIZE * IMAGE_SIZE);
  let i = 0;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < IMAGE_SIZE; y++)
      for (let x = 0; x < IMAGE_SIZE; x++) out[i++] = ((37 * x + 91 * y + 53 * c) % 256) / 64 - 2;
  return out;
}

/** mask[0, 0, y, x] = ((29x + 47y) mod 64) / 8 - 4 (graph_check.check_mask). */
export function checkMask(): Float32Array {
  const out = new Float32Array(LOW_RES * LOW_RES);
  for (let y = 0; y < LOW_RES; y++)
    for (let x = 0; x < LOW_RES; x++) out[y * LOW_RES + x] = ((29 * x + 47 * y) % 64) / 8 - 4;
  return out;
}

/** The prompt inputs of one decoder case (the caller adds the encoder outputs); plain data that either
 * onnxruntime package's Tensor wraps. */
export function promptInputs(c: DecoderCase): Record<string, TensorData> {
  const n = c.point_labels.length;
  return {
    point_coords: { data: Float32Array.from(c.point_coords.flat()), dims: [1, n, 2] },
    point_labels: { data: Float32Array.from(c.point_labels), dims: [1, n] },
    mask_input: {
      data: c.mask ? checkMask() : new Float32Array(LOW_RES * LOW_RES),
      dims: [1, 1, LOW_RES, LOW_RES],
    },
    has_mask_input: { data: Float32Array.of(c.mask ? 1 : 0), dims: [1] },
  };
}

/** Compares a full tensor with the stored strided sample and the full tensor's sums. */
export function expectMatches(
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

/** Largest absolute elementwise difference of two equally long tensors. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
