/**
 * model.json: the manifest beside the two ONNX graphs of a model folder. export/ writes it, the runtime
 * validates it (see validateManifest) before it trusts a byte of the graphs.
 *
 * Example (a robust decoder with the `sam` contract):
 * {
 *   "format": "robustmedsam-model/1",
 *   "name": "RobustMedSAM ViT-B",
 *   "version": "1.0.0",
 *   "decoderKind": "robust",            // "sam" for plain SAM / MedSAM decoders
 *   "contract": "sam",                  // preprocessing contract: "sam" | "medsam"
 *   "precision": "fp32",                // weights inside the graphs: "fp32" | "fp16" | "int8"; graph I/O is always float32
 *                                       // ("int8": the encoder's weight products quantized, see `quantization`;
 *                                       //  the decoder stays fp32)
 *   "batchNorm": "per-image",           // robust only: "per-image" (reference inference) | "running"
 *   "fft": "matmul",                    // robust only: Fourier blocks as DFT matrix products ("matmul", any EP)
 *                                       // or ONNX DFT nodes ("dft-op", CPU EPs; WebGPU has no DFT kernel)
 *   "provenance": {
 *     "tool": "export 0.1.0", "createdAt": "2026-11-28T19:00:00Z", "config": "vit_b",
 *     "sources": [ { "role": "checkpoint", "file": "robustmedsam_best.pth", "sha256": "..." } ]
 *   },
 *   "graphs": {
 *     "encoder": {
 *       "file": "encoder.onnx", "sha256": "...", "bytes": 375000000, "largestTensorBytes": 805306368,
 *       "inputs":  [ { "name": "image", "type": "float32", "shape": [1, 3, 1024, 1024] } ],
 *       "outputs": [ { "name": "image_embeddings", "type": "float32", "shape": [1, 256, 64, 64] },
 *                    { "name": "robust_features",  "type": "float32", "shape": [1, 32, 256, 256] } ]
 *     },
 *     "decoder": {
 *       "file": "decoder.onnx", "sha256": "...", "bytes": 17000000,
 *       "inputs":  [ { "name": "image_embeddings", ... }, { "name": "robust_features", ... },
 *                    { "name": "point_coords", "type": "float32", "shape": [1, "N", 2] },
 *                    { "name": "point_labels", "type": "float32", "shape": [1, "N"] },
 *                    { "name": "mask_input", "type": "float32", "shape": [1, 1, 256, 256] },
 *                    { "name": "has_mask_input", "type": "float32", "shape": [1] } ],
 *       "outputs": [ { "name": "low_res_logits", "type": "float32", "shape": [1, 1, 256, 256] },
 *                    { "name": "iou_prediction", "type": "float32", "shape": [1, 1] } ]
 *     }
 *   }
 * }
 * A string in a shape is a symbolic (dynamic) dimension. Channel counts come from the manifest, never
 * from constants in the runtime: the tiny test fixtures use fewer channels than ViT-B.
 */

export const MANIFEST_FORMAT = 'robustmedsam-model/1';

export type DecoderKind = 'sam' | 'robust';
export type ContractName = 'sam' | 'medsam';
export type Precision = 'fp32' | 'fp16' | 'int8';
export type BatchNormMode = 'per-image' | 'running';
export type FftMode = 'dft-op' | 'matmul';

export interface TensorSpec {
  name: string;
  type: 'float32';
  shape: Array<number | string>;
}

export interface GraphSpec {
  file: string;
  sha256: string;
  bytes: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /**
   * The largest tensor the graph computes, in bytes (export/ measures it on a forward run; the ViT-B
   * encoder's global attention, 12 x 4096 x 4096 floats, is 768 MiB). A WebGPU adapter must bind it whole:
   * onnxruntime's WebGPU EP computes wrong values, without an error, for a tensor over the adapter's
   * maxStorageBufferBindingSize, so session-web.ts runs such a graph on wasm. Absent in older folders.
   */
  largestTensorBytes?: number;
}

export interface SourceCheckpoint {
  role: string;
  file: string;
  sha256: string;
}

/**
 * What `export --precision int8` (or `export quantize`) rewrote: in the encoder graph, every MatMul and
 * Gemm with a constant weight became DynamicQuantizeLinear + MatMulInteger + Cast + Mul (onnxruntime's
 * dynamic quantization form). Informational: the runtime runs the graph as it is.
 */
export interface QuantizationRecord {
  graph: 'encoder';
  method: 'dynamic';
  /** e.g. "int8-symmetric-per-column" */
  weights: string;
  /** e.g. "uint8-asymmetric-per-tensor-dynamic" */
  activations: string;
  /** op type -> how many nodes were quantized, e.g. { "MatMul": 50, "Gemm": 6 } */
  nodes: Record<string, number>;
  /** What stayed float32, in words. */
  keptFloat?: string;
  /** Bytes of the float32 encoder it was quantized from: what the size trade is measured against. */
  floatEncoderBytes?: number;
  /** What a comparison with that float32 folder found, when one was made; absent when none was. */
  measured?: QuantizationMeasurement;
}

/**
 * int8 against float32 on some cases: written by `npm run bench -- int8-encoder` for the folder it
 * measures, or by hand after checking a folder on one's own cases. The viewer states it beside the
 * model choice, so a user sees what the smaller, faster encoder costs.
 */
export interface QuantizationMeasurement {
  /** Mean mask Dice, int8 against float32, over the boxes measured (0..1). */
  maskDice: number;
  /** Encoder time float32 / int8 on a CPU, e.g. 1.6; absent when not timed. */
  encoderSpeedup?: number;
  /** What was measured, e.g. "22 boxes on the bundled samples, ViT-B random weights, onnxruntime-node". */
  on: string;
}

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  version: string;
  decoderKind: DecoderKind;
  contract: ContractName;
  precision: Precision;
  /** Present when precision is "int8". */
  quantization?: QuantizationRecord;
  batchNorm?: BatchNormMode;
  /** Absent in robust folders exported before `--fft` existed: those are "matmul". */
  fft?: FftMode;
  provenance: {
    tool: string;
    createdAt: string;
    config: string;
    sources: SourceCheckpoint[];
  };
  graphs: {
    encoder: GraphSpec;
    decoder: GraphSpec;
  };
}
