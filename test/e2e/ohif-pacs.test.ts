/**
 * The real OHIF Viewer 3.13 on a real PACS: a private Orthanc (with its DICOMweb plugin) seeded with the
 * bundled CT, OHIF served in PACS mode (extension/ohif/server.ts: OHIF's own `dicomweb` data source on
 * the server's /dicom-web proxy), in Debian's chromium. The CT opens in OHIF's Segmentation mode through
 * QIDO-RS and WADO-RS; Add segmentation, our box tool from OHIF's toolbar, a box by mouse, Accept, Export
 * SEG: stored with STOW-RS through OHIF's data source. Then:
 * - QIDO-RS on Orthanc (Modality=SEG) finds the SEG series, holding the SOP Instance UID the extension
 *   reported to the user;
 * - the SEG as Orthanc keeps it, read by our seg-reader, holds exactly the labelmap's voxels;
 * - after a reload the SEG series is in OHIF's study browser, and OHIF's own SEG support
 *   (@ohif/extension-cornerstone-dicom-seg: the thumbnail opened, hydrated) shows the same voxels;
 * - no request of the page leaves its origin (the PACS is reached through the proxy only).
 * And the fault: Orthanc stopped before Export SEG: the user is told why in OHIF's notification, the SEG
 * is downloaded instead (its bytes the same segmentation) and kept in the outbox; with the PACS back,
 * Retry save stores that same SOP instance once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OhifServer, OhifStudy } from '../../extension/ohif/server.ts';
import { DICOMWEB_PLUGIN, ORTHANC_BINARY, startOrthanc } from '../../extension/pacs/orthanc.ts';
import { type SamplePacs, startSamplePacs } from '../../extension/pacs/sample-pacs.ts';
import { DicomWebClient } from '../../src/dicom/dicomweb/client.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import type { Series } from '../../src/dicom/series.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { maskBoundingBox } from '../../src/model/mask-box.ts';
import { missingTools } from '../helpers/tools.ts';
import {
  buildOhifExtension,
  dragImageBox,
  indexOfSop,
  labelmapBySop,
  notifications,
  OHIF_APP,
  openSegFromStudyBrowser,
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
  CHROMIUM,
  CT,
  CT_TRUTH,
  foreignRequests,
  openViewer,
  SAMPLES,
  screenshot,
  type ViewerBrowser,
} from './viewer-harness.ts';

/** Slice 20 of the series, as a radiologist counts. */
const SLICE = 19;
const SEG_DESCRIPTION = 'RobustMedSAM segmentation';

const missing = missingTools({
  paths: [CHROMIUM, join(OHIF_APP, 'index.html'), CT, CT_TRUTH, ORTHANC_BINARY, DICOMWEB_PLUGIN],
});

describe.skipIf(missing)('the extension in the real OHIF Viewer 3.13 on a PACS (Orthanc, DICOMweb)', () => {
  let bundle: { dir: string; remove(): void };
  let pacs: SamplePacs;
  let server: OhifServer;
  let study: OhifStudy;
  let series: Series;
  let liverBox: { x0: number; y0: number; x1: number; y1: number };

  beforeAll(async () => {
    [bundle, pacs] = await Promise.all([
      buildOhifExtension(),
      startSamplePacs({ samples: SAMPLES, only: ['ct-abdomen'], truth: false }),
    ]);
    server = await serveOhif(bundle.dir, {
      samples: null,
      pacs: { dicomWebRoot: pacs.orthanc.dicomWebRoot, friendlyName: 'Test Orthanc' },
    });
    study = server.studies[0];
    series = readSeriesFromDirectory(CT);
    const truth = parseSegmentation(readFileSync(CT_TRUTH), CT_TRUTH);
    const liver = masksForSeries(truth, series).masks[truth.segments.findIndex((s) => s.label === 'Liver')];
    const { rows, columns } = series.geometry;
    const t = maskBoundingBox(
      liver.subarray(SLICE * rows * columns, (SLICE + 1) * rows * columns),
      rows,
      columns,
    )!;
    liverBox = { x0: t.x0 - 5, y0: t.y0 - 5, x1: t.x1 + 5, y1: t.y1 + 5 };
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await pacs?.orthanc.stop();
    bundle?.remove();
  });

  /** The labelmap's segment 1 over the series, slices in the series' order. */
  const labelVolume = async (page: Page) => {
    const bySop = await labelmapBySop(page, 1);
    const { rows, columns } = series.geometry;
    const volume = new Uint8Array(series.slices.length * rows * columns);
    series.slices.forEach((slice, z) => {
      volume.set(bySop.get(slice.sopInstanceUID)!, z * rows * columns);
    });
    return volume;
  };
  const segVolume = (bytes: Uint8Array, name: string) => {
    const parsed = parseSegmentation(bytes, name);
    expect(parsed.segments).toHaveLength(1);
    return masksForSeries(parsed, series).masks[0];
  };
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

  /** The CT from the PACS in OHIF's Segmentation mode; a box on slice 20 accepted as segment 1. */
  const segmentLiver = async (viewer: ViewerBrowser) => {
    const { page } = viewer;
    await waitForSeries(page, series.slices.length);
    await page.waitForFunction(`${SESSION}.client.status?.info.engine === 'classical'`, null, {
      timeout: 120_000,
    });
    await recordNotifications(page);
    await page.click('[data-cy="addSegmentation"]');
    await expect.poll(async () => (await viewportState(page)).segmentationId).toBeTruthy();
    await page.click('[data-cy="RobustMedSamBoxPrompt-btn"]');
    await expect.poll(async () => (await viewportState(page)).primaryTool).toBe('BoxPromptSegmentation');
    await scrollTo(page, await indexOfSop(page, series.slices[SLICE].sopInstanceUID));
    await dragImageBox(page, liverBox);
    await expect
      .poll(
        async () => (await labelmapBySop(page, 255)).get(series.slices[SLICE].sopInstanceUID)!.includes(1),
        {
          timeout: 120_000,
        },
      )
      .toBe(true);
    await page.click('[data-cy="RobustMedSamAccept-btn"]');
    await expect
      .poll(async () => (await labelmapBySop(page, 1)).get(series.slices[SLICE].sopInstanceUID)!.includes(1))
      .toBe(true);
    return labelVolume(page);
  };

  it('stores the SEG in the PACS through OHIF’s data source; OHIF’s own SEG viewer reopens it with the same voxels', async () => {
    expect(study.source).toBe('dicomweb');
    const viewer = await openViewer(`${server.url}${study.segmentationPath}`, '[data-cy="addSegmentation"]');
    const { page } = viewer;
    const shot = (step: string) => screenshot(page, `ohif-pacs-${step}`);
    try {
      const accepted = await segmentLiver(viewer);
      // The images came from the PACS through OHIF's dicomweb data source (WADO-RS frames).
      expect(
        viewer.requests.some(
          (r) => r.startsWith(`${server.url}/dicom-web/studies/`) && r.includes('/frames/'),
        ),
      ).toBe(true);
      await shot('1-accepted');

      // Export SEG: stored with STOW-RS through OHIF's data source; the user is told its SOP Instance UID.
      await page.click('[data-cy="RobustMedSamExportSeg-btn"]');
      const told = await waitForNotification(page, /Stored 1 segments as BINARY SEG/);
      expect(told).toContain('in Test Orthanc');
      const sop = /SOP Instance UID ([\d.]+)/.exec(told)?.[1];
      expect(sop, told).toBeTruthy();
      await shot('2-stored');

      // QIDO-RS on Orthanc itself: the SEG series, holding that instance.
      const client = new DicomWebClient({ root: pacs.orthanc.dicomWebRoot });
      const segSeries = await client.searchSeries(study.studyInstanceUID, { Modality: 'SEG' });
      expect(segSeries).toHaveLength(1);
      const ref = {
        root: client.root,
        studyInstanceUID: study.studyInstanceUID,
        seriesInstanceUID: segSeries[0].seriesInstanceUID,
      };
      expect(await client.searchInstances(ref)).toEqual([sop]);
      // As Orthanc keeps it, read by our reader: exactly the labelmap.
      const stored = await client.retrieveInstance({ ...ref, sopInstanceUID: sop as string });
      expect(same(segVolume(stored, 'the stored SEG'), accepted)).toBe(true);

      // Reload: the SEG is in OHIF's study browser; OHIF's SEG support opens it with the same voxels.
      await page.reload();
      await waitForSeries(page, series.slices.length);
      const displaySet = await openSegFromStudyBrowser(page, SEG_DESCRIPTION);
      expect((await viewportState(page)).segmentationId).toBe(displaySet);
      await expect.poll(async () => same(await labelVolume(page), accepted), { timeout: 60_000 }).toBe(true);
      await shot('3-reopened');

      expect(foreignRequests(viewer.requests, server.url)).toEqual([]);
      // No part of OHIF's UI failed on the way (its error boundary's toast says "Something went wrong").
      expect((await notifications(page)).filter((n) => /Something went wrong/.test(n))).toEqual([]);
    } finally {
      await shot('last');
      await viewer.close();
    }
  }, 300_000);

  it('with the PACS down at Export SEG, tells the user why, downloads the same SEG and keeps it for Retry save', async () => {
    const viewer = await openViewer(`${server.url}${study.segmentationPath}`, '[data-cy="addSegmentation"]');
    const { page } = viewer;
    try {
      const accepted = await segmentLiver(viewer);
      await pacs.orthanc.stop();
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 60_000 }),
        page.click('[data-cy="RobustMedSamExportSeg-btn"]'),
      ]);
      const told = await waitForNotification(page, /Could not store the SEG/);
      expect(told).toMatch(/HTTP 502/);
      expect(told).toMatch(/cannot be reached \(ECONNREFUSED\)/);
      expect(told).toContain(`downloaded as ${download.suggestedFilename()}`);
      await screenshot(page, 'ohif-pacs-4-pacs-down');
      const path = join(ARTIFACTS, 'ohif-pacs-down.seg.dcm');
      await download.saveAs(path);
      const bytes = readFileSync(path);
      expect(told).toContain(`SOP Instance UID ${parseSegmentation(bytes, path).sopInstanceUID}`);
      expect(same(segVolume(bytes, path), accepted)).toBe(true);
      expect(told).toContain('kept for Retry save');
      // Nothing was lost, so the export resolves: no generic "Something went wrong" from OHIF beside ours.
      expect((await notifications(page)).filter((n) => /Something went wrong/.test(n))).toEqual([]);

      // The PACS back (an empty one, on the same port): Retry save stores the very same SEG, once.
      const back = await startOrthanc({ port: Number(new URL(pacs.orthanc.url).port) });
      try {
        await page.click('[data-cy="RobustMedSamRetrySave-btn"]');
        const retried = await waitForNotification(page, /Stored 1 waiting SEG/);
        const sop = parseSegmentation(bytes, path).sopInstanceUID;
        expect(retried).toContain(sop);
        const client = new DicomWebClient({ root: back.dicomWebRoot });
        const { studyInstanceUID } = parseSegmentation(bytes, path);
        const segSeries = await client.searchSeries(studyInstanceUID, { Modality: 'SEG' });
        expect(segSeries).toHaveLength(1);
        const stored = await client.searchInstances({
          root: back.dicomWebRoot,
          studyInstanceUID,
          seriesInstanceUID: segSeries[0].seriesInstanceUID,
        });
        expect(stored).toEqual([sop]);
        // The outbox is empty now: a second retry has nothing to store.
        await page.click('[data-cy="RobustMedSamRetrySave-btn"]');
        await waitForNotification(page, /No SEG is waiting/);
      } finally {
        await back.stop();
      }
    } finally {
      await viewer.close();
    }
  }, 300_000);
});
