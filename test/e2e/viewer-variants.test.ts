/**
 * The demo viewer in Debian's chromium on the two paths the main e2e suite does not take:
 *  - an enhanced multi-frame CT (one file, 40 frames) opened from disk: slice k shows frame k (the
 *    pixels src/dicom reads for that frame), a box drawn on a slice away from the middle is segmented
 *    on that slice's pixels, and the SEG refers to the multi-frame image's frames;
 *  - a volume viewport whose labelmap is one Cornerstone labelmap volume
 *    (`createAndCacheDerivedLabelmapVolume`): the preview and the accepted mask land in the voxels of
 *    the slice the box was drawn on (located through the volume's own geometry), show on screen, undo
 *    and redo, and export as a SEG.
 *  - a slice degraded with gaussian noise at severity 5 (`robustmedsam degrade`): the status line warns
 *    that the image around the box looks noisy, with the estimated severity; the clean CT stays silent.
 * All with the model-free classical engine. Screenshots of each step go to test-artifacts/e2e/.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import { segSeries } from '../../src/cornerstone/seg-compose.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { readSeries, type Series } from '../../src/dicom/series.ts';
import { readDicomFile, readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { boxAroundMask } from '../../src/model/mask-box.ts';
import type { Box } from '../../src/model/prompts.ts';
import { dice } from '../../src/robustness/metrics.ts';
import { expectSameSegSeries } from '../cornerstone/seg-series-compare.ts';
import { enhancedFrom } from '../dicom/enhanced-copy.ts';
import { degradedCopy } from '../helpers/degraded-ct.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { dciodvfyErrors } from '../helpers/validators.ts';
import {
  ARTIFACTS,
  CHROMIUM,
  currentIndex,
  dragImageBox,
  foreignRequests,
  labelVolume,
  openFiles,
  openSeries,
  openViewer,
  screenshot,
  scrollSlices,
  segSeriesFromMetadata,
  shownColour,
  startViewer,
  type ViewerBrowser,
  type ViewerServer,
  type ViewerWindow,
  waitForPreview,
} from './viewer-harness.ts';

const SAMPLES = resolve(REPO_ROOT, 'sample-dicom');
const CT = join(SAMPLES, 'ct-abdomen');
const CT_TRUTH = join(SAMPLES, 'ct-abdomen-truth.seg.dcm');
/** The classical engine's floor on the phantom (boxes from the truth + 5 px), as in viewer.test.ts. */
const MIN_DICE = 0.85;
const MARGIN = 5;

const missing = missingTools({ commands: ['dciodvfy'], paths: [CHROMIUM, CT, CT_TRUTH] });

interface PreviewDetail {
  referencedImageId: string;
  box: Box;
  changed: number;
}

const lastPreview = (page: Page) =>
  page.evaluate(() => (window as unknown as ViewerWindow).__viewer.lastPreview() as PreviewDetail);

/** Waits for the n-th preview of this page to be shown. */
const previewCount = (page: Page, n: number) =>
  page.waitForSelector(`[data-testid="status-result"][data-preview-count="${n}"]`, {
    state: 'attached',
    timeout: 60_000,
  });

/** A pixel of `mask` (one slice) with `radius` pixels of mask on every side: well inside the structure. */
function interiorPixel(
  mask: Uint8Array,
  rows: number,
  columns: number,
  radius = 4,
): { x: number; y: number } {
  for (let y = radius; y < rows - radius; y++)
    for (let x = radius; x < columns - radius; x++) {
      let inside = true;
      for (let d = -radius; d <= radius && inside; d++)
        inside =
          mask[(y + d) * columns + x] === 1 &&
          mask[y * columns + x + d] === 1 &&
          mask[(y + d) * columns + x + d] === 1;
      if (inside) return { x, y };
    }
  throw new Error('the mask has no interior pixel');
}

const differs = (a: number[], b: number[]) => a.some((v, i) => Math.abs(v - b[i]) > 2);

/** Exports the SEG with the toolbar, saves it as an artifact, and checks dciodvfy finds no error. */
async function exportSeg(page: Page, name: string): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid="tool-ExportSeg"]'),
  ]);
  const path = join(ARTIFACTS, `${name}.seg.dcm`);
  await download.saveAs(path);
  expect(dciodvfyErrors(path)).toEqual([]);
  return path;
}

describe.skipIf(missing)('demo viewer in chromium: enhanced multi-frame series, volume labelmap', () => {
  let server: ViewerServer;
  let classic: Series;
  let truth: { labels: string[]; masks: Uint8Array[] };
  let workDir = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    classic = readSeriesFromDirectory(CT);
    const parsed = parseSegmentation(readFileSync(CT_TRUTH), CT_TRUTH);
    truth = { labels: parsed.segments.map((s) => s.label), masks: masksForSeries(parsed, classic).masks };
    workDir = mkdtempSync(join(tmpdir(), 'robustmedsam-variants-'));
    server = await startViewer({ samples: SAMPLES });
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs one scenario in a fresh browser, with timed screenshots and a screenshot on failure. */
  const scenario = async (
    name: string,
    body: (viewer: ViewerBrowser, shot: (step: string) => Promise<string>) => Promise<void>,
  ) => {
    const started = Date.now();
    const viewer = await openViewer(server.url);
    const shot = (step: string) => {
      console.log(`${name}: ${step} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return screenshot(viewer.page, `${name}-${step}`);
    };
    try {
      await body(viewer, shot);
      expect(foreignRequests(viewer.requests, new URL(server.url).origin)).toEqual([]);
      writeFileSync(join(ARTIFACTS, `${name}-console.txt`), viewer.consoleErrors.join('\n'));
    } catch (error) {
      await shot('failure').catch(() => undefined);
      throw error;
    } finally {
      await viewer.close();
    }
  };

  it('a noisy series: the status line warns with the estimated severity; the clean CT says nothing', async () => {
    await scenario('quality-warning', async ({ page }, shot) => {
      const liver = truth.labels.indexOf('Liver');
      const { rows, columns } = classic.geometry;
      const boxOn = async () => {
        const z = await currentIndex(page);
        const box = boxAroundMask(
          truth.masks[liver].subarray(z * rows * columns, (z + 1) * rows * columns),
          rows,
          columns,
          MARGIN,
        )!;
        return { x0: box.x1, y0: box.y1, x1: box.x0, y1: box.y0 };
      };
      await openSeries(page, 'ct-abdomen');
      await dragImageBox(page, await boxOn());
      await waitForPreview(page, 1);
      expect(await page.textContent('[data-testid="status-quality"]')).toBe('');
      await page.keyboard.press('Escape');

      const noisy = join(workDir, 'ct-noise-5');
      await degradedCopy(CT, noisy, 'gauss_noise', 5);
      await openFiles(
        page,
        readdirSync(noisy).map((f) => join(noisy, f)),
      );
      await dragImageBox(page, await boxOn());
      await waitForPreview(page, 2);
      await shot('noisy-preview');
      const warning = (await page.textContent('[data-testid="status-quality"]')) ?? '';
      expect(warning).toMatch(/looks noisy \(about severity [45] of 5\)/);
      expect(await page.getAttribute('[data-testid="status-quality"]', 'data-degradation')).toBe('noise');
      // Beside the box too.
      await expect
        .poll(() => page.locator('[data-testid="viewport"] svg text').allTextContents())
        .toContainEqual(expect.stringMatching(/looks noisy \(severity [45] of 5\)/));
      await page.keyboard.press('Enter');
      expect(await page.textContent('[data-testid="status-quality"]')).toBe('');
    });
  }, 300_000);

  it('enhanced multi-frame CT: slice k shows frame k, a box segments that frame, the SEG names frames', async () => {
    await scenario('enhanced', async ({ page }, shot) => {
      // 1. One enhanced multi-frame file made from the bundled CT, opened from disk.
      const { bytes } = enhancedFrom(CT);
      const enhancedPath = join(workDir, 'ct-abdomen-enhanced.dcm');
      writeFileSync(enhancedPath, bytes);
      const series = readSeries([readDicomFile(enhancedPath)]);
      expect(series.slices).toHaveLength(classic.slices.length);
      await openFiles(page, [enhancedPath]);
      expect(await page.textContent('[data-testid="series-info"]')).toContain(
        `${series.slices.length} slices`,
      );
      await shot('1-series');

      // 2. Every slice is one frame of the file, and the pixels Cornerstone decoded for slice k are the
      //    ones src/dicom reads for frame k (not the first frame on every slice).
      const { rows, columns } = series.geometry;
      const pixels = rows * columns;
      const shown = await page.evaluate(
        () => (window as unknown as ViewerWindow).__viewer.state.loaded!.imageIds,
      );
      expect(new Set(shown).size).toBe(series.slices.length);
      shown.forEach((id, k) => {
        expect(id).toMatch(new RegExp(`[?&]frame=${series.slices[k].frame + 1}$`));
      });
      const decoded = async (k: number) => {
        const b64 = await page.evaluate((id) => {
          const image = (window as unknown as ViewerWindow).__viewer.cache.getImage(id)!;
          const raw = image.voxelManager!.getScalarData() as ArrayLike<number>;
          const scaled = image.preScale?.scaled === true;
          const values = Float32Array.from(raw, (x) => (scaled ? x : x * image.slope + image.intercept));
          const bytes = new Uint8Array(values.buffer);
          let binary = '';
          for (let i = 0; i < bytes.length; i += 0x8000)
            binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return btoa(binary);
        }, shown[k]);
        const buffer = Buffer.from(b64, 'base64');
        return new Float32Array(buffer.buffer, buffer.byteOffset, pixels);
      };
      const checked = [0, series.slices.length >> 1, series.slices.length - 1];
      const frames = await Promise.all(checked.map(decoded));
      checked.forEach((k, i) => {
        expect(frames[i], `slice ${k}`).toEqual(series.slices[k].values);
      });
      expect(frames[0]).not.toEqual(frames[1]);
      expect(frames[1]).not.toEqual(frames[2]);

      // What SEG export and load build from Cornerstone's metadata (image ids only, as in OHIF) is
      // what src/dicom reads from the file in Node, frame numbers included, in the same slice order.
      const fromMetadata = await segSeriesFromMetadata(page);
      expectSameSegSeries(fromMetadata.series, segSeries(series));
      expect(fromMetadata.imageIds).toEqual(shown);

      // 3. Scroll away from the middle slice: the viewport shows another frame.
      const middle = await currentIndex(page);
      const index = await scrollSlices(page, 4);
      const current = await page.evaluate(() =>
        (window as unknown as ViewerWindow).__viewer.state.viewport().getCurrentImageId(),
      );
      expect(current).toBe(shown[index]);
      expect(index).not.toBe(middle);
      await shot('2-scrolled');

      // 4. A box around the liver on that slice (truth box + 5 px), preview, accept.
      const liver = truth.labels.indexOf('Liver');
      const truthSlice = truth.masks[liver].subarray(index * pixels, (index + 1) * pixels);
      const box = boxAroundMask(truthSlice, rows, columns, MARGIN);
      expect(box, `the liver is on slice ${index}`).toBeDefined();
      await dragImageBox(page, { x0: box!.x1, y0: box!.y0, x1: box!.x0, y1: box!.y1 });
      await previewCount(page, 1);
      await shot('3-preview');
      const preview = await lastPreview(page);
      expect(preview.referencedImageId).toBe(shown[index]);
      expect(preview.changed).toBeGreaterThan(0);
      await page.keyboard.press('Enter');
      const accepted = (await labelVolume(page, 1, series.slices.length, pixels)).subarray(
        index * pixels,
        (index + 1) * pixels,
      );
      await shot('4-accepted');
      const sliceDice = dice(truthSlice, accepted);
      console.log(`enhanced: Dice of the liver on slice ${index}: ${sliceDice.toFixed(3)}`);
      expect(sliceDice).toBeGreaterThanOrEqual(MIN_DICE);

      // The same engine in Node on src/dicom's reading of that frame gives the same mask.
      const reference = new ClassicalSegmenter();
      try {
        const result = await reference.segment(series.slices[index], { box: preview.box });
        expect(dice(result.mask, accepted)).toBeGreaterThanOrEqual(0.999);
      } finally {
        await reference.dispose();
      }

      // 5. The SEG refers to the multi-frame image by frame number, and holds exactly the labelmap.
      const segPath = await exportSeg(page, 'enhanced-export');
      await shot('5-exported');
      const exported = parseSegmentation(readFileSync(segPath), segPath);
      for (const frame of exported.frames) {
        expect(frame.sourceSOPInstanceUID).toBe(series.slices[0].sopInstanceUID);
        expect(frame.sourceFrameNumber).toBe(series.slices[index].frame + 1);
      }
      const placed = masksForSeries(exported, series);
      expect(placed.mappedBy).toBe('source-image');
      expect(dice(placed.masks[0], await labelVolume(page, 1, series.slices.length, pixels))).toBe(1);
    });
  }, 180_000);

  it('volume viewport with a volume labelmap: preview and accept land on the slice drawn on, undo, SEG', async () => {
    await scenario('volume-labelmap', async ({ page }, shot) => {
      // 1. A volume labelmap (which takes the volume viewport with it), then the bundled CT.
      await page.selectOption('[data-testid="labelmap-select"]', 'volume');
      expect(await page.inputValue('[data-testid="view-select"]')).toBe('volume');
      expect(await page.locator('[data-testid="view-select"] option[value="stack"]').isDisabled()).toBe(true);
      await openSeries(page, 'ct-abdomen');
      const kind = await page.evaluate(() => {
        const { state, cache, segmentation } = (window as unknown as ViewerWindow).__viewer;
        const { volumeId } = segmentation.state.getSegmentation(state.loaded!.segmentationId)!
          .representationData.Labelmap!;
        const volume = volumeId ? cache.getVolume(volumeId) : undefined;
        return {
          viewport: state.viewport().type,
          volumeId,
          referencedVolumeId: volume?.referencedVolumeId,
          slices: volume?.imageIds.length,
        };
      });
      expect(kind.viewport).toBe('orthographic');
      expect(kind.volumeId, 'the segmentation is a labelmap volume').toBeTruthy();
      expect(kind.referencedVolumeId, 'derived from the series volume').toBeTruthy();
      expect(kind.slices).toBe(classic.slices.length);
      // The single-frame CT as SEG export and load see it through Cornerstone's metadata is the
      // series src/dicom reads from the same files in Node.
      const fromMetadata = await segSeriesFromMetadata(page);
      expectSameSegSeries(fromMetadata.series, segSeries(classic));
      expect(fromMetadata.imageIds).toEqual(
        await page.evaluate(() => (window as unknown as ViewerWindow).__viewer.state.loaded!.imageIds),
      );
      await shot('1-series');

      // 2. A slice away from the middle, where a slice-order mix-up cannot hide.
      const index = await scrollSlices(page, 6);
      const { rows, columns } = classic.geometry;
      const pixels = rows * columns;
      const liver = truth.labels.indexOf('Liver');
      const truthSlice = truth.masks[liver].subarray(index * pixels, (index + 1) * pixels);
      const box = boxAroundMask(truthSlice, rows, columns, MARGIN);
      expect(box, `the liver is on slice ${index}`).toBeDefined();
      const probe = interiorPixel(truthSlice, rows, columns);
      const unsegmented = await shownColour(page, probe.x, probe.y);

      /**
       * Where `label` is set in the labelmap volume as Cornerstone stores it, read through the volume's
       * own geometry (origin, direction, spacing) rather than through the labelmap bridge: a mask over
       * the series' slices (series order), and how many voxels hold the label in no series slice.
       */
      const voxels = async (label: number) => {
        const positions = classic.slices.map((s) => s.imagePositionPatient);
        const read = await page.evaluate(
          ({ positions, pixels, label }) => {
            const { state, cache, segmentation } = (window as unknown as ViewerWindow).__viewer;
            const { volumeId } = segmentation.state.getSegmentation(state.loaded!.segmentationId)!
              .representationData.Labelmap!;
            const volume = cache.getVolume(volumeId!)!;
            const all = volume.voxelManager!.getCompleteScalarDataArray!();
            const sliceOf = positions.map((p) =>
              Math.round(
                [0, 1, 2].reduce((sum, i) => sum + (p[i] - volume.origin[i]) * volume.direction[6 + i], 0) /
                  volume.spacing[2],
              ),
            );
            const bits = new Uint8Array(Math.ceil((positions.length * pixels) / 8));
            let total = 0;
            for (let i = 0; i < all.length; i++) if (all[i] === label) total++;
            let placed = 0;
            sliceOf.forEach((k, z) => {
              if (k < 0 || k >= volume.dimensions[2]) return;
              for (let i = 0; i < pixels; i++)
                if (all[k * pixels + i] === label) {
                  bits[(z * pixels + i) >> 3] |= 1 << ((z * pixels + i) & 7);
                  placed++;
                }
            });
            let binary = '';
            for (let i = 0; i < bits.length; i += 0x8000)
              binary += String.fromCharCode(...bits.subarray(i, i + 0x8000));
            return { bits: btoa(binary), outside: total - placed };
          },
          { positions, pixels, label },
        );
        expect(read.outside, `voxels of label ${label} outside the series' slices`).toBe(0);
        const bits = Buffer.from(read.bits, 'base64');
        return Uint8Array.from(
          { length: classic.slices.length * pixels },
          (_, i) => (bits[i >> 3] >> (i & 7)) & 1,
        );
      };
      const count = (mask: Uint8Array) => mask.reduce((n, x) => n + x, 0);
      const onSlice = (mask: Uint8Array, z: number) => mask.subarray(z * pixels, (z + 1) * pixels);
      const probeColour = () => shownColour(page, probe.x, probe.y);

      // 3. Box (drawn top-left to bottom-right), preview: in the volume's voxels of that slice only, and on screen.
      await dragImageBox(page, box!);
      await previewCount(page, 1);
      await shot('2-preview');
      const preview = await lastPreview(page);
      expect(preview.changed).toBeGreaterThan(0);
      const previewed = await voxels(255);
      expect(count(onSlice(previewed, index))).toBe(preview.changed);
      expect(count(previewed)).toBe(preview.changed);
      await expect
        .poll(async () => differs(await probeColour(), unsegmented), { timeout: 10_000 })
        .toBe(true);

      // 4. Accept: segment 1 in those voxels, close to the truth, on screen.
      await page.keyboard.press('Enter');
      const accepted = await voxels(1);
      expect(count(onSlice(accepted, index))).toBe(preview.changed);
      expect(count(accepted)).toBe(preview.changed);
      expect(count(await voxels(255))).toBe(0);
      const sliceDice = dice(truthSlice, onSlice(accepted, index));
      console.log(`volume-labelmap: Dice of the liver on slice ${index}: ${sliceDice.toFixed(3)}`);
      expect(sliceDice).toBeGreaterThanOrEqual(MIN_DICE);
      // The labelmap bridge (what export and the tests' hooks read) sees the same voxels.
      expect(dice(await labelVolume(page, 1, classic.slices.length, pixels), accepted)).toBe(1);
      await expect
        .poll(async () => differs(await probeColour(), unsegmented), { timeout: 10_000 })
        .toBe(true);
      await shot('3-accepted');

      // 5. Undo empties the volume again (and the screen), redo restores the mask.
      await page.click('[data-testid="tool-Undo"]');
      expect(count(await voxels(1))).toBe(0);
      await expect
        .poll(async () => differs(await probeColour(), unsegmented), { timeout: 10_000 })
        .toBe(false);
      await shot('4-undone');
      await page.click('[data-testid="tool-Redo"]');
      expect(dice(await voxels(1), accepted)).toBe(1);

      // 6. Propagation writes every other slice of the liver into its own voxels, as one undo step.
      await page.click('[data-testid="tool-Propagate"]');
      await page.waitForFunction(
        () => document.getElementById('status-result')?.dataset.propagation === 'done',
        null,
        { timeout: 60_000 },
      );
      const propagated = await voxels(1);
      const volumeDice = dice(truth.masks[liver], propagated);
      console.log(`volume-labelmap: propagated, 3-D Dice of the liver ${volumeDice.toFixed(3)}`);
      expect(volumeDice).toBeGreaterThanOrEqual(0.75);
      expect(dice(await labelVolume(page, 1, classic.slices.length, pixels), propagated)).toBe(1);
      await shot('5-propagated');
      await page.click('[data-testid="tool-Undo"]');
      expect(dice(await voxels(1), accepted)).toBe(1);
      await page.click('[data-testid="tool-Redo"]');

      // 7. The SEG holds exactly the labelmap volume's mask, on the same slices.
      const segPath = await exportSeg(page, 'volume-labelmap-export');
      await shot('6-exported');
      const exported = parseSegmentation(readFileSync(segPath), segPath);
      expect(exported.segments.map((s) => s.label)).toEqual(['Liver']);
      expect(dice(masksForSeries(exported, classic).masks[0], propagated)).toBe(1);
    });
  }, 180_000);
});
