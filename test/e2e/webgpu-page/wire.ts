/**
 * What crosses between Node and the WebGPU check page (page.ts): float and byte arrays as base64 (a
 * page function's arguments and results travel as JSON), and the page's API on `window.__webgpu`.
 * Browser-safe: no Node imports, so page.ts and the Node side share it.
 */
import type { SliceImage } from '../../../src/dicom/slice-image.ts';
import type { Box } from '../../../src/model/prompts.ts';
import type { WebBackendChoice } from '../../../src/model/session-web.ts';

export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(b64: string): Uint8Array {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export const floatsToBase64 = (f: Float32Array): string =>
  toBase64(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
export const floatsFromBase64 = (b64: string): Float32Array => new Float32Array(fromBase64(b64).buffer);

/** A slice with its values as base64 float32. */
export type WireSlice = Omit<SliceImage, 'values'> & { values: string };

export const sliceToWire = (s: SliceImage): WireSlice => ({ ...s, values: floatsToBase64(s.values) });
export const sliceFromWire = (w: WireSlice): SliceImage => ({ ...w, values: floatsFromBase64(w.values) });

/** The backend options of the product's web session wrapper a request passes through. */
export interface BackendRequest {
  allowFallbackAdapter?: boolean;
  webgpu?: boolean;
}

/** What ran on the GPU during the step measured. */
export interface GpuUse {
  /** The adapter of the WebGPU device onnxruntime-web made (null: none made in the page yet). */
  device: { architecture: string; vendor: string; isFallbackAdapter: boolean } | null;
  /** Compute shader dispatches (GPUComputePassEncoder.dispatchWorkgroups*) in the page. */
  dispatches: number;
}

export interface SegmentWire {
  choice: WebBackendChoice;
  /** The segmenter's own account of where it runs (SegmenterInfo.backend). */
  backend: string;
  lowResLogits: string;
  mask: string;
  /** The segmenter's score, and the decoder's raw iou_prediction it comes from. */
  score: number;
  iouPrediction: number;
  encoderMs: number;
  decoderMs: number;
  encoderGpu: GpuUse;
  decoderGpu: GpuUse;
}

/** A float32 tensor, its values as base64. */
export interface TensorWire {
  data: string;
  dims: number[];
}

export interface GraphWire {
  choice: WebBackendChoice;
  createMs: number;
  runMs: number;
  outputs: Record<string, TensorWire>;
  gpu: GpuUse;
}

/** A slice, a box on it, and the encoder outputs for that slice computed elsewhere (e.g. onnxruntime-node). */
export interface EncodedCase {
  slice: WireSlice;
  box: Box;
  encoderOutputs: Record<string, TensorWire>;
}

export interface DecodedWire {
  lowResLogits: string;
  mask: string;
  iouPrediction: number;
  decoderMs: number;
  gpu: GpuUse;
}

export interface AdapterWire {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  shaderF16: boolean;
  features: string[];
  /** The largest tensor a WebGPU session can bind (see GraphSpec.largestTensorBytes). */
  maxStorageBufferBindingSize?: number;
}

export interface WebGpuPageApi {
  /** The product path: web session factory -> loadModel -> ModelSegmenter, encoder then decoder. */
  segment(request: {
    model: string;
    backend: BackendRequest;
    slice: WireSlice;
    box: Box;
  }): Promise<SegmentWire>;
  /** One graph of a model folder on the product's session wrapper, fed bench/latency.ts's random feeds. */
  runGraph(request: {
    model: string;
    role: 'encoder' | 'decoder';
    backend: BackendRequest;
  }): Promise<GraphWire>;
  /**
   * The product path from the decoder on (ModelSegmenter.segment: prompt, decoder session from the web
   * session factory, postprocessing), the encoder's outputs given for each case instead of computed:
   * for graphs whose encoder is too slow to run where the decoder is tested. One decoder session for all.
   */
  segmentEncoded(request: { model: string; backend: BackendRequest; cases: EncodedCase[] }): Promise<{
    choice: WebBackendChoice;
    backend: string;
    createMs: number;
    results: DecodedWire[];
  }>;
  /**
   * A WebGPU session (fallback adapter allowed) with onnxruntime's verbose log on, made and released:
   * the log (console) names every node the WebGPU backend leaves to the CPU. Logs '@@placement-end'.
   */
  placement(request: { model: string; role: 'encoder' | 'decoder' }): Promise<void>;
}

export type WebGpuWindow = { __webgpu: WebGpuPageApi };
