/**
 * WebGPU on chromium's SwiftShader fallback adapter (the product's path with `allowFallbackAdapter`,
 * test/e2e/webgpu-harness.ts's page): the full-size ViT-B robust decoder (random weights, --fft matmul)
 * run once on WebGPU and once on wasm with the same random feeds, their agreement and times; and, from
 * onnxruntime's verbose log, every node its WebGPU EP leaves to the CPU, for the tiny fixtures' encoder
 * and decoder (both kinds) and the ViT-B robust decoder. SwiftShader runs on the CPU: its times say how
 * slow the fallback is, nothing about GPUs. BENCH_SWIFTSHADER_VITB_ENCODER=1 also logs the ViT-B robust
 * encoder's placement (a 596 MB session on the software adapter).
 */
import { resolve } from 'node:path';
import { compareLogits } from '../test/e2e/webgpu-agreement.ts';
import { openWebGpuPage } from '../test/e2e/webgpu-harness.ts';
import { floatsFromBase64, type GraphWire } from '../test/e2e/webgpu-page/wire.ts';
import { REPO_ROOT } from '../test/helpers/tools.ts';
import { describeAdapterWire, pageAdapter } from '../test/helpers/webgpu-chromium.ts';
import { type BenchReport, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';
import { describePlacement, GRAPH_MARK, parseCpuPlacements } from './webgpu-node.ts';

const COLUMNS = ['graph', 'runtime', 'create_ms', 'run_ms', 'dispatches', 'agreement', 'status'];

export default async function (): Promise<BenchReport> {
  const tiny = ['tiny-robust', 'tiny-sam'].map((n) => resolve(REPO_ROOT, 'test/fixtures/models', n));
  const vitB = vitBModelFolder('robust', 'matmul');
  const page = await openWebGpuPage([...tiny, vitB]);
  const rows: BenchReport['rows'] = [];
  const notes: string[] = [];
  try {
    const adapter = await pageAdapter(page.page);
    notes.push(`chromium adapter: ${adapter ? describeAdapterWire(adapter) : 'none'}.`);
    if (adapter && !adapter.shaderF16)
      notes.push(
        'shader-f16: NOT offered by SwiftShader, so fp16 arithmetic on WebGPU cannot run here (fp16 fidelity on WebGPU not measured).',
      );

    // Node placement: one verbose session per graph, its log lines from the page's console.
    const graphs: Array<{ label: string; model: number; role: 'encoder' | 'decoder' }> = [
      { label: 'tiny robust encoder', model: 0, role: 'encoder' },
      { label: 'tiny robust decoder', model: 0, role: 'decoder' },
      { label: 'tiny sam encoder', model: 1, role: 'encoder' },
      { label: 'tiny sam decoder', model: 1, role: 'decoder' },
      { label: 'ViT-B robust decoder', model: 2, role: 'decoder' },
    ];
    if (process.env.BENCH_SWIFTSHADER_VITB_ENCODER === '1')
      graphs.push({ label: 'ViT-B robust encoder', model: 2, role: 'encoder' });
    let log = '';
    for (const g of graphs) {
      const from = page.console.length;
      try {
        await page.api.placement({ model: page.modelUrl(g.model), role: g.role });
      } catch (error) {
        notes.push(`placement ${g.label}: session failed: ${String(error).split('\n')[0]}.`);
      }
      await page.page.waitForTimeout(500);
      log += `\n${GRAPH_MARK}${g.label}\n${page.console.slice(from).join('\n')}\n`;
    }
    const placements = parseCpuPlacements(log);
    for (const g of graphs) {
      const p = placements.get(g.label);
      const nodes = p
        ? [...p.kernelNotFound.entries()].flatMap(([op, names]) => [...names].map((n) => `${op} ${n}`))
        : [];
      notes.push(
        `CPU nodes, ${g.label}: ${describePlacement(p)}${nodes.length ? `: ${nodes.join('; ')}` : ''}.`,
      );
    }

    // The ViT-B robust decoder once on each backend, same feeds (bench/latency.ts feedsFor).
    const runs: Record<string, GraphWire> = {};
    for (const [runtime, backend] of [
      ['webgpu (SwiftShader)', { allowFallbackAdapter: true }],
      ['wasm (1 thread)', {}],
    ] as const) {
      try {
        runs[runtime] = await page.api.runGraph({ model: page.modelUrl(2), role: 'decoder', backend });
        rows.push({
          graph: 'ViT-B robust decoder',
          runtime: runs[runtime].choice.description,
          create_ms: runs[runtime].createMs,
          run_ms: runs[runtime].runMs,
          dispatches: runs[runtime].gpu.dispatches,
          agreement: '',
          status: 'measured',
        });
      } catch (error) {
        rows.push({
          graph: 'ViT-B robust decoder',
          runtime,
          status: `failed: ${String(error).split('\n')[0]}`,
        });
      }
    }
    const [gpu, wasm] = [runs['webgpu (SwiftShader)'], runs['wasm (1 thread)']];
    if (gpu && wasm) {
      const logits = compareLogits(
        floatsFromBase64(gpu.outputs.low_res_logits.data),
        floatsFromBase64(wasm.outputs.low_res_logits.data),
        1e-3,
      );
      const iou = [gpu, wasm].map((r) => floatsFromBase64(r.outputs.iou_prediction.data)[0]);
      const agreement = `logits max |diff| ${logits.maxDiff.toExponential(2)} = ${logits.relDiff.toExponential(2)} of max |logit| ${logits.maxAbs.toFixed(3)}; low-res mask pixels differing ${logits.maskDiffers} (beyond tolerance ${logits.maskDiffersBeyondTolerance}); iou_prediction ${iou[0].toFixed(6)} vs ${iou[1].toFixed(6)}`;
      rows[rows.length - 2].agreement = agreement;
      notes.push(`ViT-B robust decoder, WebGPU vs wasm: ${agreement}.`);
    }
    notes.push(
      `Models: test/fixtures/models/tiny-robust and tiny-sam; ${repoPath(vitB)} (export/, random weights seed 0, --fft matmul).`,
      'Product path: src/model/session-web.ts webSessionFactory({ allowFallbackAdapter: true }) -> onnxruntime-web/webgpu (native WebGPU EP), graphOptimizationLevel all; wasm: onnxruntime-web/wasm (the CPU build), 1 thread (page not cross-origin isolated).',
      'dispatches: compute shader dispatches in the page during the run (0 = nothing ran on the GPU).',
    );
  } finally {
    await page.close();
  }
  return {
    title: 'WebGPU on chromium SwiftShader (fallback adapter) vs wasm',
    columns: COLUMNS,
    rows,
    notes,
  };
}
