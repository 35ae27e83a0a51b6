/**
 * How closely WebGPU outputs match wasm's for the same graph and inputs. Float sums run in another
 * order on the GPU, so logits differ slightly; a mask pixel may flip only where its logit is that close
 * to the threshold (0).
 */
import type { Contract } from '../../src/model/contract.ts';

export interface LogitAgreement {
  /** Largest |wasm logit|: the scale the tolerance is relative to. */
  maxAbs: number;
  /** max |webgpu - wasm|, and that divided by maxAbs. */
  maxDiff: number;
  relDiff: number;
  /** Low-res mask pixels (logit > 0) that differ, and those of them whose wasm logit is farther than the tolerance from 0. */
  maskDiffers: number;
  maskDiffersBeyondTolerance: number;
}

export function compareLogits(gpu: Float32Array, wasm: Float32Array, relTol: number): LogitAgreement {
  if (gpu.length !== wasm.length) throw new Error(`${gpu.length} logits against ${wasm.length}`);
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < wasm.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(wasm[i]));
    maxDiff = Math.max(maxDiff, Math.abs(gpu[i] - wasm[i]));
  }
  const tol = relTol * maxAbs;
  let maskDiffers = 0;
  let maskDiffersBeyondTolerance = 0;
  for (let i = 0; i < wasm.length; i++) {
    if (gpu[i] > 0 === wasm[i] > 0) continue;
    maskDiffers++;
    if (Math.abs(wasm[i]) > tol) maskDiffersBeyondTolerance++;
  }
  return {
    maxAbs,
    maxDiff,
    relDiff: maxAbs ? maxDiff / maxAbs : maxDiff,
    maskDiffers,
    maskDiffersBeyondTolerance,
  };
}

/**
 * Slice-grid masks: the contract's postprocessing interpolates logits with non-negative weights, so
 * logits within ±tol of wasm's give a mask between postprocess(wasm - tol) and postprocess(wasm + tol).
 * A pixel may differ only where those two differ (its interpolated logit lies within tol of 0).
 */
export function compareSliceMasks(
  gpuMask: Uint8Array,
  wasmMask: Uint8Array,
  wasmLogits: Float32Array,
  tol: number,
  contract: Contract,
  rows: number,
  columns: number,
): { differs: number; unexplained: number } {
  const low = contract.postprocess(
    wasmLogits.map((v) => v - tol),
    rows,
    columns,
  );
  const high = contract.postprocess(
    wasmLogits.map((v) => v + tol),
    rows,
    columns,
  );
  let differs = 0;
  let unexplained = 0;
  for (let i = 0; i < wasmMask.length; i++) {
    if (gpuMask[i] === wasmMask[i]) continue;
    differs++;
    if (low[i] === high[i]) unexplained++;
  }
  return { differs, unexplained };
}
