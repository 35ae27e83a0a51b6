/**
 * The plain demo opens JPEG 2000 and JPEG-LS series from files: its own series reader decodes them in
 * the browser with the codecs Cornerstone ships (extension/demo/image-codecs.ts), to the same pixels as
 * the CLI reads in Node (test/dicom/codecs.test.ts holds those against pydicom).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageCodecs } from '../../src/dicom/codecs-node.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import {
  CHROMIUM,
  openFiles,
  openViewer,
  startViewer,
  type ViewerServer,
  type ViewerWindow,
} from './viewer-harness.ts';

const PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const FILES = ['MR_small_jp2klossless.dcm', 'MR_small_jpeg_ls_lossless.dcm'].map((f) =>
  join(PYDICOM_FILES, f),
);
const missing = missingTools({ paths: [CHROMIUM, ...FILES] });

describe.skipIf(missing)('the plain demo on JPEG 2000 and JPEG-LS files', () => {
  let server: ViewerServer;
  beforeAll(async () => {
    server = await startViewer({ samples: resolve(REPO_ROOT, 'sample-dicom') });
    await loadImageCodecs();
  }, 300_000);
  afterAll(async () => {
    await server?.close();
  });

  it('opens each and reads the pixels Node reads', async () => {
    const viewer = await openViewer(server.url);
    try {
      for (const file of FILES) {
        await openFiles(viewer.page, [file]);
        expect(await viewer.page.textContent('[data-testid="series-info"]')).toMatch(
          /^MR · 1 slices · 64×64/,
        );
        const inBrowser = await viewer.page.evaluate(() =>
          Array.from((window as unknown as ViewerWindow).__viewer.state.loaded!.read!.slices[0].values),
        );
        const inNode = readSeries([{ name: file, bytes: new Uint8Array(readFileSync(file)) }]).slices[0]
          .values;
        expect(inBrowser).toEqual(Array.from(inNode));
      }
      expect(viewer.consoleErrors).toEqual([]);
    } finally {
      await viewer.close();
    }
  }, 300_000);
});
