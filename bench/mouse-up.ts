/**
 * Mouse-up to preview, measured the same way in every host: deterministic boxes dragged with the mouse
 * in chromium, each timed by the RobustMedSAM session from the tool's mouse-up handler to the first
 * animation frame after the preview was written and rendered (session.timings), then summarised per
 * engine with the split of where the time went.
 */
import type { Page } from 'playwright-core';
import type { MouseUpTiming as Timing } from '../extension/src/session.ts';
import { openSeries, openViewer, type ViewerBrowser } from '../test/e2e/viewer-harness.ts';
import { percentile } from './report.ts';

export const BOXES = Number(process.env.ROBUSTMEDSAM_BENCH_BOXES ?? 12);
export const WARM_UP = 2;

type BenchWindow = {
  __viewer: { timings(): Timing[]; imageToClient(x: number, y: number): [number, number] };
};

/** Deterministic boxes inside the body of the phantom (pixel coordinates on a 512x512 slice). */
export function boxes(count: number): Array<[number, number, number, number]> {
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const x = 150 + next() * 150;
    const y = 160 + next() * 120;
    const w = 40 + next() * 80;
    const h = 40 + next() * 80;
    return [x + w, y + h, x, y];
  });
}

/**
 * The plain demo viewer at `url` with the engine chosen in its Engine list (`engineOption`) and the
 * bundled CT open, its first slice encoded. Only the slice shown is encoded: the benchmarks are about
 * the per-box and per-click path.
 */
export async function openEncodedDemo(url: string, engineOption: string): Promise<ViewerBrowser> {
  const viewer = await openViewer(url);
  const { page } = viewer;
  await page.fill('#pre-encode', '0');
  await page.dispatchEvent('#pre-encode', 'change');
  if (engineOption) {
    await page.selectOption('[data-testid="engine-select"]', engineOption);
    await page.waitForFunction(() => document.getElementById('engine-badge')?.className === 'model', null, {
      timeout: 900_000,
    });
  }
  await openSeries(page, 'ct-abdomen');
  await page.waitForFunction(
    () => document.getElementById('status-progress')?.textContent?.startsWith('Encoded'),
    null,
    { timeout: 900_000 },
  );
  return viewer;
}

/** Page coordinates of an image pixel in the demo. */
export const demoToClient =
  (page: Page) =>
  (x: number, y: number): Promise<[number, number]> =>
    page.evaluate(([px, py]) => (window as unknown as BenchWindow).__viewer.imageToClient(px, py), [x, y]);

/** The demo's session timings (one per box or click preview). */
export const demoTimings = (page: Page): Promise<Timing[]> =>
  page.evaluate(() => (window as unknown as BenchWindow).__viewer.timings());

/** The engine and backend the demo's status line names. */
export async function demoEngine(page: Page): Promise<{ label: string; backend: string }> {
  const engine = (await page.textContent('#status-engine')) ?? '';
  const [label, backend] = engine.replace(/^Engine: /, '').split(' · ');
  return { label, backend };
}

/** The plain demo viewer at `url`: the engine chosen in its Engine list (`engineOption`), the bundled CT. */
export async function measureDemo(
  url: string,
  engineOption: string,
): Promise<{ timings: Timing[]; backend: string; label: string }> {
  const viewer = await openEncodedDemo(url, engineOption);
  const { page } = viewer;
  try {
    const timings = await dragBoxes(
      page,
      demoToClient(page),
      () => demoTimings(page),
      () => page.keyboard.press('Escape'),
    );
    return { timings, ...(await demoEngine(page)) };
  } finally {
    await viewer.close();
  }
}

/** Drags `count` boxes (after the warm-up ones) and returns the session's timings of the measured ones. */
export async function dragBoxes(
  page: Page,
  toClient: (x: number, y: number) => Promise<[number, number]>,
  timings: () => Promise<Timing[]>,
  reject: () => Promise<void>,
): Promise<Timing[]> {
  const all = boxes(WARM_UP + BOXES);
  const before = (await timings()).length;
  for (let k = 0; k < all.length; k++) {
    const [x0, y0, x1, y1] = all[k];
    const a = await toClient(x0, y0);
    const b = await toClient(x1, y1);
    await page.mouse.move(a[0], a[1]);
    await page.mouse.down();
    await page.mouse.move(b[0], b[1], { steps: 4 });
    await page.mouse.up();
    const deadline = Date.now() + 600_000;
    while ((await timings()).length < before + k + 1) {
      if (Date.now() > deadline) throw new Error(`no preview for box ${k + 1}`);
      await page.waitForTimeout(20);
    }
    await reject();
  }
  return (await timings()).slice(before + WARM_UP);
}

/** One table row: p50/p95 of mouse-up to preview and the medians of its parts. */
export function timingRow(timings: Timing[]): Record<string, number> {
  const total = timings.map((t) => t.previewAt - t.mouseUpAt);
  const median = (f: (t: Timing) => number) => percentile(timings.map(f), 50);
  const stage = (key: string) => median((t) => t.workerTimings[key] ?? 0);
  const workerOther = (t: Timing) =>
    ['prompt', 'preprocess', 'postprocess', 'compose', 'queued'].reduce(
      (sum, k) => sum + (t.workerTimings[k] ?? 0),
      0,
    );
  return {
    boxes: timings.length,
    'p50 ms': percentile(total, 50),
    'p95 ms': percentile(total, 95),
    'to request ms': median((t) => t.requestedAt - t.mouseUpAt),
    'worker round trip ms': median((t) => t.repliedAt - t.requestedAt),
    'decoder ms': stage('decoder') || stage('solve'),
    'worker other ms': median(workerOther),
    'write ms': median((t) => t.writtenAt - t.repliedAt),
    'render + frame ms': median((t) => t.previewAt - t.writtenAt),
  };
}

export const TIMING_COLUMNS = [
  'boxes',
  'p50 ms',
  'p95 ms',
  'to request ms',
  'worker round trip ms',
  'decoder ms',
  'worker other ms',
  'write ms',
  'render + frame ms',
];
