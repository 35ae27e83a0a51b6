/**
 * fp16 model folder on WebGPU against fp32, on chromium's SwiftShader fallback adapter (the product's
 * path with `allowFallbackAdapter`, test/e2e/webgpu-harness.ts's page). Full-size ViT-B robust model with
 * random weights (bench/vit-b-model.ts: the fp32 folder and its `--precision fp16` twin, --fft matmul).
 *
 * The ViT-B encoder would take hours on SwiftShader, so each folder's encoder runs in onnxruntime-node
 * on the fidelity cases (bench/fidelity-cases.ts: slices of the bundled samples, truth structures boxed);
 * each folder's decoder then runs in the page through ModelSegmenter.segment on those encoder outputs,
 * on WebGPU and on wasm. Mask Dice fp16-on-WebGPU vs fp32 (target >= 0.998) and logits max |diff|.
 *
 * BENCH_FP16_BOXES (default 3) boxes, one per slice while slices last; each WebGPU decoder run of the
 * ViT-B robust decoder takes ~150 s on 2 idle cores. fp32 on WebGPU runs after fp16 only while the
 * WebGPU runs fit BENCH_FP16_WEBGPU_BUDGET_S (default 900 s) at fp16's pace; 0 skips it (fp16 is then
 * compared with fp32 on wasm only).
 */

import { loadModelFolder } from '../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../src/model/model-segmenter.ts';
import type { Box } from '../src/model/prompts.ts';
import type { TensorData } from '../src/model/session.ts';
import { dice } from '../src/robustness/metrics.ts';
import { compareLogits } from '../test/e2e/webgpu-agreement.ts';
import { openWebGpuPage } from '../test/e2e/webgpu-harness.ts';
import {
  type BackendRequest,
  type DecodedWire,
  type EncodedCase,
  floatsFromBase64,
  floatsToBase64,
  fromBase64,
  sliceToWire,
} from '../test/e2e/webgpu-page/wire.ts';
import { relRms } from '../test/helpers/rel-rms.ts';
import { describeAdapterWire, pageAdapter } from '../test/helpers/webgpu-chromium.ts';
import { BOX_MARGIN, type FidelityCase, fidelityCases, truthBoxes } from './fidelity-cases.ts';
import { type BenchReport, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const BOXES = Number(process.env.BENCH_FP16_BOXES ?? 3);
const WEBGPU_BUDGET_S = Number(process.env.BENCH_FP16_WEBGPU_BUDGET_S ?? 900);
/** Relative to the largest |logit|, as the WebGPU-vs-wasm checks (test/e2e/webgpu-swiftshader.test.ts). */
const REL_TOL = 1e-3;
const DICE_TARGET = 0.998;
const PRECISIONS = ['fp32', 'fp16'] as const;
type Precision = (typeof PRECISIONS)[number];
type Encoded = Map<FidelityCase, Record<string, TensorData>>;

interface Pick {
  item: FidelityCase;
  structure: number;
  box: Box;
}

/** `count` boxes: the first structure of each slice in turn, then the second, and so on. */
function pickBoxes(cases: FidelityCase[], count: number): Pick[] {
  const boxes = cases.map(truthBoxes);
  const picks: Pick[] = [];
  const most = Math.max(...boxes.map((b) => b.length));
  for (let structure = 0; structure < most; structure++)
    for (const [c, item] of cases.entries()) {
      const box = boxes[c][structure];
      if (box && picks.length < count) picks.push({ item, structure, box });
    }
  return picks;
}

/** A folder's encoder outputs (onnxruntime-node, CPU) for the picked boxes' slices. */
async function encodeOnNode(dir: string, picks: Pick[]): Promise<{ outputs: Encoded; seconds: number }> {
  const segmenter = new ModelSegmenter(await loadModelFolder(dir));
  const outputs: Encoded = new Map();
  const started = performance.now();
  try {
    for (const { item } of picks) {
      if (outputs.has(item)) continue;
      const encoded = await segmenter.encoderOutputs(item.slice);
      const tensors: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(encoded.tensors))
        tensors[name] = { data: Float32Array.from(t.data), dims: [...t.dims] };
      outputs.set(item, tensors);
      console.log(`webgpu-fp16 bench: ${repoPath(dir)} encoder, ${item.sample} slice ${item.index} done`);
    }
  } finally {
    await segmenter.dispose();
  }
  return { outputs, seconds: (performance.now() - started) / 1000 };
}

const wireCases = (picks: Pick[], encoded: Encoded): EncodedCase[] =>
  picks.map(({ item, box }) => {
    const encoderOutputs: EncodedCase['encoderOutputs'] = {};
    for (const [name, t] of Object.entries(encoded.get(item) ?? {}))
      encoderOutputs[name] = { data: floatsToBase64(t.data), dims: [...t.dims] };
    return { slice: sliceToWire(item.slice), box, encoderOutputs };
  });

interface Run {
  label: string;
  precision: Precision;
  backend: BackendRequest;
  description?: string;
  createMs?: number;
  results?: DecodedWire[];
  error?: string;
}

/** Mask Dice and logits max |diff| of run `a` against the reference `b`, box `i`. */
function agreement(a: Run, b: Run, i: number) {
  const [x, y] = [a.results?.[i], b.results?.[i]];
  if (!x || !y) return undefined;
  const logits = compareLogits(floatsFromBase64(x.lowResLogits), floatsFromBase64(y.lowResLogits), REL_TOL);
  return { dice: dice(fromBase64(x.mask), fromBase64(y.mask)), logits };
}

const fmtDice = (d: number | undefined) => (d === undefined ? '-' : d.toFixed(4));
const fmtDiff = (g: ReturnType<typeof agreement>) =>
  g ? `${g.logits.maxDiff.toExponential(2)} (${g.logits.relDiff.toExponential(1)} rel)` : '-';

export default async function (): Promise<BenchReport> {
  const dirs: Record<Precision, string> = {
    fp32: vitBModelFolder('robust', 'matmul'),
    fp16: vitBModelFolder('robust', 'matmul', 'fp16'),
  };
  const picks = pickBoxes(fidelityCases(Math.ceil(BOXES / 2)), BOXES);
  const notes: string[] = [];
  const encoded = {} as Record<Precision, Encoded>;
  for (const precision of PRECISIONS) {
    const { outputs, seconds } = await encodeOnNode(dirs[precision], picks);
    encoded[precision] = outputs;
    notes.push(
      `${precision} encoder on onnxruntime-node (CPU): ${outputs.size} slices in ${seconds.toFixed(0)} s.`,
    );
  }
  for (const [item, a] of encoded.fp32) {
    const b = encoded.fp16.get(item);
    if (!b) continue;
    const errors = Object.keys(a).map((n) => `${n} ${relRms(a[n].data, b[n].data).toExponential(2)}`);
    notes.push(
      `Encoder outputs fp16 vs fp32, ${item.sample} slice ${item.index}: relative RMS ${errors.join(', ')}.`,
    );
  }

  const gpu = { allowFallbackAdapter: true };
  const runs: Run[] = [
    { label: 'fp32 wasm', precision: 'fp32', backend: {} },
    { label: 'fp16 wasm', precision: 'fp16', backend: {} },
    { label: 'fp16 webgpu', precision: 'fp16', backend: gpu },
    { label: 'fp32 webgpu', precision: 'fp32', backend: gpu },
  ];
  let webgpuSeconds = 0;
  const page = await openWebGpuPage([dirs.fp32, dirs.fp16]);
  try {
    const adapter = await pageAdapter(page.page);
    notes.unshift(`chromium adapter: ${adapter ? describeAdapterWire(adapter) : 'none'}.`);
    for (const run of runs) {
      if (run.label === 'fp32 webgpu' && webgpuSeconds * 2 > WEBGPU_BUDGET_S) {
        run.error = `not run: fp16 on WebGPU took ${webgpuSeconds.toFixed(0)} s, fp32 too would pass BENCH_FP16_WEBGPU_BUDGET_S=${WEBGPU_BUDGET_S}`;
        continue;
      }
      const started = performance.now();
      try {
        const out = await page.api.segmentEncoded({
          model: page.modelUrl(PRECISIONS.indexOf(run.precision)),
          backend: run.backend,
          cases: wireCases(picks, encoded[run.precision]),
        });
        Object.assign(run, { description: out.backend, createMs: out.createMs, results: out.results });
      } catch (error) {
        run.error = String(error).split('\n')[0];
      }
      const seconds = (performance.now() - started) / 1000;
      if (run.backend === gpu) webgpuSeconds += seconds;
      const vsFp32 = runs[0].results?.map((_, i) => agreement(run, runs[0], i));
      console.log(
        `webgpu-fp16 bench: ${run.label} ${run.error ? `failed: ${run.error}` : 'done'} in ${seconds.toFixed(0)} s; vs fp32 wasm: ${vsFp32?.map((g) => `Dice ${fmtDice(g?.dice)}, logits ${fmtDiff(g)}`).join('; ')}`,
      );
    }
  } finally {
    await page.close();
  }

  const byLabel = (label: string) => runs.find((r) => r.label === label) as Run;
  const [fp32Wasm, fp16Wasm, fp16Gpu] = ['fp32 wasm', 'fp16 wasm', 'fp16 webgpu'].map(byLabel);
  const fp32Gpu = byLabel('fp32 webgpu');
  const rows: BenchReport['rows'] = picks.map(({ item, structure, box }, i) => {
    const vsWasm = agreement(fp16Gpu, fp32Wasm, i);
    const vsGpu = agreement(fp16Gpu, fp32Gpu, i);
    const wasmOnly = agreement(fp16Wasm, fp32Wasm, i);
    const backendOnly = agreement(fp16Gpu, fp16Wasm, i);
    const secs = (r: Run | undefined) => {
      const ms = r?.results?.[i]?.decoderMs;
      return ms === undefined ? '-' : (ms / 1000).toFixed(1);
    };
    const reference = fp32Wasm.results?.[i];
    return {
      sample: item.sample,
      slice: item.index,
      structure: item.labels[structure],
      box: `${box.x0},${box.y0}-${box.x1},${box.y1}`,
      mask_px_fp32: reference ? fromBase64(reference.mask).reduce((n, v) => n + (v ? 1 : 0), 0) : '-',
      dice_fp16_webgpu_vs_fp32_wasm: fmtDice(vsWasm?.dice),
      logits_maxdiff_fp16_webgpu_vs_fp32_wasm: fmtDiff(vsWasm),
      dice_fp16_webgpu_vs_fp32_webgpu: fmtDice(vsGpu?.dice),
      logits_maxdiff_fp16_webgpu_vs_fp32_webgpu: fmtDiff(vsGpu),
      dice_fp16_wasm_vs_fp32_wasm: fmtDice(wasmOnly?.dice),
      logits_maxdiff_fp16_webgpu_vs_fp16_wasm: fmtDiff(backendOnly),
      fp16_webgpu_s: secs(fp16Gpu),
      fp32_webgpu_s: secs(fp32Gpu),
      wasm_s: `${secs(fp32Wasm)} / ${secs(fp16Wasm)}`,
      dispatches_fp16_webgpu: fp16Gpu.results?.[i]?.gpu.dispatches ?? '-',
    };
  });

  const fp16Dice = picks.map((_, i) => agreement(fp16Gpu, fp32Wasm, i)?.dice);
  const measured = fp16Dice.filter((d): d is number => d !== undefined);
  notes.push(
    measured.length
      ? `Mask Dice fp16 on WebGPU vs fp32 on wasm: min ${Math.min(...measured).toFixed(4)} over ${measured.length} boxes (target >= ${DICE_TARGET}: ${measured.every((d) => d >= DICE_TARGET) ? 'met' : 'MISSED'}).`
      : 'Mask Dice fp16 on WebGPU vs fp32: NOT MEASURED (see the failed runs below).',
    ...runs.map(
      (r) =>
        `${r.label}: ${r.error ? `failed: ${r.error}` : `${r.description}, decoder session ${((r.createMs ?? 0) / 1000).toFixed(1)} s`}.`,
    ),
    `Models: ${repoPath(dirs.fp32)} and ${repoPath(dirs.fp16)} (export/, random weights seed 0, --fft matmul; the fp16 folder stores its encoder's weights as float16, each followed by a Cast to float32, so it computes in fp32 and needs no shader-f16; its decoder is the fp32 graph, so on WebGPU the two folders differ only in the encoder outputs the decoder gets).`,
    `Cases: ${picks.length} boxes on ${encoded.fp32.size} slices of the bundled samples (bench/fidelity-cases.ts: slices spread over those with truth, truth bounding box + ${BOX_MARGIN} px). With random weights the masks do not resemble the organs; the figures bound how much fp16 storage and the WebGPU backend move them.`,
    "Path: each folder's encoder in onnxruntime-node; its outputs handed to the page, where ModelSegmenter.segment runs the prompt, the decoder (src/model/session-web.ts webSessionFactory: allowFallbackAdapter -> onnxruntime-web/webgpu native EP; {} -> wasm, 1 thread) and the postprocessing. Dice on the slice-grid masks; logits are the 256 x 256 low-res ones (max |diff| absolute, then relative to the reference's max |logit|).",
  );
  return {
    title: 'fp16 model folder on WebGPU (chromium SwiftShader) vs fp32: ViT-B robust decoder, random weights',
    columns: Object.keys(rows[0] ?? {}),
    rows,
    notes,
  };
}
