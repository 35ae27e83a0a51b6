/**
 * Child process of webgpu.bench.ts: `node webgpu-child.ts [--ep wasm] GRAPH.onnx ...` creates one
 * onnxruntime-web session per graph with its verbose log on (logSeverityLevel 0) and exits. onnxruntime's
 * wasm writes that log straight to file descriptor 2, past console and process.stderr, so the parent
 * reads it from this process's stderr; GRAPH_MARK lines separate the graphs. `--ep wasm` (no GPU needed)
 * only proves the plumbing.
 */
import { readFileSync, writeSync } from 'node:fs';
import { END_MARK, firstLine, GRAPH_MARK, openDawn, webgpuOrt } from './webgpu-node.ts';

const args = process.argv.slice(2);
const ep = args[0] === '--ep' ? args[1] : 'webgpu';
const graphs = args[0] === '--ep' ? args.slice(2) : args;

let dispose = () => {};
if (ep === 'webgpu') {
  const dawn = await openDawn();
  if ('reason' in dawn) {
    writeSync(2, `no WebGPU adapter: ${dawn.reason}\n`);
    process.exit(3);
  }
  dispose = dawn.dispose;
}
const ort = await webgpuOrt();
let failed = 0;
for (const graph of graphs) {
  writeSync(2, `\n${GRAPH_MARK}${graph}\n`);
  try {
    const session = await ort.InferenceSession.create(readFileSync(graph), {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 0,
      logVerbosityLevel: 0,
    });
    await session.release();
  } catch (error) {
    failed++;
    writeSync(2, `\n@@webgpu-bench failed ${graph}: ${firstLine(error)}\n`);
  }
}
writeSync(2, `\n${END_MARK}\n`);
dispose();
process.exit(failed ? 1 : 0);
