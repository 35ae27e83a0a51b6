import type { SliceImage } from '../dicom/slice-image.ts';
import type { Box } from './prompts.ts';

/**
 * The one interface every engine (the ONNX model runtime, the model-free classical engine) offers to
 * the CLI, the robustness suite and the Cornerstone tool.
 */

/** A window from modality values to 8 bits, in modality units (HU for CT). */
export interface Window {
  low: number;
  high: number;
}

/**
 * Coordinates are in the slice's pixel frame: x = column, y = row, as SAM and MedSAM take them.
 * A box may be given with its corners in any order (a box dragged in any direction).
 */
/** A click on the slice: label 1 = include, 0 = exclude. */
export interface PromptPoint {
  x: number;
  y: number;
  label: 0 | 1;
}

export interface Prompt {
  box?: Box;
  points?: PromptPoint[];
  /** Low-res logits from an earlier `segment` of the same slice, fed back for refinement. */
  maskInput?: Float32Array;
}

export interface SegmentOptions {
  /** Overrides the modality default window (CT [-160, 240] HU; MR percentiles). */
  window?: Window;
}

export interface SegmentResult {
  /** rows x columns, 1 inside the mask, 0 outside. */
  mask: Uint8Array;
  /** The engine's own quality estimate in [0, 1] (the model's IoU prediction). */
  score: number;
  /** The model's low-res logits (256 x 256), usable as `Prompt.maskInput`; empty for engines without. */
  lowResLogits: Float32Array;
  /** Milliseconds per stage, e.g. { preprocess, encoder, decoder, postprocess }. */
  timings: Record<string, number>;
}

export interface SegmenterInfo {
  /** 'model' for ONNX graphs, 'classical' for the model-free default engine. */
  engine: 'model' | 'classical';
  /** What a user is shown, e.g. 'RobustMedSAM ViT-B 1.0.0' or 'Classical (no model)'. */
  label: string;
  /** Where inference runs, e.g. 'onnxruntime-node cpu', 'onnxruntime-web wasm (2 threads)'. */
  backend: string;
  /** What the model trades against its fp32 form, for a user choosing it (an int8 encoder's size, speed, agreement). */
  detail?: string;
}

export interface Segmenter {
  readonly info: SegmenterInfo;
  /** Prepares (and caches) the per-slice work, so that `segment` on this slice is fast. */
  encode(slice: SliceImage, options?: SegmentOptions): Promise<void>;
  segment(slice: SliceImage, prompt: Prompt, options?: SegmentOptions): Promise<SegmentResult>;
  dispose(): Promise<void>;
}
