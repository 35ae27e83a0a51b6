/**
 * onnxruntime-web's WebGPU execution provider in Node, on Dawn's Node bindings (the `webgpu` package:
 * `dawn.node`, prebuilt for linux-x64). Used by webgpu.bench.ts and its child (webgpu-child.ts).
 *
 * Everything here also runs from one bundled .mjs on a machine without node_modules (bench/device/):
 * there DAWN_NODE_PATH names the carried dawn.node, and onnxruntime-web's wasm sits beside the bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as OrtWeb from 'onnxruntime-web';

type Ort = typeof OrtWeb;

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** The parts of navigator.gpu / GPUAdapter this file reads (Dawn's objects carry the full WebGPU API). */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<AdapterLike | null>;
}
export interface AdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  fallback: boolean;
  shaderF16: boolean;
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

export function summariseAdapter(adapter: AdapterLike): AdapterSummary {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    fallback: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

export function describeAdapter(a: AdapterSummary): string {
  const mib = (n?: number) => (n === undefined ? '?' : `${Math.round(n / 2 ** 20)} MiB`);
  return (
    `vendor '${a.vendor}', architecture '${a.architecture}', device '${a.device}', description '${a.description}'` +
    `${a.fallback ? ', FALLBACK adapter' : ''}; shader-f16 ${a.shaderF16 ? 'yes' : 'no'}; ` +
    `maxBufferSize ${mib(a.maxBufferSize)}, maxStorageBufferBindingSize ${mib(a.maxStorageBufferBindingSize)}`
  );
}

/** Dawn's `create` flags from BENCH_DAWN_FLAGS (';'-separated, e.g. 'backend=vulkan;adapter=NVIDIA H200'). */
function dawnFlags(): string[] {
  return (process.env.BENCH_DAWN_FLAGS ?? '')
    .split(';')
    .map((f) => f.trim())
    .filter(Boolean);
}

async function loadDawnModule(): Promise<DawnModule> {
  const path = process.env.DAWN_NODE_PATH;
  if (path) return createRequire(import.meta.url)(path) as DawnModule;
  return (await import('webgpu')) as unknown as DawnModule;
}

/** Whether the Vulkan loader Dawn dlopens is findable, and which ICD variables are set: for the message. */
function vulkanState(): string {
  const ldconfig = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const found =
    (ldconfig.stdout ?? '').includes('libvulkan.so.1') || dirs.some((d) => existsSync(`${d}/libvulkan.so.1`));
  const icd = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES']
    .filter((v) => process.env[v])
    .map((v) => `${v}=${process.env[v]}`);
  return `libvulkan.so.1 ${found ? 'found' : 'not found'}; ${icd.length ? icd.join(', ') : 'no VK_DRIVER_FILES'}; Dawn flags [${dawnFlags().join(', ')}]; Dawn's own warnings, if any, are printed above`;
}

export interface QueueClass {
  prototype: {
    writeBuffer(
      buffer: unknown,
      bufferOffset: number,
      data: ArrayBufferView | ArrayBuffer,
      dataOffset?: number,
      size?: number,
    ): void;
  };
}

/**
 * dawn.node's GPUQueue.writeBuffer throws a bare "Invalid argument" for a view of a SharedArrayBuffer,
 * and onnxruntime-web's WebGPU build hands it exactly that: views of its wasm memory, which is shared
 * (threaded build) even with one thread. Every session then failed at its first upload (the H200 run of
 * bench/results/webgpu.md). Browsers accept such views; here the bytes go through a plain copy.
 * dataOffset and size count elements of a typed array, as in the WebGPU API.
 */
export function acceptSharedMemoryUploads(queue: QueueClass): void {
  const writeBuffer = queue.prototype.writeBuffer;
  queue.prototype.writeBuffer = function (buffer, bufferOffset, data, dataOffset, size) {
    if (!ArrayBuffer.isView(data) || !(data.buffer instanceof SharedArrayBuffer)) {
      return writeBuffer.call(this, buffer, bufferOffset, data, dataOffset, size);
    }
    const elementBytes = (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    const start = (dataOffset ?? 0) * elementBytes;
    const length = size === undefined ? data.byteLength - start : size * elementBytes;
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(data.buffer, data.byteOffset + start, length));
    return writeBuffer.call(this, buffer, bufferOffset, copy, 0, length);
  };
}

export interface DawnGpu {
  gpu: GpuLike;
  adapter: AdapterLike;
  summary: AdapterSummary;
  /** Drops navigator.gpu so that Node can exit (dawn.node keeps the process alive while it is referenced). */
  dispose(): void;
}

/**
 * Dawn's GPU on globalThis.navigator.gpu, as onnxruntime-web's WebGPU backend looks for it, with its
 * adapter. Returns a one-line reason instead when Dawn cannot load or finds no adapter.
 */
export async function openDawn(): Promise<DawnGpu | { reason: string }> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawnModule();
  } catch (error) {
    return { reason: `Dawn's Node bindings did not load (${firstLine(error)})` };
  }
  Object.assign(globalThis, dawn.globals);
  acceptSharedMemoryUploads(dawn.globals.GPUQueue as QueueClass);
  const gpu = dawn.create(dawnFlags());
  let adapter: AdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { reason: `Dawn's requestAdapter failed (${firstLine(error)}; ${vulkanState()})` };
  }
  if (!adapter) return { reason: `Dawn found none (${vulkanState()})` };
  const g = globalThis as unknown as { navigator?: Record<string, unknown> };
  g.navigator ??= {};
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  return {
    gpu,
    adapter,
    summary: summariseAdapter(adapter),
    dispose() {
      if (g.navigator) delete g.navigator.gpu;
    },
  };
}

/**
 * onnxruntime-web's WebGPU build (its native WebGPU EP, running in ort-wasm-simd-threaded.asyncify.wasm,
 * looked up beside the module that holds onnxruntime-web: node_modules, or the bundle's folder).
 * One wasm thread: a bundled ESM file cannot start onnxruntime-web's worker threads, and only shape
 * arithmetic is left to the CPU on WebGPU.
 */
export async function webgpuOrt(): Promise<Ort> {
  const ort = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
  ort.env.wasm.numThreads = 1;
  ort.env.webgpu.powerPreference = 'high-performance';
  return ort;
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Marker lines the child writes to stderr around each graph's verbose session log. */
export const GRAPH_MARK = '@@webgpu-bench graph ';
export const END_MARK = '@@webgpu-bench end';

export interface CpuPlacement {
  /** op type -> distinct node names onnxruntime's WebGPU EP had no kernel for. */
  kernelNotFound: Map<string, Set<string>>;
  /** onnxruntime's own count of nodes placed on each EP ("Node placements"). */
  placed: Map<string, number>;
}

/**
 * Parses onnxruntime's verbose session log (stderr of webgpu-child.ts) into per-graph CPU placements:
 * `webgpu kernel not found in registries for Op type: X node name: Y` lines (each node may be named
 * several times, once per partitioning pass) and the "Node placements" summary.
 */
export function parseCpuPlacements(log: string): Map<string, CpuPlacement> {
  const graphs = new Map<string, CpuPlacement>();
  let current: CpuPlacement | undefined;
  for (const line of log.split('\n')) {
    const mark = line.indexOf(GRAPH_MARK);
    if (mark >= 0) {
      current = { kernelNotFound: new Map(), placed: new Map() };
      graphs.set(line.slice(mark + GRAPH_MARK.length).trim(), current);
      continue;
    }
    if (!current) continue;
    const missing = /kernel not found in registries for Op type: (\S+) node name: (.*)$/.exec(line);
    if (missing) {
      const [, op, node] = missing;
      const nodes = current.kernelNotFound.get(op) ?? new Set<string>();
      nodes.add(node.trim());
      current.kernelNotFound.set(op, nodes);
      continue;
    }
    const placed = /(?:All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (placed) current.placed.set(placed[1], Number(placed[2]));
  }
  return graphs;
}

/** "N nodes on the CPU EP of M; no WebGPU kernel for: Gather x3, Unsqueeze x2" */
export function describePlacement(p: CpuPlacement | undefined): string {
  if (!p) return 'no verbose log captured';
  const total = [...p.placed.values()].reduce((a, b) => a + b, 0);
  const cpu = p.placed.get('CPUExecutionProvider') ?? 0;
  const ops = [...p.kernelNotFound.entries()]
    .sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]))
    .map(([op, nodes]) => `${op} x${nodes.size}`);
  const placement = total ? `${cpu} of ${total} nodes on the CPU EP` : 'node placement not logged';
  return `${placement}; no WebGPU kernel for: ${ops.length ? ops.join(', ') : 'none'}`;
}
