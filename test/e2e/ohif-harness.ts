/**
 * The real OHIF Viewer 3.13 under test: the prebuilt @ohif/app (vendor/ohif-app, fetched by
 * postinstall), the extension built by `npm run build:ohif` into a temporary folder, both served by
 * extension/ohif/server.ts, the same server `npm run demo` starts. Page helpers read OHIF's own globals
 * (`window.services`, `window.cornerstone`, `window.cornerstoneTools`, `window.extensionManager`), so
 * every check is made against the host's Cornerstone, never a copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { type OhifServer, type OhifServerOptions, startOhifServer } from '../../extension/ohif/server.ts';
import { unpackFrame } from '../../src/dicom/bit-packing.ts';
import type { Box } from '../../src/model/prompts.ts';
import { REPO_ROOT } from '../helpers/tools.ts';
import { clickImagePointAt, dragImageBoxAt } from './mouse.ts';

export const OHIF_APP = resolve(REPO_ROOT, 'vendor/ohif-app');
export const OHIF_VITE_CONFIG = resolve(REPO_ROOT, 'extension/ohif/vite.config.ts');

/** Builds the extension bundle into a temporary folder (what `npm run build:ohif` writes to dist/ohif). */
export async function buildOhifExtension(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'robustmedsam-ohif-'));
  process.env.ROBUSTMEDSAM_OHIF_OUT = dir;
  try {
    await build({ configFile: OHIF_VITE_CONFIG, logLevel: 'error' });
  } finally {
    delete process.env.ROBUSTMEDSAM_OHIF_OUT;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function serveOhif(
  extensionDir: string,
  options: Partial<OhifServerOptions> = {},
): Promise<OhifServer> {
  return startOhifServer({
    appDir: OHIF_APP,
    extensionDir,
    samples: resolve(REPO_ROOT, 'sample-dicom'),
    ...options,
  });
}

/** What the page reports about the active viewport, from OHIF's services and Cornerstone. */
export interface ViewportState {
  viewportId: string;
  imageCount: number;
  index: number;
  primaryTool: string | undefined;
  segmentationId: string | undefined;
  cornerstoneVersion: string;
}

export const viewportState = (page: Page): Promise<ViewportState> =>
  page.evaluate(() => {
    // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
    const w = window as any;
    const viewportId = w.services.viewportGridService.getState().activeViewportId;
    const viewport = w.services.cornerstoneViewportService.getCornerstoneViewport(viewportId);
    const toolGroup = w.cornerstoneTools.ToolGroupManager.getToolGroupForViewport(viewportId);
    return {
      viewportId,
      imageCount: viewport?.getImageIds?.().length ?? 0,
      index: viewport?.getCurrentImageIdIndex?.() ?? -1,
      primaryTool: toolGroup?.getActivePrimaryMouseButtonTool(),
      segmentationId:
        w.cornerstoneTools.segmentation.activeSegmentation.getActiveSegmentation(viewportId)?.segmentationId,
      cornerstoneVersion: w.cornerstone.version,
    };
  });

/**
 * Waits until the active viewport shows a series of `count` images. Also right after a reload, while
 * OHIF's services exist but are not wired yet (their getState throws then).
 */
export async function waitForSeries(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
      const w = window as any;
      try {
        const id = w.services?.viewportGridService?.getState().activeViewportId;
        const viewport = id && w.services.cornerstoneViewportService.getCornerstoneViewport(id);
        return viewport?.getImageIds?.().length === n && !!viewport.getCurrentImageId();
      } catch {
        return false;
      }
    },
    count,
    { timeout: 120_000 },
  );
}

/** The viewport's index of the image with this SOP Instance UID (OHIF orders the stack its own way). */
export const indexOfSop = (page: Page, sop: string): Promise<number> =>
  page.evaluate((uid) => {
    // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
    const w = window as any;
    const id = w.services.viewportGridService.getState().activeViewportId;
    const viewport = w.services.cornerstoneViewportService.getCornerstoneViewport(id);
    return viewport
      .getImageIds()
      .findIndex(
        (imageId: string) => w.cornerstone.metaData.get('sopCommonModule', imageId).sopInstanceUID === uid,
      );
  }, sop);

/** Turns the mouse wheel over the viewport (OHIF's stack scroll) until its image `index` is shown. */
export async function scrollTo(page: Page, index: number): Promise<void> {
  const canvas = (await page.locator('[data-cy="viewport-pane"] canvas').first().boundingBox())!;
  await page.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
  for (let step = 0; step < 200; step++) {
    const { index: now } = await viewportState(page);
    if (now === index) return;
    await page.mouse.wheel(0, now < index ? 100 : -100);
    await page.waitForFunction((before) => {
      // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
      const w = window as any;
      const id = w.services.viewportGridService.getState().activeViewportId;
      return (
        w.services.cornerstoneViewportService.getCornerstoneViewport(id).getCurrentImageIdIndex() !== before
      );
    }, now);
  }
  throw new Error(`could not scroll to slice ${index}`);
}

/** Page coordinates of image pixel (x = column, y = row, pixel centres) on the slice shown. */
export function imageToClient(page: Page, x: number, y: number): Promise<[number, number]> {
  return page.evaluate(
    ([px, py]) => {
      // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
      const w = window as any;
      const id = w.services.viewportGridService.getState().activeViewportId;
      const viewport = w.services.cornerstoneViewportService.getCornerstoneViewport(id);
      const plane = w.cornerstone.metaData.get('imagePlaneModule', viewport.getCurrentImageId());
      const world = [0, 1, 2].map(
        (i) =>
          plane.imagePositionPatient[i] +
          px * plane.columnPixelSpacing * plane.rowCosines[i] +
          py * plane.rowPixelSpacing * plane.columnCosines[i],
      );
      const [cx, cy] = viewport.worldToCanvas(world);
      const rect = viewport.canvas.getBoundingClientRect();
      return [rect.left + cx, rect.top + cy] as [number, number];
    },
    [x, y],
  );
}

/** Drags a box with the mouse from image pixel (x0, y0) to (x1, y1) of the slice shown. */
export const dragImageBox = (page: Page, box: Box): Promise<void> =>
  dragImageBoxAt(page, (x, y) => imageToClient(page, x, y), box);

/** Clicks image pixel (x, y) of the slice shown; with Shift held, an exclude point. */
export const clickImagePoint = (page: Page, point: { x: number; y: number }, modifier?: 'Shift') =>
  clickImagePointAt(page, (x, y) => imageToClient(page, x, y), point, modifier);

/**
 * The active segmentation's labelmap over the displayed series, keyed by the SOP Instance UID of
 * each source image: for each image, the pixels equal to `label`, as base64 bits.
 */
export async function labelmapBySop(page: Page, label: number): Promise<Map<string, Uint8Array>> {
  const slices = await page.evaluate((value) => {
    // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
    const w = window as any;
    const { cache, metaData } = w.cornerstone;
    const { segmentation } = w.cornerstoneTools;
    const id = w.services.viewportGridService.getState().activeViewportId;
    const viewport = w.services.cornerstoneViewportService.getCornerstoneViewport(id);
    const segmentationId = segmentation.activeSegmentation.getActiveSegmentation(id).segmentationId;
    return viewport.getImageIds().map((imageId: string) => {
      const labelmapId = segmentation.getLabelmapImageIdsForImageId(imageId, segmentationId)[0];
      const data = cache.getImage(labelmapId).voxelManager.getScalarData();
      const bits = new Uint8Array(Math.ceil(data.length / 8));
      for (let i = 0; i < data.length; i++) if (data[i] === value) bits[i >> 3] |= 1 << (i & 7);
      let binary = '';
      for (let i = 0; i < bits.length; i += 0x8000)
        binary += String.fromCharCode(...bits.subarray(i, i + 0x8000));
      return {
        sop: metaData.get('sopCommonModule', imageId).sopInstanceUID,
        pixels: data.length,
        bits: btoa(binary),
      };
    });
  }, label);
  const out = new Map<string, Uint8Array>();
  for (const s of slices) {
    const mask = new Uint8Array(s.pixels);
    unpackFrame(new Uint8Array(Buffer.from(s.bits, 'base64')), 0, s.pixels, mask, 0);
    out.set(s.sop, mask);
  }
  return out;
}

/** The extension's session, through its OHIF utility module (the integrator's way to reach it). */
export const SESSION =
  "window.extensionManager.getModuleEntry('@robustmedsam/extension-box-prompt.utilityModule.common').exports.getSession()";

/**
 * Records every notification OHIF shows (its toasts, as the user reads them) in `window.__notifications`,
 * in this document and in every one loaded after it (a reload): title and message as one text each.
 */
export async function recordNotifications(page: Page): Promise<void> {
  const script = `(() => {
    if (window.__notifications) return;
    window.__notifications = [];
    const seen = new WeakSet();
    const scan = () => {
      for (const toast of document.querySelectorAll('[data-sonner-toast]')) {
        if (seen.has(toast) || !toast.textContent) continue;
        seen.add(toast);
        window.__notifications.push(toast.textContent);
      }
    };
    const start = () => new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
    if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
  })()`;
  await page.context().addInitScript(script);
  await page.evaluate(script);
}

export const notifications = (page: Page): Promise<string[]> =>
  page.evaluate('window.__notifications ?? []') as Promise<string[]>;

/** Waits for a notification whose text matches, and returns it. */
export async function waitForNotification(page: Page, pattern: RegExp, timeout = 60_000): Promise<string> {
  const handle = await page.waitForFunction(
    ([source, flags]) =>
      // biome-ignore lint/suspicious/noExplicitAny: the recorder's global.
      ((window as any).__notifications as string[]).find((text) => new RegExp(source, flags).test(text)),
    [pattern.source, pattern.flags] as const,
    { timeout },
  );
  return (await handle.jsonValue()) as string;
}

/**
 * Opens a SEG series from OHIF's study browser as a user does: a double click on its thumbnail, then
 * "Yes" to OHIF's "open this Segmentation?" (hydration), through OHIF's own SEG support
 * (@ohif/extension-cornerstone-dicom-seg). Resolves to the display set's UID, once the viewport's active
 * segmentation is that SEG.
 */
export async function openSegFromStudyBrowser(page: Page, seriesDescription: string): Promise<string> {
  const thumbnail = page
    .locator('[data-cy^="study-browser-thumbnail"]')
    .filter({ hasText: 'SEG' })
    .filter({ hasText: seriesDescription });
  await thumbnail.first().waitFor({ timeout: 60_000 });
  await thumbnail.first().dblclick();
  await page.click('[data-cy="yes-hydrate-btn"]', { timeout: 60_000 });
  const uid = await page.evaluate((description) => {
    // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
    const w = window as any;
    return w.services.displaySetService
      .getActiveDisplaySets()
      .find(
        (d: { Modality: string; SeriesDescription: string }) =>
          d.Modality === 'SEG' && d.SeriesDescription === description,
      )?.displaySetInstanceUID as string;
  }, seriesDescription);
  await page.waitForFunction(
    (id) => {
      // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
      const w = window as any;
      const viewportId = w.services.viewportGridService.getState().activeViewportId;
      return (
        w.cornerstoneTools.segmentation.activeSegmentation.getActiveSegmentation(viewportId)
          ?.segmentationId === id
      );
    },
    uid,
    { timeout: 60_000 },
  );
  return uid;
}
