/**
 * Click to updated preview in the real demo viewer (Debian chromium, onnxruntime-web in the viewer's
 * worker, wasm threads): a box on an encoded slice of the bundled CT, then include and exclude clicks
 * with the mouse, each re-running the decoder on box + points + the previous low-res logits. Full-size
 * random-weight ViT-B RobustSAM decoder (its Fourier blocks as matrix products, the export default) and
 * the model-free engine. Two clocks: from the tool's click handler (what the engine path costs, as for
 * boxes), and from the physical mouse-up (what the user waits, Cornerstone's double-click window
 * included).
 */
import { loadavg } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { MouseUpTiming as Timing } from '../extension/src/session.ts';
import { startViewer } from '../test/e2e/viewer-harness.ts';
import {
  boxes,
  demoEngine,
  demoTimings,
  demoToClient,
  openEncodedDemo,
  TIMING_COLUMNS,
  timingRow,
} from './mouse-up.ts';
import { type BenchReport, percentile } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLICKS = Number(process.env.ROBUSTMEDSAM_BENCH_CLICKS ?? 16);
const CLICKS_PER_BOX = 4;
const WARM_UP_CLICKS = 2;

/** Deterministic click points inside a box: a plain click (include) twice, then a Shift+click (exclude). */
function clicksIn(box: [number, number, number, number], count: number) {
  const [x1, y1, x0, y0] = box;
  return Array.from({ length: count }, (_, k) => ({
    x: Math.round(x0 + (((k * 37 + 11) % 97) / 97) * (x1 - x0)),
    y: Math.round(y0 + (((k * 53 + 29) % 89) / 89) * (y1 - y0)),
    exclude: k % 3 === 2,
  }));
}

async function measureClicks(page: Page): Promise<{ timings: Timing[]; physical: number[] }> {
  // The physical mouse-up, before Cornerstone's listeners (which hold a click for its double-click window).
  await page.evaluate(() => {
    const w = window as unknown as { __mouseUps: number[] };
    w.__mouseUps = [];
    document.addEventListener('mouseup', () => w.__mouseUps.push(performance.now()), { capture: true });
  });
  const toClient = demoToClient(page);
  const timings: Timing[] = [];
  const physical: number[] = [];
  const total = WARM_UP_CLICKS + CLICKS;
  const boxCount = Math.ceil(total / CLICKS_PER_BOX);
  let done = 0;
  for (const box of boxes(boxCount)) {
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 600_000;
      while ((await demoTimings(page)).length < n) {
        if (Date.now() > deadline) throw new Error('no preview');
        await page.waitForTimeout(10);
      }
    };
    let seen = (await demoTimings(page)).length;
    const [a, b] = [await toClient(box[0], box[1]), await toClient(box[2], box[3])];
    await page.mouse.move(a[0], a[1]);
    await page.mouse.down();
    await page.mouse.move(b[0], b[1], { steps: 4 });
    await page.mouse.up();
    await waitFor(++seen);
    for (const click of clicksIn(box, Math.min(CLICKS_PER_BOX, total - done))) {
      const [cx, cy] = await toClient(click.x, click.y);
      await page.mouse.move(cx, cy);
      if (click.exclude) await page.keyboard.down('Shift');
      await page.mouse.down();
      await page.mouse.up();
      if (click.exclude) await page.keyboard.up('Shift');
      await waitFor(++seen);
      const timing = (await demoTimings(page)).at(-1)!;
      const mouseUp = await page.evaluate(
        () => (window as unknown as { __mouseUps: number[] }).__mouseUps.at(-1)!,
      );
      if (done++ >= WARM_UP_CLICKS) {
        timings.push(timing);
        physical.push(timing.previewAt - mouseUp);
      }
    }
    await page.keyboard.press('Escape');
  }
  return { timings, physical };
}

export default async function clickToPreview(): Promise<BenchReport> {
  const robust = vitBModelFolder('robust', 'matmul');
  const loadBefore = loadavg()[0];
  const server = await startViewer({ samples: resolve(REPO, 'sample-dicom'), models: dirname(robust) });
  const rows: BenchReport['rows'] = [];
  try {
    const engines: Array<[string, string]> = [
      ['model-free classical engine', ''],
      [
        'ViT-B RobustSAM decoder (random weights), Fourier blocks as DFT matmuls',
        `./models/${basename(robust)}/`,
      ],
    ];
    for (const [name, option] of engines) {
      console.log(`bench click-to-preview: ${name}`);
      const viewer = await openEncodedDemo(server.url, option);
      try {
        const { timings, physical } = await measureClicks(viewer.page);
        if (timings.some((t) => t.cause !== 'point')) throw new Error('a measured preview was not a click');
        const { boxes: clicks, ...row } = timingRow(timings);
        rows.push({
          engine: name,
          backend: (await demoEngine(viewer.page)).backend,
          clicks,
          ...row,
          'from physical mouse-up p50 ms': percentile(physical, 50),
          'from physical mouse-up p95 ms': percentile(physical, 95),
        });
      } finally {
        await viewer.close();
      }
    }
  } finally {
    await server.close();
  }
  return {
    title: 'Click to updated preview in the demo viewer (chromium, encoded slice)',
    columns: [
      'engine',
      'backend',
      'clicks',
      ...TIMING_COLUMNS.filter((c) => c !== 'boxes'),
      'from physical mouse-up p50 ms',
      'from physical mouse-up p95 ms',
    ],
    rows,
    notes: [
      `${CLICKS} clicks after ${WARM_UP_CLICKS} warm-up clicks, ${CLICKS_PER_BOX} per box (every third a Shift+click exclude point), each waiting for its preview; a new box (and Esc) every ${CLICKS_PER_BOX} clicks. Each click re-runs the decoder with the box, all points so far and the previous low-res logits as mask_input.`,
      "p50 / p95 and the split columns are measured as for boxes (bench/results/mouse-up-to-preview.md): from the tool's click handler to the first animation frame after the preview was written and rendered.",
      "The physical columns start at the DOM mouse-up instead. Cornerstone3D holds every single click until its double-click window (400 ms after mouse-down) has passed before any tool sees it, so about 400 ms minus the click's own duration comes before the engine starts; that is Cornerstone's, the same for its own tools.",
      'Headless Debian chromium with --disable-gpu: onnxruntime-web runs wasm with threads (the page is cross-origin isolated); Cornerstone renders through WebGL on SwiftShader (software), which is most of render + frame.',
      `Load average (1 min) on this 2-core machine: ${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after.`,
    ],
  };
}
