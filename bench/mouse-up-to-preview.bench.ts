/**
 * Mouse-up to preview in the real viewer: Debian chromium (headless, onnxruntime-web in the viewer's
 * worker, wasm threads as the page is cross-origin isolated), the bundled CT, a slice already encoded,
 * boxes dragged with the mouse. Measured from the tool's mouse-up handler to the first animation frame
 * after the preview was written and rendered, on full-size random-weight ViT-B decoders (SAM, and the
 * RobustSAM decoder with its Fourier blocks exported either way) and the model-free engine. Target: p50 <= 100 ms.
 */
import { loadavg } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startViewer } from '../test/e2e/viewer-harness.ts';
import { BOXES, measureDemo, TIMING_COLUMNS, timingRow, WARM_UP } from './mouse-up.ts';
import type { BenchReport } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export default async function mouseUpToPreview(): Promise<BenchReport> {
  const sam = vitBModelFolder('sam');
  const robustMatmul = vitBModelFolder('robust', 'matmul');
  const robustDft = vitBModelFolder('robust', 'dft-op');
  const loadBefore = loadavg()[0];
  const server = await startViewer({ samples: resolve(REPO, 'sample-dicom'), models: dirname(sam) });
  const rows: BenchReport['rows'] = [];
  try {
    const only = process.env.ROBUSTMEDSAM_BENCH_ENGINES?.split(',');
    const engines: Array<[string, string]> = (
      [
        ['model-free classical engine', ''],
        ['ViT-B SAM decoder (random weights)', `./models/${basename(sam)}/`],
        ['ViT-B RobustSAM decoder, Fourier blocks as DFT matmuls', `./models/${basename(robustMatmul)}/`],
        ['ViT-B RobustSAM decoder, Fourier blocks as ONNX DFT ops', `./models/${basename(robustDft)}/`],
      ] as Array<[string, string]>
    ).filter(([name]) => !only || only.some((o) => name.includes(o)));
    for (const [name, option] of engines) {
      console.log(`bench mouse-up-to-preview: ${name}`);
      const { timings, backend } = await measureDemo(server.url, option);
      rows.push({ engine: name, backend, ...timingRow(timings) });
    }
  } finally {
    await server.close();
  }
  return {
    title: 'Mouse-up to preview in the demo viewer (chromium, encoded slice)',
    columns: ['engine', 'backend', ...TIMING_COLUMNS],
    rows,
    notes: [
      'Target: p50 <= 100 ms from mouse-up to the preview on screen, once the slice is encoded.',
      'Measured in headless Debian chromium (--disable-gpu: no WebGPU adapter, so onnxruntime-web runs wasm with threads, the page being cross-origin isolated), on the bundled 512x512 CT, with the current slice encoded before the first box and neighbour pre-encoding off.',
      'Time = tool mouse-up handler -> preview written to the labelmap, viewport rendered, next animation frame. The other columns are medians of its parts: mouse-up -> request posted to the worker (main thread); the worker round trip, of which the decoder run (or the classical solver) and the rest of the worker (prompt, pre/postprocessing, composing the labelmap slice, waiting in the queue); writing the slice into the labelmap and announcing it; rendering until the next animation frame.',
      `Load average (1 min) on this 2-core machine: ${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after; other jobs shared the cores, so absolute numbers are pessimistic and the split shows where the time goes.`,
      'render + frame is Cornerstone3D rendering the labelmap through WebGL on SwiftShader (software, on the CPU) in headless chromium; with a GPU it is one frame.',
      `${BOXES} boxes after ${WARM_UP} warm-up boxes, dragged bottom-right to top-left, rejected (Esc) between boxes.`,
    ],
  };
}
