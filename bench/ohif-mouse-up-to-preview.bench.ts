/**
 * Mouse-up to preview inside the real OHIF Viewer 3.13 (the extension as `npm run build:ohif` builds
 * it, on OHIF's own Cornerstone 5.6.8), beside the same figure in the plain Cornerstone3D demo, in one
 * run: the model-free engine, the tiny fixture model and the full-size random-weight ViT-B RobustSAM
 * decoder. Same boxes, same timing (the session's, mouse-up handler to the first frame after the preview
 * is rendered), neighbour pre-encoding off in both hosts, the slice encoded by the warm-up boxes.
 */

import { cpSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MouseUpTiming as Timing } from '../extension/src/session.ts';
import {
  buildOhifExtension,
  imageToClient,
  SESSION,
  serveOhif,
  waitForSeries,
} from '../test/e2e/ohif-harness.ts';
import { openViewer, startViewer } from '../test/e2e/viewer-harness.ts';
import { BOXES, dragBoxes, measureDemo, TIMING_COLUMNS, timingRow, WARM_UP } from './mouse-up.ts';
import type { BenchReport } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function measureOhif(url: string, engine: 'classical' | 'model') {
  const viewer = await openViewer(url, '[data-cy="addSegmentation"]');
  const { page } = viewer;
  try {
    await waitForSeries(page, 40);
    await page.waitForFunction(`${SESSION}.client.status?.info.engine === '${engine}'`, null, {
      timeout: 900_000,
    });
    await page.click('[data-cy="addSegmentation"]');
    await page.click('[data-cy="RobustMedSamBoxPrompt-btn"]');
    const timings = await dragBoxes(
      page,
      (x, y) => imageToClient(page, x, y),
      () => page.evaluate(`${SESSION}.timings`) as Promise<Timing[]>,
      () => page.evaluate("window.commandsManager.runCommand('robustmedsamReject')").then(() => undefined),
    );
    const backend = (await page.evaluate(`${SESSION}.client.status.info.backend`)) as string;
    return { timings, backend };
  } finally {
    await viewer.close();
  }
}

export default async function ohifMouseUpToPreview(): Promise<BenchReport> {
  // One models root for both hosts: the ViT-B folder's own (out/bench-models), with the tiny fixture
  // copied in (the demo's model list does not follow links).
  const vitB = vitBModelFolder('robust', 'matmul');
  const models = dirname(vitB);
  cpSync(resolve(REPO, 'test/fixtures/models/tiny-robust'), join(models, 'tiny-robust'), { recursive: true });
  const loadBefore = loadavg()[0];
  const bundle = await buildOhifExtension();
  const samples = resolve(REPO, 'sample-dicom');
  const demo = await startViewer({ samples, models });
  const rows: BenchReport['rows'] = [];
  try {
    const engines: Array<[string, string | null]> = [
      ['model-free classical engine', null],
      ['tiny fixture model (robust decoder)', 'tiny-robust'],
      ['ViT-B RobustSAM decoder (random weights)', basename(vitB)],
    ];
    for (const [name, folder] of engines) {
      console.log(`bench ohif-mouse-up-to-preview: ${name}`);
      const plain = await measureDemo(demo.url, folder ? `./models/${folder}/` : '');
      rows.push({
        engine: name,
        host: 'plain Cornerstone3D demo (5.14)',
        backend: plain.backend,
        ...timingRow(plain.timings),
      });
      const ohif = await serveOhif(bundle.dir, {
        samples,
        models,
        modelUrl: folder ? `/models/${folder}/` : null,
        customizations: { 'robustmedsam.slicesToPreEncode': 0 },
      });
      try {
        const study = ohif.studies.find((s) => s.id === 'ct-abdomen')!;
        const real = await measureOhif(
          `${ohif.url}${study.segmentationPath}`,
          folder ? 'model' : 'classical',
        );
        rows.push({
          engine: name,
          host: 'OHIF Viewer 3.13.2 (Cornerstone 5.6.8)',
          backend: real.backend,
          ...timingRow(real.timings),
        });
      } finally {
        await ohif.close();
      }
    }
  } finally {
    await demo.close();
    bundle.remove();
  }
  return {
    title: 'Mouse-up to preview: real OHIF Viewer 3.13 beside the plain demo (chromium, encoded slice)',
    columns: ['engine', 'host', 'backend', ...TIMING_COLUMNS],
    rows,
    notes: [
      'Target: p50 <= 100 ms from mouse-up to the preview on screen, once the slice is encoded.',
      'Both hosts in headless Debian chromium (--disable-gpu: no WebGPU adapter, so onnxruntime-web runs wasm, with threads: both pages are served cross-origin isolated), the bundled 512x512 CT, neighbour pre-encoding off; the warm-up boxes encode the slice.',
      "OHIF: the runtime extension bundle (npm run build:ohif) loaded by the prebuilt @ohif/app 3.13.2 from its app config, segmentation mode, boxes drawn with the box tool picked from OHIF's toolbar; preview rejected between boxes through OHIF's commandsManager.",
      "Time = tool mouse-up handler -> preview written to the labelmap, viewport rendered, next animation frame (the session's own timing in both hosts). The other columns are medians of its parts.",
      `Load average (1 min) on this 2-core machine: ${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after.`,
      "render + frame is Cornerstone3D rendering through WebGL on SwiftShader (software) in headless chromium. OHIF's p95 is higher: its segmentation panel recomputes segment statistics on the main thread one second after every labelmap change (a debounced handler in OHIF 3.13), which at times coincides with the next box.",
      `${BOXES} boxes after ${WARM_UP} warm-up boxes, dragged bottom-right to top-left, rejected between boxes.`,
    ],
  };
}
