/**
 * The first box after a page reload, with and without remembered encodings, in the real viewer:
 * Debian chromium, the bundled CT, neighbour pre-encoding off, the box dragged as soon as the series
 * is shown. Without: the store is off (bound 0), so that box waits for the encoder. With: the slice
 * was encoded before the reload and is read back from the origin-private file system (float16) instead.
 * Engines: the tiny fixture model always; the full-size ViT-B robust model (random weights) when
 * ROBUSTMEDSAM_BENCH_VIT_B=1 (its wasm encoder takes tens of seconds a slice on 2 cores).
 */
import { loadavg } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { MouseUpTiming } from '../extension/src/session.ts';
import type { EncodingsStats } from '../src/cornerstone/worker/protocol.ts';
import {
  chooseEngine,
  dragImageBox,
  openSeries,
  openViewer,
  reloadViewer,
  startViewer,
  TINY,
  type ViewerWindow,
} from '../test/e2e/viewer-harness.ts';
import type { BenchReport } from './report.ts';
import { percentile } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BOX = { x0: 150, y0: 170, x1: 330, y1: 340 };
const LONG = 900_000;

type BenchWindow = ViewerWindow & { __viewer: { timings(): MouseUpTiming[] } };

const stats = (page: Page): Promise<EncodingsStats> =>
  page.evaluate(() => (window as unknown as ViewerWindow).__viewer.encodings());

async function setting(page: Page, selector: string, value: string): Promise<void> {
  await page.fill(selector, value);
  await page.dispatchEvent(selector, 'change');
}

/** Engine chosen, pre-encoding off, remembered encodings on or off, the CT shown, one box: its timing. */
async function firstBox(
  page: Page,
  option: string,
  remember: boolean,
): Promise<{ ms: number; worker: Record<string, number>; stats: EncodingsStats }> {
  await setting(page, '#pre-encode', '0');
  await setting(page, '[data-testid="remembered-mb"]', remember ? '1024' : '0');
  await chooseEngine(page, option, LONG);
  await openSeries(page, 'ct-abdomen');
  await dragImageBox(page, BOX);
  await page.waitForFunction(() => (window as unknown as BenchWindow).__viewer.timings().length > 0, null, {
    timeout: LONG,
  });
  const [t] = await page.evaluate(() => (window as unknown as BenchWindow).__viewer.timings());
  return { ms: t.previewAt - t.mouseUpAt, worker: t.workerTimings, stats: await stats(page) };
}

async function measure(url: string, option: string, reloads: number) {
  const viewer = await openViewer(url);
  const { page } = viewer;
  const without: Array<Awaited<ReturnType<typeof firstBox>>> = [];
  const withStore: typeof without = [];
  try {
    // The first visit encodes the slice and remembers it.
    await firstBox(page, option, true);
    const deadline = Date.now() + LONG;
    while (((await stats(page)).stored?.entries ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error('the encoding was never stored');
      await page.waitForTimeout(100);
    }
    for (let i = 0; i < reloads; i++) {
      await reloadViewer(viewer);
      withStore.push(await firstBox(page, option, true));
      // Off: a bound of 0 evicts every stored encoding, so this box waits for the encoder.
      await reloadViewer(viewer);
      without.push(await firstBox(page, option, false));
      // Remember the slice again for the next round (memory too is cleared, so the encoder runs once more).
      await setting(page, '[data-testid="remembered-mb"]', '1024');
      await page.evaluate(() => (window as unknown as ViewerWindow).__viewer.state.session.clearEncodings());
      await page.keyboard.press('Escape');
      await dragImageBox(page, BOX);
      const until = Date.now() + LONG;
      while (((await stats(page)).stored?.entries ?? 0) < 1) {
        if (Date.now() > until) throw new Error('the encoding was never stored again');
        await page.waitForTimeout(100);
      }
    }
    const engine = (await page.textContent('#status-engine')) ?? '';
    return { without, withStore, backend: engine.split(' · ')[1] ?? '' };
  } finally {
    await viewer.close();
  }
}

export default async function persistedEncodings(): Promise<BenchReport> {
  const folders: Array<[string, string, number]> = [['tiny fixture (tiny-robust)', TINY, 5]];
  if (process.env.ROBUSTMEDSAM_BENCH_VIT_B === '1')
    folders.push([
      'ViT-B robust, random weights',
      vitBModelFolder('robust', 'matmul'),
      Number(process.env.ROBUSTMEDSAM_BENCH_VIT_B_RELOADS ?? 2),
    ]);
  const loadBefore = loadavg()[0];
  const rows: BenchReport['rows'] = [];
  for (const [name, folder, reloads] of folders) {
    const server = await startViewer({ samples: resolve(REPO, 'sample-dicom'), models: dirname(folder) });
    try {
      console.log(`bench persisted-encodings: ${name}`);
      const { without, withStore, backend } = await measure(
        server.url,
        `./models/${basename(folder)}/`,
        reloads,
      );
      const row = (kind: string, runs: typeof without) => ({
        model: name,
        backend,
        'first box after reload': kind,
        reloads: runs.length,
        'p50 ms': percentile(
          runs.map((r) => r.ms),
          50,
        ),
        'max ms': Math.max(...runs.map((r) => r.ms)),
        'decoder ms (p50)': percentile(
          runs.map((r) => r.worker.decoder ?? 0),
          50,
        ),
        'encoder runs': runs.reduce((s, r) => s + r.stats.encoderRuns, 0),
        'remembered reads': runs.reduce((s, r) => s + r.stats.remembered, 0),
      });
      rows.push(row('not remembered (store off)', without), row('remembered (OPFS, fp16)', withStore));
    } finally {
      await server.close();
    }
  }
  return {
    title: 'First box after a page reload, with and without remembered encodings (chromium)',
    columns: [
      'model',
      'backend',
      'first box after reload',
      'reloads',
      'p50 ms',
      'max ms',
      'decoder ms (p50)',
      'encoder runs',
      'remembered reads',
    ],
    rows,
    notes: [
      "Each reload: the demo viewer reloaded in the same chromium profile, the model chosen again (its graphs from Cache Storage), neighbour pre-encoding off, the bundled 512x512 CT opened, and a box dragged as soon as the slice is shown. Time = the tool mouse-up -> preview on screen (next animation frame), the session's own measure.",
      '"not remembered": the bound set to 0 before the series opens, so the box waits for the encoder run the displayed slice started. "remembered": the slice was encoded before the reload and is read back from the origin-private file system (float16, widened to float32) instead; encoder runs counts the worker\'s encoder runs after each reload (0 expected).',
      "encoder/read/decoder ms are the worker's stage timings of that box; read ms is 0 where the shown slice's encoding had already been read into memory when the box came.",
      'Headless Debian chromium, --disable-gpu: onnxruntime-web on wasm with threads (the page is cross-origin isolated).',
      `Load average (1 min) on this shared 2-core machine: ${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after.`,
      ...(folders.length > 1
        ? [
            `ViT-B row: the fp32 robust model exported with the Fourier blocks as DFT matmuls (out/bench-models/vit_b-robust-matmul), ${folders[1][2]} reload(s) each way (ROBUSTMEDSAM_BENCH_VIT_B=1 ROBUSTMEDSAM_BENCH_VIT_B_RELOADS=${folders[1][2]}); an encoding is 6.3 MB in float16.`,
          ]
        : []),
    ],
  };
}
