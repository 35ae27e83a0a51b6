/**
 * onnxruntime's WebGPU EP computes a tensor larger than the adapter's maxStorageBufferBindingSize wrong,
 * without an error (bench/results/webgpu.md: Mesa's lavapipe, 128 MiB, against the ViT-B encoder's 768 MiB
 * attention). model.json records each graph's largest tensor (GraphSpec.largestTensorBytes) so that such
 * a graph is kept off such an adapter. Its own file: the benchmarks use it without a runtime.
 */

const MIB = 2 ** 20;

/**
 * Why a graph whose largest tensor has `largest` bytes cannot run on a WebGPU adapter that binds at most
 * `limit` ("768 MiB, is over this GPU's 128 MiB storage-buffer binding limit"), or undefined when it can
 * (or either figure is unknown). The benchmarks skip such graphs with the same words.
 */
export function overBindingLimit(largest: number | undefined, limit: number | undefined): string | undefined {
  if (largest === undefined || limit === undefined || largest <= limit) return undefined;
  return `${Math.round(largest / MIB)} MiB, is over this GPU's ${Math.round(limit / MIB)} MiB storage-buffer binding limit`;
}
