/**
 * The extension in the real OHIF Viewer 3.13 (the prebuilt @ohif/app from npm), served as `npm run
 * demo` serves it, in Debian's chromium: open the bundled CT in OHIF's segmentation mode, add a
 * segmentation with OHIF's own button, pick the box tool from OHIF's toolbar, drag a box on slice 20,
 * see the preview, refine it with an include click and a Shift+click exclude point (Backspace takes one
 * back), accept (Dice against the truth; the same mask as the engine gives in Node), propagate,
 * undo and redo with OHIF's own buttons, export the SEG (0 dciodvfy errors; voxels equal the labelmap),
 * load a SEG and see its segments in OHIF's segmentation panel. Once with the classical engine, once with
 * the tiny fixture model. Also: no console error from our code, no request leaves the origin, the tool is
 * registered in OHIF's own cornerstoneTools (Cornerstone 5.6.8), and the page without cross-origin
 * isolation segments on one wasm thread and says so. Screenshots go to test-artifacts/e2e/ohif-*.png.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OhifServer, OhifStudy } from '../../extension/ohif/server.ts';
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import type { Series } from '../../src/dicom/series.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { maskBoundingBox } from '../../src/model/mask-box.ts';
import { loadModelFolder } from '../../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import type { Box } from '../../src/model/prompts.ts';
import type { PromptPoint, Segmenter } from '../../src/model/segmenter.ts';
import { dice } from '../../src/robustness/metrics.ts';
import { degradedCopy } from '../helpers/degraded-ct.ts';
import { missingTools } from '../helpers/tools.ts';
import { dciodvfyErrors } from '../helpers/validators.ts';
import { clickTargets } from './click-targets.ts';
import {
  buildOhifExtension,
  clickImagePoint,
  dragImageBox,
  indexOfSop,
  labelmapBySop,
  notifications,
  OHIF_APP,
  recordNotifications,
  SESSION,
  scrollTo,
  serveOhif,
  viewportState,
  waitForNotification,
  waitForSeries,
} from './ohif-harness.ts';
import {
  ARTIFACTS,
  agreementWithNode,
  CHROMIUM,
  CT,
  CT_TRUTH,
  foreignRequests,
  openViewer,
  screenshot,
  TINY,
  type ViewerBrowser,
} from './viewer-harness.ts';

/** Slice 20 of the series, as a radiologist counts. */
const SLICE = 19;

const missing = missingTools({
  commands: ['dciodvfy'],
  paths: [CHROMIUM, join(OHIF_APP, 'index.html'), CT, CT_TRUTH, join(TINY, 'model.json')],
});

/** A degraded-image warning, as the extension words it (src/quality/estimate.ts). */
const DEGRADED = /looks (noisy|blurred|motion-ghosted)/;

/** Console errors that come from our code (its bundle, worker, or messages naming it). */
const ours = (errors: string[]) => errors.filter((e) => /robustmedsam/i.test(e));

interface PreviewDetail {
  cause: 'box' | 'point' | 'point-removed';
  box: Box;
  points: PromptPoint[];
  score: number;
  changed: number;
}

/** Starts recording the session's previews in the page (the extension's utility module). */
const recordPreviews = (page: Page) =>
  page.evaluate(`(() => {
    const session = ${SESSION};
    window.__previews = [];
    session.controller.addEventListener('preview', (e) => window.__previews.push(e.detail));
    window.__propagation = '';
    session.controller.addEventListener('propagation', (e) => { window.__propagation = e.detail.state; });
  })()`);
const previews = (page: Page) => page.evaluate('window.__previews') as Promise<PreviewDetail[]>;

describe.skipIf(missing)('the extension in the real OHIF Viewer 3.13', () => {
  let bundle: { dir: string; remove(): void };
  let modelsRoot = '';
  let series: Series;
  let truth: { labels: string[]; masks: Uint8Array[] };
  const servers: OhifServer[] = [];

  beforeAll(async () => {
    bundle = await buildOhifExtension();
    series = readSeriesFromDirectory(CT);
    const parsed = parseSegmentation(readFileSync(CT_TRUTH), CT_TRUTH);
    truth = { labels: parsed.segments.map((s) => s.label), masks: masksForSeries(parsed, series).masks };
    modelsRoot = mkdtempSync(join(tmpdir(), 'robustmedsam-models-'));
    cpSync(TINY, join(modelsRoot, 'tiny-robust'), { recursive: true });
  }, 300_000);

  afterAll(async () => {
    for (const s of servers) await s.close();
    bundle?.remove();
    if (modelsRoot) rmSync(modelsRoot, { recursive: true, force: true });
  });

  const start = async (options: { modelUrl?: string; isolation?: boolean }) => {
    const server = await serveOhif(bundle.dir, { models: modelsRoot, ...options });
    servers.push(server);
    const study = server.studies.find((s) => s.id === 'ct-abdomen') as OhifStudy;
    return { server, study };
  };

  /** The OHIF page on the CT in segmentation mode, its engine loaded, previews recorded. */
  const open = async (server: OhifServer, study: OhifStudy, engine: 'classical' | 'model') => {
    const viewer = await openViewer(`${server.url}${study.segmentationPath}`, '[data-cy="addSegmentation"]');
    await waitForSeries(viewer.page, series.slices.length);
    await viewer.page.waitForFunction(`${SESSION}.client.status?.info.engine === '${engine}'`, null, {
      timeout: 120_000,
    });
    await recordPreviews(viewer.page);
    await recordNotifications(viewer.page);
    return viewer;
  };

  const engines: Array<{
    name: string;
    modelUrl?: string;
    reference: () => Promise<Segmenter>;
    minDice: number | null;
  }> = [
    { name: 'classical', reference: async () => new ClassicalSegmenter(), minDice: 0.85 },
    {
      name: 'tiny-robust',
      modelUrl: '/models/tiny-robust/',
      reference: async () => new ModelSegmenter(await loadModelFolder(TINY)),
      // Random weights: the mask says nothing about the liver, only that the pipeline is faithful.
      minDice: null,
    },
  ];

  for (const engine of engines) {
    it(`${engine.name}: box, preview, accept, propagate, undo/redo, export and load a SEG, in OHIF`, async () => {
      const { server, study } = await start({ modelUrl: engine.modelUrl });
      const viewer: ViewerBrowser = await open(
        server,
        study,
        engine.name === 'classical' ? 'classical' : 'model',
      );
      const { page } = viewer;
      const shot = (step: string) => screenshot(page, `ohif-${engine.name}-${step}`);
      const { rows, columns } = series.geometry;
      const pixels = rows * columns;
      const sopAt = (z: number) => series.slices[z].sopInstanceUID;
      try {
        await shot('1-opened');
        // Our tool is OHIF's: one Cornerstone (OHIF's 5.6.8), our buttons on its toolbar, disabled
        // until there is a segmentation.
        const before = await viewportState(page);
        expect(before.cornerstoneVersion).toBe('5.6.8');
        await expect
          .poll(() => page.getAttribute('[data-cy="RobustMedSamBoxPrompt-btn"]', 'disabled'))
          .not.toBeNull();

        // 1. A segmentation, with OHIF's own button; our box tool from OHIF's toolbar.
        await page.click('[data-cy="addSegmentation"]');
        await expect.poll(async () => (await viewportState(page)).segmentationId).toBeTruthy();
        await page.click('[data-cy="RobustMedSamBoxPrompt-btn"]');
        await expect.poll(async () => (await viewportState(page)).primaryTool).toBe('BoxPromptSegmentation');
        expect(
          await page.evaluate(() => {
            // biome-ignore lint/suspicious/noExplicitAny: OHIF's globals are untyped here.
            const w = window as any;
            const group = w.cornerstoneTools.ToolGroupManager.getToolGroupForViewport(
              w.services.viewportGridService.getState().activeViewportId,
            );
            return {
              registered: !!w.cornerstoneTools.state.tools.BoxPromptSegmentation,
              ofOhifsClass:
                group.getToolInstance('BoxPromptSegmentation') instanceof w.cornerstoneTools.LabelmapBaseTool,
              windowLevel: group.getToolOptions('WindowLevel')?.mode,
            };
          }),
        ).toEqual({ registered: true, ofOhifsClass: true, windowLevel: 'Passive' });
        await expect
          .poll(() => page.getAttribute('[data-cy="RobustMedSamBoxPrompt"]', 'data-active'))
          .toBe('true');

        // 2. Slice 20, a box around the liver (truth + 5 px) dragged bottom-right to top-left.
        await scrollTo(page, await indexOfSop(page, sopAt(SLICE)));
        const liver = truth.labels.indexOf('Liver');
        const truthSlice = truth.masks[liver].subarray(SLICE * pixels, (SLICE + 1) * pixels);
        const t = maskBoundingBox(truthSlice, rows, columns)!;
        expect(t, 'the liver is on slice 20').not.toBeNull();
        await dragImageBox(page, { x0: t.x1 + 5, y0: t.y1 + 5, x1: t.x0 - 5, y1: t.y0 - 5 });

        // 3. The preview.
        await expect.poll(async () => (await previews(page)).length, { timeout: 120_000 }).toBe(1);
        const [preview] = await previews(page);
        const previewed = (await labelmapBySop(page, 255)).get(sopAt(SLICE))!;
        expect(previewed.reduce((a, b) => a + b, 0)).toBe(preview.changed);
        expect(preview.changed).toBeGreaterThan(0);
        await shot('2-preview');

        // 4. Two clicks by mouse: include where the box's mask left a gap, Shift+click exclude on the mask.
        const previewAt = async () => (await labelmapBySop(page, 255)).get(sopAt(SLICE))!;
        const targets = clickTargets(previewed, preview.box, rows, columns);
        await clickImagePoint(page, targets.include);
        await expect.poll(async () => (await previews(page)).length, { timeout: 60_000 }).toBe(2);
        const afterInclude = await previewAt();
        await clickImagePoint(page, targets.exclude, 'Shift');
        await expect.poll(async () => (await previews(page)).length, { timeout: 60_000 }).toBe(3);
        const refined = (await previews(page))[2];
        expect(refined.points.map((p) => p.label)).toEqual([1, 0]);
        // Where the mouse landed, within a screen pixel of the pixel aimed at.
        for (const [k, target] of [targets.include, targets.exclude].entries()) {
          expect(Math.abs(refined.points[k].x - target.x)).toBeLessThanOrEqual(1);
          expect(Math.abs(refined.points[k].y - target.y)).toBeLessThanOrEqual(1);
        }
        const refinedMask = await previewAt();
        // The points and the engine's score are drawn beside the box in OHIF's viewport.
        expect(await page.locator('circle[data-id="box-prompt-include"]').count()).toBe(1);
        expect(await page.locator('circle[data-id="box-prompt-exclude"]').count()).toBe(1);
        await expect
          .poll(() => page.locator('svg text').allTextContents())
          .toContainEqual(expect.stringMatching(new RegExp(`(IoU|confidence) ${refined.score.toFixed(2)}`)));
        await shot('2b-clicked');
        // OHIF's Backspace (pushed onto the mode's hotkeys) takes the exclude click back.
        await page.keyboard.press('Backspace');
        await expect.poll(async () => (await previews(page)).length).toBe(4);
        expect((await previews(page))[3]).toMatchObject({ cause: 'point-removed' });
        expect(await previewAt()).toEqual(afterInclude);
        await clickImagePoint(page, targets.exclude, 'Shift');
        await expect.poll(async () => (await previews(page)).length, { timeout: 60_000 }).toBe(5);
        expect(await previewAt()).toEqual(refinedMask);

        // The clean CT: no degraded-image warning.
        expect((await notifications(page)).filter((t) => DEGRADED.test(t))).toEqual([]);

        // 5. Accept from OHIF's toolbar: the refined preview becomes segment 1, one undo step in OHIF.
        await page.click('[data-cy="RobustMedSamAccept-btn"]');
        await expect
          .poll(async () => (await labelmapBySop(page, 255)).get(sopAt(SLICE))!.includes(1))
          .toBe(false);
        const accepted = (await labelmapBySop(page, 1)).get(sopAt(SLICE))!;
        expect(accepted).toEqual(refinedMask);
        await shot('3-accepted');
        const sliceDice = dice(truthSlice, accepted);
        console.log(
          `OHIF ${engine.name}: Dice of the accepted mask against the truth ${sliceDice.toFixed(3)}`,
        );
        if (engine.minDice !== null) expect(sliceDice).toBeGreaterThanOrEqual(engine.minDice);
        // As in the demo: clicks feed back the step before, so wasm and Node may part at a few pixels.
        const final = (await previews(page))[4];
        expect(
          await agreementWithNode(
            await engine.reference(),
            series.slices[SLICE],
            final.box,
            accepted,
            final.points,
          ),
        ).toBeGreaterThanOrEqual(0.995);
        await page.click('[data-cy="undo-btn"]');
        await expect
          .poll(async () => (await labelmapBySop(page, 1)).get(sopAt(SLICE))!.includes(1))
          .toBe(false);
        await page.click('[data-cy="redo-btn"]');
        await expect.poll(async () => (await labelmapBySop(page, 1)).get(sopAt(SLICE))).toEqual(accepted);

        // 6. Propagate from OHIF's toolbar; OHIF's own Undo and Redo take it back and forth as one step.
        await page.click('[data-cy="RobustMedSamPropagate-btn"]');
        await page.waitForFunction("['done', 'cancelled', 'failed'].includes(window.__propagation)", null, {
          timeout: 300_000,
        });
        expect(await page.evaluate('window.__propagation')).toBe('done');
        await shot('4-propagated');
        const slicesWith = (m: Map<string, Uint8Array>) =>
          [...m.values()].filter((s) => s.includes(1)).length;
        const propagated = await labelmapBySop(page, 1);
        expect(slicesWith(propagated)).toBeGreaterThan(1);
        const asVolume = (m: Map<string, Uint8Array>) => {
          const v = new Uint8Array(series.slices.length * pixels);
          series.slices.forEach((s, z) => {
            v.set(m.get(s.sopInstanceUID)!, z * pixels);
          });
          return v;
        };
        const volumeDice = dice(truth.masks[liver], asVolume(propagated));
        console.log(
          `OHIF ${engine.name}: propagated to ${slicesWith(propagated)} slices; 3-D Dice ${volumeDice.toFixed(3)}`,
        );
        if (engine.minDice !== null) expect(volumeDice).toBeGreaterThanOrEqual(0.75);
        await page.click('[data-cy="undo-btn"]');
        await expect.poll(async () => slicesWith(await labelmapBySop(page, 1))).toBe(1);
        await page.click('[data-cy="redo-btn"]');
        await expect
          .poll(async () => dice(asVolume(await labelmapBySop(page, 1)), asVolume(propagated)))
          .toBe(1);

        // 7. Export: the dicomjson source cannot store, so the SEG is downloaded; dciodvfy accepts it and
        // it holds exactly the labelmap.
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.click('[data-cy="RobustMedSamExportSeg-btn"]'),
        ]);
        const segPath = join(ARTIFACTS, `ohif-${engine.name}-export.seg.dcm`);
        await download.saveAs(segPath);
        await shot('5-exported');
        expect(dciodvfyErrors(segPath)).toEqual([]);
        const exported = parseSegmentation(readFileSync(segPath), segPath);
        expect(exported.segmentationType).toBe('BINARY');
        expect(exported.segments).toHaveLength(1);
        expect(dice(masksForSeries(exported, series).masks[0], asVolume(propagated))).toBe(1);

        // 8. Load a SEG (the ground truth) with the file picker: its segments join OHIF's panel, labelled.
        const [chooser] = await Promise.all([
          page.waitForEvent('filechooser'),
          page.click('[data-cy="RobustMedSamLoadSeg-btn"]'),
        ]);
        await chooser.setFiles(CT_TRUTH);
        for (const label of truth.labels) {
          await expect
            .poll(() => page.locator('[data-cy="data-row-title"]').allTextContents(), { timeout: 60_000 })
            .toContain(label);
        }
        await shot('6-loaded');
        const loadedLiver = await labelmapBySop(page, 2 + liver);
        expect(dice(asVolume(loadedLiver), truth.masks[liver])).toBe(1);

        // 9. Another tool from OHIF's toolbar takes the left button back; ours goes passive.
        await page.click('[data-cy="WindowLevel-btn"]');
        await expect.poll(async () => (await viewportState(page)).primaryTool).toBe('WindowLevel');
        await expect
          .poll(() => page.getAttribute('[data-cy="RobustMedSamBoxPrompt"]', 'data-active'))
          .toBe('false');

        expect(ours(viewer.consoleErrors)).toEqual([]);
        expect(foreignRequests(viewer.requests, server.url)).toEqual([]);
      } finally {
        await shot('last');
        writeFileSync(join(ARTIFACTS, `ohif-${engine.name}-console.txt`), viewer.consoleErrors.join('\n'));
        await viewer.close();
      }
    }, 900_000);
  }

  it('a noisy series: OHIF warns that the image around the box looks noisy, with the severity', async () => {
    const samples = mkdtempSync(join(tmpdir(), 'robustmedsam-noisy-'));
    const noisy = join(samples, 'ct-noise-5');
    await degradedCopy(CT, noisy, 'gauss_noise', 5);
    const server = await serveOhif(bundle.dir, { samples });
    servers.push(server);
    const study = server.studies.find((s) => s.id === 'ct-noise-5') as OhifStudy;
    const viewer = await open(server, study, 'classical');
    const { page } = viewer;
    try {
      await page.click('[data-cy="addSegmentation"]');
      await page.click('[data-cy="RobustMedSamBoxPrompt-btn"]');
      await scrollTo(page, SLICE);
      await dragImageBox(page, { x0: 330, y0: 340, x1: 150, y1: 170 });
      await expect.poll(async () => (await previews(page)).length, { timeout: 120_000 }).toBe(1);
      const told = await waitForNotification(page, DEGRADED);
      expect(told).toMatch(/looks noisy \(about severity [45] of 5\)/);
      await screenshot(page, 'ohif-noisy-warning');
    } finally {
      await viewer.close();
      rmSync(samples, { recursive: true, force: true });
    }
  }, 600_000);

  it('without cross-origin isolation, runs the model on one wasm thread and says how to get more', async () => {
    const { server, study } = await start({ modelUrl: '/models/tiny-robust/', isolation: false });
    const viewer = await open(server, study, 'model');
    const { page } = viewer;
    try {
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await page.evaluate(`${SESSION}.client.status.info.backend`)).toMatch(
        /wasm \(1 thread: page not cross-origin isolated/,
      );
      await page
        .getByText(/For more threads, serve the viewer with Cross-Origin-Opener-Policy/)
        .waitFor({ timeout: 30_000 });
      await screenshot(page, 'ohif-no-isolation-notice');
      await page.click('[data-cy="addSegmentation"]');
      await page.click('[data-cy="RobustMedSamBoxPrompt-btn"]');
      await dragImageBox(page, { x0: 150, y0: 150, x1: 300, y1: 300 });
      await expect.poll(async () => (await previews(page)).length, { timeout: 120_000 }).toBe(1);
      expect((await previews(page))[0].changed).toBeGreaterThan(0);
      await screenshot(page, 'ohif-no-isolation-preview');
      expect(ours(viewer.consoleErrors)).toEqual([]);
    } finally {
      await viewer.close();
    }
  }, 600_000);
});
