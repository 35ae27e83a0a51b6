/**
 * Remembered encodings in Debian's chromium, on the browser's real origin-private file system, with the
 * demo viewer and the tiny fixture model:
 *  - a box on the CT's middle slice (its neighbours are pre-encoded too), then a page reload: the same
 *    box gives the same mask with no encoder run (the worker counts its encoder runs and the encodings
 *    it read back);
 *  - a smaller bound set in the settings panel evicts at once, least recently used first, and a newly
 *    encoded slice evicts the oldest of what is left;
 *  - the origin's quota cut below what one encoding needs (DevTools protocol): one message, the store
 *    turns memory-only, boxes still work, no second message;
 *  - Clear empties the store.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTools } from '../helpers/tools.ts';
import {
  CHROMIUM,
  CT,
  chooseEngine,
  currentIndex,
  dragImageBox,
  encodingsStats,
  openSeries,
  openViewer,
  overrideQuota,
  reloadViewer,
  SAMPLES,
  screenshot,
  scrollSlices,
  startViewer,
  TINY,
  type ViewerBrowser,
  type ViewerServer,
  type ViewerWindow,
  waitForPreview,
} from './viewer-harness.ts';

const missing = missingTools({ paths: [CHROMIUM, CT, join(TINY, 'model.json')] });
const MODEL = './models/tiny-robust/';
/** A box in image pixels of the 512x512 CT. */
const BOX = { x0: 150, y0: 170, x1: 330, y1: 340 };
/** Encodings the viewer makes on opening a series: the slice shown and 2 on each side (the default). */
const PRE_ENCODED = 5;
const MB = 2 ** 20;

/** The preview's pixels (label value 255) on slice `index`, as pixel indices. */
async function previewPixels(page: Page, index: number): Promise<number[]> {
  const values = await page.evaluate(
    (i) => (window as unknown as ViewerWindow).__viewer.labelmapSlice(i),
    index,
  );
  return values.flatMap((v, i) => (v === 255 ? [i] : []));
}

const notices = (page: Page) => page.evaluate(() => (window as unknown as ViewerWindow).__viewer.notices());

/** Polls the worker's stats until `done` holds (background writes land after the mask). */
async function statsWhen(page: Page, done: (s: Awaited<ReturnType<typeof encodingsStats>>) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const stats = await encodingsStats(page);
    if (done(stats)) return stats;
    if (Date.now() > deadline)
      throw new Error(`encodings never reached the state wanted: ${JSON.stringify(stats)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(missing)('remembered encodings in chromium (origin-private file system)', () => {
  let server: ViewerServer;
  let modelsRoot = '';
  let viewer: ViewerBrowser;

  beforeAll(async () => {
    modelsRoot = mkdtempSync(join(tmpdir(), 'robustmedsam-models-'));
    cpSync(TINY, join(modelsRoot, 'tiny-robust'), { recursive: true });
    server = await startViewer({ samples: SAMPLES, models: modelsRoot });
    viewer = await openViewer(server.url);
  }, 300_000);

  afterAll(async () => {
    await viewer?.close();
    await server?.close();
    if (modelsRoot) rmSync(modelsRoot, { recursive: true, force: true });
  });

  it('after a reload the same box gives the same mask with no encoder run', async () => {
    const { page } = viewer;
    const started = Date.now();
    await chooseEngine(page, MODEL);
    await openSeries(page, 'ct-abdomen');
    const index = await currentIndex(page);
    await dragImageBox(page, BOX);
    await waitForPreview(page, 1);
    const before = await previewPixels(page, index);
    expect(before.length).toBeGreaterThan(0);
    const first = await statsWhen(page, (s) => (s.stored?.entries ?? 0) >= PRE_ENCODED);
    expect(first.stored).toMatchObject({ state: 'on', entries: PRE_ENCODED });
    expect(first.encoderRuns).toBe(PRE_ENCODED);
    expect(first.remembered).toBe(0);
    // float16: 2 bytes a value (tiny fixture: 64x64x64 + 8x256x256 values), plus a small header.
    expect(first.stored!.bytes / PRE_ENCODED).toBeGreaterThan(2 * (64 ** 3 + 8 * 256 ** 2));
    expect(first.stored!.bytes / PRE_ENCODED).toBeLessThan(2 * (64 ** 3 + 8 * 256 ** 2) + 1024);
    const firstMs = (await page.evaluate(() =>
      (window as unknown as ViewerWindow).__viewer.lastPreview(),
    )) as {
      timings: Record<string, number>;
    };
    console.log(`first visit: preview timings ${JSON.stringify(firstMs.timings)}`);

    await reloadViewer(viewer);
    await chooseEngine(page, MODEL);
    await openSeries(page, 'ct-abdomen');
    expect(await currentIndex(page)).toBe(index);
    await dragImageBox(page, BOX);
    await waitForPreview(page, 1);
    expect(await previewPixels(page, index)).toEqual(before);
    const second = await statsWhen(page, (s) => s.remembered >= PRE_ENCODED);
    expect(second.encoderRuns).toBe(0);
    expect(second.remembered).toBe(PRE_ENCODED);
    expect(second.stored!.entries).toBe(PRE_ENCODED);
    await screenshot(page, 'remembered-after-reload');
    console.log(`reload round done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 300_000);

  it('a smaller bound evicts the least recently used at once; a new encoding evicts the oldest left', async () => {
    const { page } = viewer;
    const before = await encodingsStats(page);
    const entry = before.stored!.bytes / before.stored!.entries;
    // Room for two entries, not three.
    await page.fill('[data-testid="remembered-mb"]', String((2.5 * entry) / MB));
    await page.dispatchEvent('[data-testid="remembered-mb"]', 'change');
    const bounded = await statsWhen(page, (s) => s.stored!.entries === 2);
    expect(bounded.stored!.maxBytes).toBe(Math.round(((2.5 * entry) / MB) * MB));
    expect(bounded.stored!.keys).toEqual(before.stored!.keys.slice(-2));
    await page.waitForFunction(
      () => document.querySelector('[data-testid="remembered-stats"]')?.getAttribute('data-entries') === '2',
    );

    // One slice on: one new neighbour is encoded and stored; the oldest of the two goes.
    await scrollSlices(page, 1);
    const after = await statsWhen(
      page,
      (s) => s.encoderRuns === 1 && !s.stored!.keys.includes(bounded.stored!.keys[0]),
    );
    expect(after.stored!.entries).toBe(2);
    expect(after.stored!.keys[0]).toBe(bounded.stored!.keys[1]);
    expect(before.stored!.keys).not.toContain(after.stored!.keys[1]);
    expect(after.stored!.bytes).toBeLessThanOrEqual(after.stored!.maxBytes);
  }, 120_000);

  it('a quota error: one message, memory only, boxes still work; Clear empties the store', async () => {
    const { page } = viewer;
    // Below what the origin already holds (the model's graphs, two encodings): no file may grow. (A
    // quota just above the usage would not do: a new encoding first evicts one of the same size.)
    const restoreQuota = await overrideQuota(viewer, 1 * MB);
    try {
      const runs = (await encodingsStats(page)).encoderRuns;
      await scrollSlices(page, 1);
      await page.waitForFunction(
        () => (window as unknown as ViewerWindow).__viewer.notices().length > 0,
        null,
        {
          timeout: 60_000,
        },
      );
      const told = await notices(page);
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/quota exceeded/);
      expect(await page.textContent('[data-testid="message"]')).toMatch(/Remembered encodings are off/);
      const stats = await encodingsStats(page);
      expect(stats.encoderRuns).toBeGreaterThan(runs);
      expect(stats.stored!.state).toBe('memory-only');

      // Boxes still work, from the encodings in memory; more encodes bring no second message.
      await dragImageBox(page, BOX);
      await waitForPreview(page, 2);
      expect((await previewPixels(page, await currentIndex(page))).length).toBeGreaterThan(0);
      await scrollSlices(page, 1);
      await statsWhen(page, (s) => s.encoderRuns > stats.encoderRuns);
      expect(await notices(page)).toHaveLength(1);
      await screenshot(page, 'remembered-quota');
    } finally {
      await restoreQuota();
    }

    // Clear: the store's files go and it is on again.
    await page.click('[data-testid="clear-encodings"]');
    await page.waitForFunction(() => document.getElementById('message')?.textContent?.startsWith('Cleared'));
    const cleared = await encodingsStats(page);
    expect(cleared.stored).toMatchObject({ state: 'on', entries: 0, bytes: 0 });
    const files = await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle('robustmedsam-encodings-v1');
      const names: string[] = [];
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      return names;
    });
    expect(files.filter((f) => f.endsWith('.emb'))).toEqual([]);
    expect(viewer.consoleErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
  }, 120_000);
});
