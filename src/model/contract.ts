import type { ContractName } from './manifest.ts';
import { medsamContract } from './medsam-contract.ts';
import { samContract } from './sam-contract.ts';

/**
 * A preprocessing contract (`sam`: resize the longest side to 1024, normalise, pad; `medsam`: stretch
 * to 1024x1024, min-max): how an 8-bit slice becomes the encoder's input, how
 * slice coordinates map into that input frame, and how low-res logits become a mask on the slice grid.
 * The manifest names the contract its model was trained or evaluated with.
 */
export type ToInputFrame = (x: number, y: number) => [number, number];

export interface Contract {
  readonly name: ContractName;
  /** rows x columns 8-bit grey -> float32 [1, 3, 1024, 1024] (grey repeated to 3 channels). */
  prepareImage(gray: Uint8Array, rows: number, columns: number): Float32Array;
  /** Slice pixel coordinates (x = column, y = row) -> the 1024 input frame, in the reference's operation order. */
  toInputFrame(rows: number, columns: number): ToInputFrame;
  /** Low-res logits [256 x 256] -> rows x columns mask of 0 and 1. */
  postprocess(lowResLogits: Float32Array, rows: number, columns: number): Uint8Array;
}

export function contractFor(name: ContractName): Contract {
  return name === 'sam' ? samContract : medsamContract;
}
