/**
 * The demo viewer on a real DICOMweb PACS, in Debian's chromium: a private Orthanc (started here,
 * seeded with the bundled CT) behind a switchable fault proxy, proxied by the viewer's own server at
 * /dicom-web. The CT is found through the study list (QIDO-RS) and loaded by Cornerstone's wadors
 * loader; a box drawn with the mouse is segmented (classical engine) and saved with "Save SEG to PACS"
 * (STOW-RS); the SEG is found in Orthanc by QIDO-RS and holds exactly the page's labelmap; after a
 * reload it is opened from the study list onto the series with the same voxels. Faults: the store
 * refused (503), the connection dropped after the server stored it: the SEG stays in the outbox
 * across a reload, a retry stores it, and Orthanc holds it exactly once. Nothing leaves the page's origin.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DICOMWEB_PLUGIN,
  filesUnder,
  ORTHANC_BINARY,
  type Orthanc,
  startOrthanc,
} from '../../extension/pacs/orthanc.ts';
import { DicomWebClient } from '../../src/dicom/dicomweb/client.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import type { Series } from '../../src/dicom/series.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { maskBoundingBox } from '../../src/model/mask-box.ts';
import { missingTools } from '../helpers/tools.ts';
import {
  CHROMIUM,
  CT,
  CT_TRUTH,
  currentIndex,
  dragImageBox,
  type FaultProxy,
  foreignRequests,
  labelVolume,
  openPacsSeries,
  openPacsStudy,
  openViewer,
  pacsStudies,
  reloadViewer,
  SAMPLES,
  screenshot,
  startFaultProxy,
  startViewer,
  type ViewerBrowser,
  type ViewerServer,
} from './viewer-harness.ts';

const missing = missingTools({ paths: [CHROMIUM, CT, CT_TRUTH, ORTHANC_BINARY, DICOMWEB_PLUGIN] });

describe.skipIf(missing)('demo viewer on a DICOMweb PACS (Orthanc) in chromium', () => {
  let orthanc: Orthanc;
  let fault: FaultProxy;
  let server: ViewerServer;
  let series: Series;
  let liverMasks: Uint8Array;
  let client: DicomWebClient;
  let studyUid = '';
  let ctSeriesUid = '';

  beforeAll(async () => {
    series = readSeriesFromDirectory(CT);
    studyUid = series.study.studyInstanceUID;
    ctSeriesUid = series.seriesInstanceUID;
    const truth = parseSegmentation(readFileSync(CT_TRUTH), CT_TRUTH);
    liverMasks = masksForSeries(truth, series).masks[truth.segments.findIndex((s) => s.label === 'Liver')];
    orthanc = await startOrthanc();
    await orthanc.seed(filesUnder(CT));
    client = new DicomWebClient({ root: orthanc.dicomWebRoot });
    fault = await startFaultProxy(orthanc.url);
    server = await startViewer({ samples: SAMPLES, pacs: `${fault.url}/dicom-web` });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await fault?.close();
    await orthanc?.stop();
  });

  const { rows, columns } = { rows: 512, columns: 512 };
  const pixels = rows * columns;

  /** Opens the CT from the study list and accepts a box around the liver; returns the labelmap. */
  const segmentLiverFromPacs = async (viewer: ViewerBrowser): Promise<Uint8Array> => {
    const { page } = viewer;
    const studies = await pacsStudies(page);
    expect(studies.map((s) => s.uid)).toEqual([studyUid]);
    // Patient, date, description, modalities (SEG too, once one is saved).
    expect(studies[0].label).toMatch(/^PHANTOM\^ABDOMEN CT · 2026-11-28 · \(no description\) · CT(\/SEG)?$/);
    const listed = await openPacsStudy(page, studyUid);
    expect(listed[0]).toEqual({
      uid: ctSeriesUid,
      modality: 'CT',
      label: 'CT · Synthetic abdominal CT phantom · 40 instances',
    });
    await openPacsSeries(page, ctSeriesUid);
    expect(await page.textContent('[data-testid="series-info"]')).toMatch(/^CT · 40 slices · 512×512/);
    const index = await currentIndex(page);
    const truthBox = maskBoundingBox(
      liverMasks.subarray(index * pixels, (index + 1) * pixels),
      rows,
      columns,
    )!;
    const before = Number(
      (await page.getAttribute('[data-testid="status-result"]', 'data-preview-count')) ?? 0,
    );
    await dragImageBox(page, {
      x0: truthBox.x0 - 5,
      y0: truthBox.y0 - 5,
      x1: truthBox.x1 + 5,
      y1: truthBox.y1 + 5,
    });
    await page.waitForSelector(`[data-testid="status-result"][data-preview-count="${before + 1}"]`, {
      state: 'attached',
      timeout: 60_000,
    });
    await page.keyboard.press('Enter');
    const volume = await labelVolume(page, 1, series.slices.length, pixels);
    expect(volume.subarray(index * pixels, (index + 1) * pixels).includes(1)).toBe(true);
    return volume;
  };

  /** Clicks "Save SEG to PACS" (or runs `action`) and waits for the page's per-instance answer. */
  const saveResult = async (page: ViewerBrowser['page'], action: () => Promise<void>) => {
    const before = (await page.getAttribute('[data-testid="pacs-save-result"]', 'data-at')) ?? '';
    await action();
    await page.waitForFunction(
      (b) => {
        const at = document.getElementById('pacs-save-result')?.dataset.at ?? '';
        return at !== '' && at !== b;
      },
      before,
      { timeout: 60_000 },
    );
    return {
      outcome: (await page.getAttribute('[data-testid="pacs-save-result"]', 'data-outcome')) ?? '',
      sopInstanceUID:
        (await page.getAttribute('[data-testid="pacs-save-result"]', 'data-sop-instance-uid')) ?? '',
      shown: (await page.textContent('[data-testid="pacs-save-result"]')) ?? '',
      message: (await page.textContent('[data-testid="message"]')) ?? '',
    };
  };
  const outboxUids = (page: ViewerBrowser['page']) =>
    page.$$eval('[data-testid="outbox-entry"]', (items) =>
      items.map((i) => (i as HTMLElement).dataset.sopInstanceUid ?? ''),
    );
  /** The SEG instances with this SOP Instance UID in Orthanc, by QIDO-RS over the whole study. */
  const segInstancesInPacs = async (sopInstanceUID: string) => {
    const segSeries = await client.searchSeries(studyUid, { Modality: 'SEG' });
    const found: string[] = [];
    for (const s of segSeries) {
      const uids = await client.searchInstances({
        root: client.root,
        studyInstanceUID: studyUid,
        seriesInstanceUID: s.seriesInstanceUID,
      });
      found.push(...uids.filter((uid) => uid === sopInstanceUID).map(() => s.seriesInstanceUID));
    }
    return found;
  };
  const pacsMask = async (segSeriesUid: string, sopInstanceUID: string) => {
    const bytes = await client.retrieveInstance({
      root: client.root,
      studyInstanceUID: studyUid,
      seriesInstanceUID: segSeriesUid,
      sopInstanceUID,
    });
    const seg = parseSegmentation(bytes, sopInstanceUID);
    expect(seg.segments.map((s) => s.label)).toEqual(['Liver']);
    return masksForSeries(seg, series).masks[0];
  };
  const differing = (a: Uint8Array, b: Uint8Array) => {
    let n = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
    return n;
  };

  it('loads the CT from the PACS, saves the SEG there, and shows it again from the PACS after a reload', async () => {
    const started = Date.now();
    const step = (what: string) =>
      console.log(`pacs: ${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const viewer = await openViewer(server.url);
    const { page } = viewer;
    try {
      const labelmap = await segmentLiverFromPacs(viewer);
      step('segmented');
      // Images came through WADO-RS frames (the wadors loader), never as Part 10 instances.
      const frames = viewer.requests.filter((r) => /\/dicom-web\/studies\/.*\/frames\/1$/.test(r));
      expect(new Set(frames).size).toBe(40);
      expect(viewer.requests.filter((r) => /\/instances\/[0-9.]+$/.test(r))).toEqual([]);

      const saved = await saveResult(page, () => page.click('[data-testid="tool-SaveSegToPacs"]'));
      step('saved');
      await screenshot(page, 'pacs-1-saved');
      expect(saved.outcome, saved.message).toBe('stored');
      expect(saved.shown).toBe(`${saved.sopInstanceUID}: stored`);
      expect(saved.message).toContain(`Saved SEG ${saved.sopInstanceUID} to the PACS`);
      expect(await outboxUids(page)).toEqual([]);

      // In the PACS by QIDO-RS, once, with exactly the page's voxels.
      const segSeries = await segInstancesInPacs(saved.sopInstanceUID);
      expect(segSeries).toHaveLength(1);
      expect(differing(await pacsMask(segSeries[0], saved.sopInstanceUID), labelmap)).toBe(0);

      // Reload, open the study again: the SEG series is listed; opening it shows the SEG on the CT.
      await reloadViewer(viewer);
      await pacsStudies(page);
      const listed = await openPacsStudy(page, studyUid);
      expect(listed.map((s) => s.modality)).toEqual(['CT', 'SEG']);
      expect(listed[1].uid).toBe(segSeries[0]);
      await page.click(`[data-testid="pacs-series"][data-series-uid="${segSeries[0]}"]`);
      await page.waitForFunction(() => document.body.dataset.pacsSegShown !== undefined, null, {
        timeout: 60_000,
      });
      step('reopened');
      await screenshot(page, 'pacs-2-reopened');
      expect(await page.textContent('[data-testid="message"]')).toMatch(/^Loaded SEG .*1 segments/);
      expect(await page.textContent('[data-testid="series-info"]')).toMatch(/^CT · 40 slices/);
      // The loaded segment joins the list after the default one: segment 2.
      expect(differing(await labelVolume(page, 2, series.slices.length, pixels), labelmap)).toBe(0);
      expect(foreignRequests(viewer.requests, new URL(server.url).origin)).toEqual([]);
    } catch (error) {
      await screenshot(page, 'pacs-failure').catch(() => undefined);
      throw error;
    } finally {
      await viewer.close();
    }
  }, 180_000);

  it('keeps a SEG the PACS did not take in the outbox, across a reload, and a retry stores it once', async () => {
    const viewer = await openViewer(server.url);
    const { page } = viewer;
    try {
      const labelmap = await segmentLiverFromPacs(viewer);

      // 1. The PACS answers 503: not saved, the status line says why, the SEG waits in the outbox.
      fault.mode = 'fail-503';
      const refused = await saveResult(page, () => page.click('[data-testid="tool-SaveSegToPacs"]'));
      await screenshot(page, 'pacs-3-refused');
      expect(refused.outcome).toBe('failed');
      expect(refused.message).toMatch(
        /^Not saved to the PACS: The server failed "store \(STOW-RS\)".*: 503: PACS unavailable \(test fault\)/,
      );
      expect(refused.message).toContain('kept in the outbox');
      const uid = refused.sopInstanceUID;
      expect(await outboxUids(page)).toEqual([uid]);
      fault.mode = 'pass';
      expect(await segInstancesInPacs(uid)).toEqual([]);

      // 2. The outbox survives a reload.
      await reloadViewer(viewer);
      expect(await outboxUids(page)).toEqual([uid]);
      expect(await page.textContent('[data-testid="outbox-error"]')).toContain('503');

      // 3. The server stores it but the answer is lost: still in the outbox, already in the PACS.
      fault.mode = 'lose-answer';
      const lost = await saveResult(page, () => page.click('[data-testid="outbox-retry"]'));
      fault.mode = 'pass';
      expect(lost.outcome).toBe('failed');
      expect(lost.sopInstanceUID).toBe(uid);
      expect(await outboxUids(page)).toEqual([uid]);
      expect(await segInstancesInPacs(uid)).toHaveLength(1);

      // 4. Retry with the PACS back: stored, out of the outbox, and in the PACS exactly once.
      const retried = await saveResult(page, () => page.click('[data-testid="outbox-retry"]'));
      await screenshot(page, 'pacs-4-retried');
      expect(retried.outcome, retried.message).toBe('stored');
      expect(retried.sopInstanceUID).toBe(uid);
      expect(await outboxUids(page)).toEqual([]);
      const inPacs = await segInstancesInPacs(uid);
      expect(inPacs).toHaveLength(1);
      expect(differing(await pacsMask(inPacs[0], uid), labelmap)).toBe(0);

      // 5. After a reload the outbox is empty.
      await reloadViewer(viewer);
      expect(await outboxUids(page)).toEqual([]);
      expect(await page.getAttribute('body', 'data-outbox')).toBe('0');
      expect(foreignRequests(viewer.requests, new URL(server.url).origin)).toEqual([]);
    } catch (error) {
      await screenshot(page, 'pacs-failure-outbox').catch(() => undefined);
      throw error;
    } finally {
      fault.mode = 'pass';
      await viewer.close();
    }
  }, 180_000);

  it('says clearly what is wrong: a wrong root, credentials in the URL, a PACS down, an empty series, a frame that fails, credentials needed', async () => {
    const viewer = await openViewer(server.url);
    const { page } = viewer;
    /** Runs `action` and returns the error the message line then shows. */
    const failure = async (what: string, action: () => Promise<unknown>) => {
      await page.evaluate(() => {
        const line = document.getElementById('message')!;
        line.textContent = '';
        line.classList.remove('error');
      });
      await action();
      await page.waitForFunction(
        () => document.getElementById('message')?.classList.contains('error'),
        null,
        {
          timeout: 30_000,
        },
      );
      const text = (await page.textContent('[data-testid="message"]')) ?? '';
      console.log(`pacs: ${what}: ${text}`);
      return text;
    };
    const openWith = async (root: string) => {
      await page.goto(`${server.url}?dicomweb=${encodeURIComponent(root)}`);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 });
    };
    const listStudies = () => page.click('[data-testid="pacs-connect"]');
    const clickSeries = () => page.click(`[data-testid="pacs-series"][data-series-uid="${ctSeriesUid}"]`);
    try {
      // A root with no DICOMweb service behind it (this page's own server).
      expect(await failure('wrong root', () => openWith(new URL('/not-dicomweb', server.url).href))).toMatch(
        /^No DICOMweb service at http:\/\/127\.0\.0\.1:\d+\/not-dicomweb: .*The root is the part of a DICOMweb URL before \/studies/,
      );
      // Credentials in the URL are refused before any request.
      expect(
        await failure('credentials in the URL', () => openWith('http://user:secret@127.0.0.1:9/dicom-web')),
      ).toMatch(/carries a user name or password.*Authorization field/);
      // Another origin that does not answer: the cross-origin advice.
      expect(
        await failure('cross-origin, nothing there', () => openWith('http://127.0.0.1:9/dicom-web')),
      ).toMatch(/^Cannot reach the DICOMweb server .*cross-origin isolated.*\/dicom-web/);

      // The PACS down behind the viewer's proxy.
      await openWith(new URL('/dicom-web', server.url).href);
      await pacsStudies(page);
      fault.mode = 'close';
      expect(await failure('PACS down', listStudies)).toMatch(
        /502: the demo server's proxy got no answer from the PACS/,
      );
      fault.mode = 'pass';
      await listStudies();
      await pacsStudies(page);
      await openPacsStudy(page, studyUid);

      // A series the study lists whose metadata lists no instance.
      fault.respond = (method, path) =>
        method === 'GET' && path.endsWith('/metadata')
          ? { status: 200, body: '[]', type: 'application/dicom+json' }
          : undefined;
      expect(await failure('empty series', clickSeries)).toMatch(
        new RegExp(`^The series ${ctSeriesUid} on .* has no instances`),
      );

      // One frame of the series fails: an error naming that instance, no shorter series shown.
      const victim = series.slices[7].sopInstanceUID;
      fault.respond = (method, path) =>
        method === 'GET' && path.includes(`/instances/${victim}/frames/`)
          ? { status: 503, body: 'busy' }
          : undefined;
      expect(await failure('a frame fails', clickSeries)).toMatch(
        new RegExp(`Could not load instance ${victim} \\(slice 8 of 40\\).*HTTP 503`),
      );
      expect(await page.textContent('[data-testid="series-info"]')).toBe('');

      // A PACS that wants credentials: refused without; with the panel's Authorization field the study
      // list, the metadata and the image loader's frame requests all carry it (never in a URL).
      fault.respond = (_method, _path, headers) =>
        headers.authorization === 'Bearer test-token'
          ? undefined
          : { status: 401, body: 'credentials needed', type: 'text/plain' };
      expect(await failure('no credentials', listStudies)).toMatch(
        /401 Unauthorized.*Enter the credentials the server accepts in the PACS panel's Authorization field/,
      );
      await page.fill('[data-testid="pacs-auth"]', 'test-token');
      await listStudies();
      expect((await pacsStudies(page)).map((s) => s.uid)).toEqual([studyUid]);
      await openPacsStudy(page, studyUid);
      // The series whose frame failed opens now: the failure was not kept.
      await openPacsSeries(page, ctSeriesUid);
      expect(await page.textContent('[data-testid="series-info"]')).toMatch(/^CT · 40 slices/);
      expect(viewer.requests.filter((r) => r.includes('test-token'))).toEqual([]);
    } finally {
      fault.mode = 'pass';
      fault.respond = undefined;
      await viewer.close();
    }
  }, 120_000);
});
