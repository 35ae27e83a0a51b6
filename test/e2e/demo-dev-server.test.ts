/**
 * The plain Cornerstone3D demo as `npm run viewer` serves it: Vite's dev server, which serves
 * dependencies unbundled (unlike `vite build`, which the other viewer suites use). The page must load
 * without errors, offer the bundled samples, show the CT, and segment a box.
 */
import { resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import {
  CHROMIUM,
  dragImageBox,
  openFiles,
  openSeries,
  openViewer,
  screenshot,
  VIEWER_CONFIG,
} from './viewer-harness.ts';

const J2K = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small_jp2klossless.dcm';
const missing = missingTools({ paths: [CHROMIUM, resolve(REPO_ROOT, 'sample-dicom/ct-abdomen')] });
/** pydicom's JPEG 2000 test file (Debian's python3-pydicom); that step alone needs it. */
const missingJ2k = missingTools({ paths: [J2K] });

describe.skipIf(missing)('the plain demo on the dev server (npm run viewer)', () => {
  let server: ViteDevServer;

  beforeAll(async () => {
    delete process.env.ROBUSTMEDSAM_MODELS;
    process.env.ROBUSTMEDSAM_SAMPLES = resolve(REPO_ROOT, 'sample-dicom');
    server = await createServer({
      configFile: VIEWER_CONFIG,
      logLevel: 'error',
      server: { port: 0, host: '127.0.0.1', strictPort: false },
    });
    await server.listen();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('loads without page errors, offers the samples, shows the CT and segments a box', async () => {
    const url = server.resolvedUrls?.local[0];
    expect(url).toBeTruthy();
    const viewer = await openViewer(url!);
    const { page } = viewer;
    try {
      expect(await page.locator('[data-testid="series-select"] option').allTextContents()).toEqual([
        '— choose a bundled series —',
        'ct-abdomen (40 files)',
        'mr-brain (30 files)',
      ]);
      await openSeries(page, 'ct-abdomen');
      await dragImageBox(page, { x0: 120, y0: 150, x1: 260, y1: 330 });
      await page.waitForSelector('[data-testid="status-result"][data-preview-count="1"]', {
        state: 'attached',
        timeout: 120_000,
      });
      await screenshot(page, 'dev-server-preview');
      // Served unbundled, the JPEG 2000 codec must still start (image-codecs.ts).
      if (!missingJ2k) {
        await openFiles(page, [J2K]);
        expect(await page.textContent('[data-testid="series-info"]')).toMatch(/^MR · 1 slices · 64×64/);
      }
      expect(viewer.consoleErrors).toEqual([]);
    } finally {
      await viewer.close();
    }
  }, 300_000);
});
