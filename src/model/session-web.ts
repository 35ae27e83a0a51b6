/**
 * Sessions on onnxruntime-web: WebGPU when the platform offers an adapter, else WebAssembly, threaded
 * when threads are possible (a cross-origin isolated page, or Node).
 *
 * Which onnxruntime-web build runs which backend, and why (this is the one place that decides it;
 * `#onnxruntime-web-cpu` is package.json's `imports` entry):
 * - wasm in a browser or worker: `onnxruntime-web/wasm`, the CPU-only build (ort-wasm-simd-threaded.wasm,
 *   14.8 MB). Bare `onnxruntime-web`'s browser bundle is the JSEP build, whose 29.5 MB wasm also carries
 *   the JSEP WebGPU backend, which nothing here uses any more (see next item).
 * - wasm in Node: bare `onnxruntime-web`, whose `node` export is the CPU-only Node bundle (the same
 *   ort-wasm-simd-threaded.wasm, read from disk); `onnxruntime-web/wasm` has no Node export (its browser
 *   bundle fails there: "no available backend found. ERR: [wasm] TypeError: fetch failed").
 * - WebGPU: `onnxruntime-web/webgpu`, the native WebGPU EP (ort-wasm-simd-threaded.asyncify.wasm), loaded
 *   only when WebGPU is chosen: the bare bundle's WebGPU backend (JSEP) fails on the robust graphs'
 *   Fourier blocks ("[WebGPU] Kernel \"[Sub] .../fgm_block/Sub\" failed ... Can't perform binary op",
 *   onnxruntime-web 1.31.1 on chromium's SwiftShader), where the native EP matches wasm
 *   (test/e2e/webgpu-swiftshader.test.ts).
 * (onnxruntime-node sessions are another file: session-node.ts.)
 */
import * as ort from '#onnxruntime-web-cpu';
import { overBindingLimit } from './binding-limit.ts';
import { createOrtSession, type SessionFactory } from './session.ts';

type OrtWeb = typeof ort;

export interface WebSessionOptions {
  /** Try WebGPU first (default true). The decoder is small; some pages may prefer wasm for it. */
  webgpu?: boolean;
  /**
   * Run on WebGPU even when the browser's only adapter is a software fallback (SwiftShader in headless
   * chromium; default false). Correct but far slower than wasm: for tests of the WebGPU path, or users
   * who want it anyway. onnxruntime-web asks the browser for its adapter itself, and gets this one where
   * it is the only one (a browser offers a fallback adapter only when it has no hardware one).
   */
  allowFallbackAdapter?: boolean;
  /** wasm threads; default: min(4, hardwareConcurrency) when threads are possible, else 1. */
  numThreads?: number;
  /** Where the ort-wasm*.wasm/.mjs files are served from, when not beside the bundle. */
  wasmPaths?: string;
}

export interface WebBackendChoice {
  executionProvider: 'webgpu' | 'wasm';
  numThreads: number;
  /** True when WebGPU runs on a software fallback adapter (only with `allowFallbackAdapter`). */
  fallbackAdapter?: boolean;
  /**
   * On WebGPU: the adapter's maxStorageBufferBindingSize (onnxruntime asks its device for the adapter's
   * limits), the largest tensor a WebGPU session can bind. A graph whose largestTensorBytes is over it
   * runs on wasm instead (see the factory).
   */
  storageBindingLimit?: number;
  /** For the user, e.g. 'onnxruntime-web webgpu' or 'onnxruntime-web wasm (1 thread: page not cross-origin isolated)'. */
  description: string;
}

export interface Platform {
  isNode: boolean;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  gpu?: { requestAdapter(): Promise<unknown> };
}

function platform(): Platform {
  const g = globalThis as {
    process?: { versions?: { node?: string } };
    crossOriginIsolated?: boolean;
    navigator?: { hardwareConcurrency?: number; gpu?: Platform['gpu'] };
  };
  const isNode = typeof g.process?.versions?.node === 'string';
  return {
    isNode,
    crossOriginIsolated: g.crossOriginIsolated === true,
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 2,
    gpu: isNode ? undefined : g.navigator?.gpu,
  };
}

/**
 * A CPU-emulated WebGPU adapter (SwiftShader, as headless browsers offer) runs the decoder hundreds of
 * times slower than wasm: measured 73 s against 0.2 s for the tiny fixture decoder. Browsers mark such
 * adapters as fallback adapters (`info.isFallbackAdapter`, formerly `isFallbackAdapter` on the adapter).
 */
function isSoftwareAdapter(adapter: unknown): boolean {
  const a = adapter as {
    isFallbackAdapter?: boolean;
    info?: { isFallbackAdapter?: boolean; architecture?: string };
  };
  return (
    a.isFallbackAdapter === true ||
    a.info?.isFallbackAdapter === true ||
    a.info?.architecture === 'swiftshader'
  );
}

/** Decides the execution provider and thread count for this platform (and says why, for the user). */
export async function chooseWebBackend(
  options: WebSessionOptions = {},
  p: Platform = platform(),
): Promise<WebBackendChoice> {
  const threadsPossible = p.isNode || p.crossOriginIsolated;
  const numThreads = threadsPossible
    ? Math.max(1, options.numThreads ?? Math.min(4, p.hardwareConcurrency))
    : 1;
  let softwareGpu = false;
  if (options.webgpu !== false && p.gpu) {
    let adapter: unknown = null;
    try {
      adapter = await p.gpu.requestAdapter();
    } catch {
      adapter = null;
    }
    const limit = (adapter as { limits?: { maxStorageBufferBindingSize?: number } } | null)?.limits
      ?.maxStorageBufferBindingSize;
    const storageBindingLimit = typeof limit === 'number' && limit > 0 ? { storageBindingLimit: limit } : {};
    if (adapter && !isSoftwareAdapter(adapter)) {
      const description = 'onnxruntime-web webgpu';
      return { executionProvider: 'webgpu', numThreads, description, ...storageBindingLimit };
    }
    if (adapter && options.allowFallbackAdapter) {
      const description = 'onnxruntime-web webgpu (software fallback adapter: slow)';
      return {
        executionProvider: 'webgpu',
        numThreads,
        fallbackAdapter: true,
        description,
        ...storageBindingLimit,
      };
    }
    if (adapter) softwareGpu = true;
  }
  const why = [
    threadsPossible ? '' : 'page not cross-origin isolated',
    softwareGpu ? 'WebGPU adapter is a software fallback' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return {
    executionProvider: 'wasm',
    numThreads,
    description: wasmDescription(numThreads, why),
  };
}

/** "onnxruntime-web wasm (2 threads)", or with the reason it is wasm or has one thread: "(1 thread: ...)". */
function wasmDescription(numThreads: number, why: string): string {
  return `onnxruntime-web wasm (${numThreads} thread${numThreads === 1 ? '' : 's'}${why ? `: ${why}` : ''})`;
}

/** The thread count each onnxruntime-web runtime (cpu, webgpu) started with (fixed from its first session on). */
const threadsInUse = new Map<OrtWeb, number>();

/** The onnxruntime-web build that runs `ep` (see the top of this file for which and why). */
async function ortFor(ep: WebBackendChoice['executionProvider']): Promise<OrtWeb> {
  return ep === 'webgpu' ? ((await import('onnxruntime-web/webgpu')) as OrtWeb) : ort;
}

/**
 * A SessionFactory on onnxruntime-web. onnxruntime-web reads `env.wasm` once, when its first session
 * starts, so the thread count is set here, before any session exists, and explicitly (its default is 1
 * thread on a 2-core machine). On WebGPU, those threads run only the few nodes left to the CPU.
 */
export async function webSessionFactory(
  options: WebSessionOptions = {},
  p: Platform = platform(),
): Promise<{ factory: SessionFactory; choice: WebBackendChoice }> {
  let choice = await chooseWebBackend(options, p);
  const runtime = await ortFor(choice.executionProvider);
  const started = threadsInUse.get(runtime);
  if (started !== undefined && started !== choice.numThreads) {
    // That runtime already started with another count and will keep it: report what really runs.
    choice = await chooseWebBackend({ ...options, numThreads: started }, p);
  }
  setUp(runtime, choice.numThreads, options);
  const factory: SessionFactory = async (graph, role, spec) => {
    const tooLarge =
      choice.executionProvider === 'webgpu'
        ? overBindingLimit(spec?.largestTensorBytes, choice.storageBindingLimit)
        : undefined;
    const sessionOptions = (ep: 'webgpu' | 'wasm') => ({
      executionProviders: [ep],
      graphOptimizationLevel: 'all' as const,
    });
    if (tooLarge) {
      // onnxruntime's WebGPU EP would compute this graph wrong without a word (see GraphSpec).
      const threads = setUp(ort, choice.numThreads, options);
      const why = `the ${role}'s largest tensor, ${tooLarge}`;
      return createOrtSession(ort, graph, role, sessionOptions('wasm'), wasmDescription(threads, why));
    }
    return createOrtSession(
      runtime,
      graph,
      role,
      sessionOptions(choice.executionProvider),
      choice.description,
    );
  };
  return { factory, choice };
}

/** Thread count and wasm location of a runtime, before its first session (it keeps them after): the count it runs. */
function setUp(runtime: OrtWeb, numThreads: number, options: WebSessionOptions): number {
  const started = threadsInUse.get(runtime);
  if (started !== undefined) return started;
  runtime.env.wasm.numThreads = numThreads;
  if (options.wasmPaths) runtime.env.wasm.wasmPaths = options.wasmPaths;
  threadsInUse.set(runtime, numThreads);
  return numThreads;
}
