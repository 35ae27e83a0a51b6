/**
 * The demo's PACS panel: a DICOMweb server (its service root from `?dicomweb=ROOT`, the field, or the
 * demo server's own proxy of ROBUSTMEDSAM_PACS_URL at /dicom-web), its studies and series through
 * QIDO-RS, a series opened through Cornerstone's wadors loader (main.ts, dicomweb-series.ts), a SEG
 * series shown on the series it was made for, and "Save SEG to PACS" with STOW-RS. A SEG that is not
 * stored, for whatever reason, stays in the outbox (IndexedDB, extension/src/seg-outbox.ts) with
 * "Retry save" and "Download"; a retry stores the same bytes, so the same SOP Instance UID.
 * Credentials (an Authorization header) are the user's, kept in memory for the root they were given for.
 */
import { parseDicom, sequence, text } from '../../src/dicom/dataset.ts';
import { DicomWebClient, type SeriesSummary, type StudySummary } from '../../src/dicom/dicomweb/client.ts';
import type { StowResult } from '../../src/dicom/dicomweb/stow.ts';
import type { DicomWebSeriesRef } from '../../src/dicom/dicomweb/urls.ts';
import { DicomWebError, InputError } from '../../src/errors.ts';
import { createDefaultSegHost, downloadFile } from '../src/default-seg-host.ts';
import { type OutboxEntry, openSegOutbox, type SegOutbox } from '../src/seg-outbox.ts';
import { headersForRoot, setLoaderHeaders } from './pacs-headers.ts';
import { fetchJson } from './settings-panel.ts';
import { $, describeError, setMessage, type ViewerState } from './viewer-state.ts';

export interface PacsPanelHost {
  /** Opens a DICOMweb series in the viewport (replacing what is shown). */
  openSeries(ref: DicomWebSeriesRef, name: string): Promise<void>;
}

/** Longest wait for one DICOMweb request from the page. */
const TIMEOUT_MS = 30_000;
const CREDENTIALS_HINT =
  'Enter the credentials the server accepts in the PACS panel\'s Authorization field ("Bearer TOKEN" or "Basic …"), then try again.';
/** What the outbox entry says while a store is running, should the page close before it ends. */
const UNFINISHED = 'The save did not finish (the page was closed while storing).';

/** The service root `value` names (relative to the page allowed), or a refusal that says why. */
export function serviceRoot(value: string): string {
  const trimmed = value.trim();
  if (!trimmed) {
    throw new InputError(
      'no-pacs',
      'No PACS is set.',
      'Enter the DICOMweb service root in the PACS panel (e.g. http://HOST:8042/dicom-web), or open the page with ?dicomweb=ROOT.',
    );
  }
  let url: URL;
  try {
    url = new URL(trimmed, location.href);
  } catch {
    throw new InputError('bad-dicomweb-url', `"${trimmed}" is not a URL.`, 'Give http(s)://HOST/PATH.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(
      'bad-dicomweb-url',
      `"${trimmed}" is not an http(s) URL.`,
      'Give http(s)://HOST/PATH.',
    );
  }
  if (url.username || url.password) {
    throw new InputError(
      'credentials-in-url',
      'The DICOMweb URL carries a user name or password; URLs end up in history and logs.',
      'Remove them from the URL and enter the credentials in the Authorization field instead.',
    );
  }
  // A resource URL (…/studies/UID/…) names its root too.
  const cut = url.pathname.search(/\/studies(\/|$)/);
  const path = (cut >= 0 ? url.pathname.slice(0, cut) : url.pathname).replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

/** The Authorization header from the field: a bare token is a bearer token. */
function authHeaders(value: string): Record<string, string> {
  const v = value.trim();
  if (!v) return {};
  return { authorization: /^(Bearer|Basic|Negotiate|Digest)\s/i.test(v) ? v : `Bearer ${v}` };
}

/** A DICOMweb failure told for this page: a wrong root and a cross-origin server get their own advice. */
function describePacsError(error: unknown, root: string, what: 'list' | 'other' = 'other'): string {
  if (error instanceof DicomWebError) {
    if (what === 'list' && (error.failure === 'not-found' || error.failure === 'bad-response')) {
      return (
        `No DICOMweb service at ${root}: ${error.message} ` +
        'The root is the part of a DICOMweb URL before /studies (Orthanc: http://HOST:8042/dicom-web).'
      );
    }
    if (error.failure === 'unreachable' && new URL(root).origin !== location.origin) {
      return (
        `${error.message} This page is cross-origin isolated: a server on another origin must answer with ` +
        "CORS headers (Access-Control-Allow-Origin), or be served under this page's origin (the demo server " +
        'proxies ROBUSTMEDSAM_PACS_URL at /dicom-web).'
      );
    }
  }
  return describeError(error);
}

function formatDate(date: string): string {
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : date;
}

function button(label: string, testId: string, onClick: () => unknown): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.testid = testId;
  b.addEventListener('click', () => {
    Promise.resolve()
      .then(onClick)
      .catch((error) => setMessage(describeError(error), true));
  });
  return b;
}

export interface PacsPanel {
  /** The DICOMweb client for a root, with the credentials given for it. */
  clientFor(root: string): DicomWebClient;
  /** Lists the studies of the root given at start (URL or proxy), if any; call once the viewer is up. */
  start(): void;
}

/** Wires the panel (the outbox is read and shown at once). */
export async function wirePacsPanel(state: ViewerState, host: PacsPanelHost): Promise<PacsPanel> {
  const rootInput = $('pacs-root') as HTMLInputElement;
  const authInput = $('pacs-auth') as HTMLInputElement;
  const studyList = $('pacs-studies');
  const resultList = $('pacs-save-result');
  const outboxList = $('pacs-outbox');
  // Export without a download: "Save SEG to PACS" stores the bytes Export SEG would download.
  const exporter = createDefaultSegHost({ saveFile: () => undefined });

  const given = new URLSearchParams(location.search).get('dicomweb');
  const proxy = await fetchJson<{ dicomWebProxy: string | null }>('./pacs/index.json');
  rootInput.value = given ?? (proxy?.dicomWebProxy ? new URL(proxy.dicomWebProxy, location.href).href : '');

  /** The root in the field, with the field's credentials registered for it. */
  const currentRoot = () => {
    const root = serviceRoot(rootInput.value);
    setLoaderHeaders(root, authHeaders(authInput.value));
    return root;
  };
  const clientFor = (root: string) =>
    new DicomWebClient({
      root,
      headers: headersForRoot(root),
      timeoutMs: TIMEOUT_MS,
      credentialsHint: CREDENTIALS_HINT,
    });

  // --- Study and series lists -------------------------------------------------------------------
  const studyLabel = (s: StudySummary) =>
    [
      s.patientName || s.patientID || '(no patient name)',
      formatDate(s.studyDate) || '(no date)',
      s.studyDescription || '(no description)',
      s.modalities.join('/') || '?',
    ].join(' · ');
  const seriesLabel = (s: SeriesSummary) =>
    [
      s.modality || '?',
      s.seriesDescription || '(no description)',
      s.instances === undefined ? '' : `${s.instances} instance${s.instances === 1 ? '' : 's'}`,
    ]
      .filter(Boolean)
      .join(' · ');

  const listStudies = async () => {
    let root = '';
    studyList.replaceChildren();
    delete document.body.dataset.pacsStudies;
    try {
      root = currentRoot();
      setMessage(`Listing studies on ${root}…`);
      const studies = await clientFor(root).searchStudies();
      for (const study of studies) {
        const item = document.createElement('li');
        const open = button(studyLabel(study), 'pacs-study', () => listSeries(root, study, item));
        open.dataset.studyUid = study.studyInstanceUID;
        open.title = `Study ${study.studyInstanceUID}`;
        item.append(open);
        studyList.append(item);
      }
      setMessage(studies.length ? `${studies.length} studies on ${root}.` : `No studies on ${root}.`);
      document.body.dataset.pacsStudies = String(studies.length);
    } catch (error) {
      setMessage(root ? describePacsError(error, root, 'list') : describeError(error), true);
      document.body.dataset.pacsStudies = 'error';
    }
  };

  const listSeries = async (root: string, study: StudySummary, item: HTMLElement) => {
    item.querySelector('ul')?.remove();
    delete item.dataset.seriesListed;
    const list = document.createElement('ul');
    item.append(list);
    try {
      const series = await clientFor(root).searchSeries(study.studyInstanceUID);
      if (series.length === 0)
        setMessage(`The study ${study.studyInstanceUID} has no series on ${root}.`, true);
      // Images first, then derived objects (SEG), each by series number.
      series.sort(
        (a, b) =>
          Number(a.modality === 'SEG') - Number(b.modality === 'SEG') ||
          (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0),
      );
      for (const s of series) {
        const ref = {
          root,
          studyInstanceUID: study.studyInstanceUID,
          seriesInstanceUID: s.seriesInstanceUID,
        };
        const entry = document.createElement('li');
        const open = button(seriesLabel(s), 'pacs-series', () =>
          s.modality === 'SEG' ? openSegSeries(ref) : openSeries(ref, seriesLabel(s)),
        );
        open.dataset.seriesUid = s.seriesInstanceUID;
        open.dataset.modality = s.modality;
        entry.append(open);
        list.append(entry);
      }
      item.dataset.seriesListed = String(series.length);
    } catch (error) {
      setMessage(describePacsError(error, root), true);
      item.dataset.seriesListed = 'error';
    }
  };

  const openSeries = async (ref: DicomWebSeriesRef, name: string) => {
    try {
      await host.openSeries(ref, name);
    } catch (error) {
      setMessage(describePacsError(error, ref.root), true);
    }
  };

  /** A SEG series: each SEG instance shown on the image series it references (opened if need be). */
  const openSegSeries = async (ref: DicomWebSeriesRef) => {
    try {
      const client = clientFor(ref.root);
      const uids = await client.searchInstances(ref);
      if (uids.length === 0) {
        throw new InputError(
          'empty-series',
          `The SEG series ${ref.seriesInstanceUID} on ${ref.root} has no instances.`,
          'Choose another series.',
        );
      }
      for (const sopInstanceUID of uids) {
        setMessage(`Reading SEG ${sopInstanceUID}…`);
        const bytes = await client.retrieveInstance({ ...ref, sopInstanceUID });
        const name = `SEG ${sopInstanceUID}`;
        const ds = parseDicom(bytes, name).dataset;
        const referenced = sequence(ds, 'ReferencedSeriesSequence')[0];
        const imageSeries = referenced ? text(referenced, 'SeriesInstanceUID') : '';
        if (!imageSeries) {
          throw new InputError(
            'seg-without-series',
            `${name} names no referenced series (ReferencedSeriesSequence), so it cannot be placed on images.`,
            'The SEG is damaged or incomplete.',
          );
        }
        if (state.loaded?.series.seriesInstanceUID !== imageSeries) {
          await host.openSeries(
            {
              root: ref.root,
              studyInstanceUID: text(ds, 'StudyInstanceUID'),
              seriesInstanceUID: imageSeries,
            },
            `series ${imageSeries}`,
          );
        }
        await state.segHost.loadSeg(state.session, { bytes, name });
      }
      document.body.dataset.pacsSegShown = String(Date.now());
    } catch (error) {
      setMessage(describePacsError(error, ref.root), true);
    }
  };

  // --- Save, outbox, retry ----------------------------------------------------------------------
  let outbox: SegOutbox | null = null;
  let outboxProblem = '';
  try {
    outbox = await openSegOutbox();
  } catch (error) {
    outboxProblem = describeError(error);
    console.warn(outboxProblem);
  }
  /** Entries kept in memory when IndexedDB is unavailable (they are downloaded as well). */
  const memory = new Map<string, OutboxEntry>();
  const running = new Set<string>();

  const keep = async (entry: OutboxEntry): Promise<void> => {
    if (outbox) {
      try {
        await outbox.put(entry);
        return;
      } catch (error) {
        outboxProblem = describeError(error);
      }
    }
    if (!memory.has(entry.sopInstanceUID)) downloadFile(entry.bytes, `${entry.sopInstanceUID}.seg.dcm`);
    memory.set(entry.sopInstanceUID, entry);
  };
  const drop = async (uid: string) => {
    memory.delete(uid);
    await outbox?.remove(uid);
  };
  const entries = async () => [...((await outbox?.list().catch(() => [])) ?? []), ...memory.values()];

  const renderOutbox = async () => {
    const all = await entries();
    outboxList.replaceChildren(
      ...all.map((entry) => {
        const item = document.createElement('li');
        item.dataset.testid = 'outbox-entry';
        item.dataset.sopInstanceUid = entry.sopInstanceUID;
        const what = document.createElement('div');
        what.textContent = `SEG ${entry.sopInstanceUID} · ${new Date(entry.created).toLocaleString()} · to ${entry.root} · ${entry.attempts === 1 ? '1 try' : `${entry.attempts} tries`}`;
        const why = document.createElement('div');
        why.className = 'error';
        why.dataset.testid = 'outbox-error';
        why.textContent = running.has(entry.sopInstanceUID) ? 'Storing…' : entry.lastError;
        const row = document.createElement('div');
        row.className = 'row';
        row.append(
          button('Retry save', 'outbox-retry', () => retry(entry.sopInstanceUID)),
          button('Download', 'outbox-download', () =>
            downloadFile(entry.bytes, `${entry.sopInstanceUID}.seg.dcm`),
          ),
        );
        item.append(what, why, row);
        return item;
      }),
    );
    $('pacs-outbox-title').textContent = `Outbox (${all.length} not stored)`;
    document.body.dataset.outbox = String(all.length);
  };

  const showResult = (entry: OutboxEntry, result: StowResult | null, error: string) => {
    resultList.replaceChildren();
    resultList.dataset.sopInstanceUid = entry.sopInstanceUID;
    const outcomes = result?.instances ?? [
      { sopInstanceUID: entry.sopInstanceUID, outcome: 'failed' as const, reason: error },
    ];
    for (const r of outcomes) {
      const item = document.createElement('li');
      item.dataset.outcome = r.outcome;
      item.textContent =
        r.outcome === 'stored'
          ? `${r.sopInstanceUID}: stored`
          : r.outcome === 'stored-with-warning'
            ? `${r.sopInstanceUID}: stored with a warning: ${r.reason}`
            : `${r.sopInstanceUID}: failed: ${r.reason}`;
      resultList.append(item);
    }
    resultList.dataset.outcome = outcomes.every((r) => r.outcome !== 'failed') ? 'stored' : 'failed';
    resultList.dataset.at = String(Date.now());
  };

  /** One store of the entry; true when the server stored it (then it leaves the outbox). */
  const attempt = async (entry: OutboxEntry): Promise<boolean> => {
    const uid = entry.sopInstanceUID;
    if (running.has(uid)) {
      setMessage(`SEG ${uid} is being stored already.`);
      return false;
    }
    running.add(uid);
    await renderOutbox();
    setMessage(`Storing SEG ${uid} in ${entry.root}…`);
    entry.attempts += 1;
    let result: StowResult | null = null;
    let reason = '';
    try {
      // The study, series and SOP UIDs let the client confirm with QIDO-RS that it is there.
      const instance = {
        sopInstanceUID: uid,
        studyInstanceUID: entry.studyInstanceUID,
        seriesInstanceUID: entry.seriesInstanceUID,
        bytes: entry.bytes,
      };
      result = await clientFor(entry.root).store([instance], entry.studyInstanceUID);
      const failed = result.instances.filter((r) => r.outcome === 'failed');
      if (failed.length > 0) {
        reason = `The server did not store it (HTTP ${result.httpStatus}): ${failed.map((f) => f.reason).join('; ')}.`;
      }
    } catch (error) {
      reason = describePacsError(error, entry.root);
    } finally {
      running.delete(uid);
    }
    // The outbox and the message line first, the per-instance answer last (tests wait for it).
    if (!reason) {
      await drop(uid);
      await renderOutbox();
      const warned = result?.instances.find((r) => r.outcome === 'stored-with-warning');
      setMessage(
        `Saved SEG ${uid} to the PACS (${entry.root})${warned ? `, with a warning: ${warned.reason}` : ''}.`,
      );
    } else {
      entry.lastError = reason;
      await keep(entry);
      await renderOutbox();
      setMessage(
        `Not saved to the PACS: ${reason} The SEG is kept in the outbox${outbox ? '' : ` (and was downloaded: ${outboxProblem})`}; use "Retry save" or "Download" there.`,
        true,
      );
    }
    showResult(entry, result, reason);
    return !reason;
  };

  const retry = async (uid: string) => {
    const entry = memory.get(uid) ?? (await outbox?.get(uid));
    if (entry) await attempt(entry);
  };

  let saving = false;
  state.pacs = {
    async save() {
      if (saving) {
        setMessage('A save to the PACS is running already.');
        return;
      }
      saving = true;
      try {
        const loaded = state.loaded;
        if (!loaded) {
          throw new InputError('no-series', 'No series is shown.', 'Open a series and segment it first.');
        }
        const root = loaded.source.kind === 'dicomweb' ? loaded.source.ref.root : currentRoot();
        const bytes = await exporter.exportSeg(state.session, state.session.customizations.exportMode);
        const ds = parseDicom(bytes, 'the exported SEG').dataset;
        const entry: OutboxEntry = {
          sopInstanceUID: text(ds, 'SOPInstanceUID'),
          studyInstanceUID: text(ds, 'StudyInstanceUID'),
          seriesInstanceUID: text(ds, 'SeriesInstanceUID'),
          root,
          bytes,
          created: new Date().toISOString(),
          lastError: UNFINISHED,
          attempts: 0,
        };
        // In the outbox before the store starts: a page closed meanwhile loses nothing.
        if (outbox) await outbox.put(entry).catch(() => undefined);
        await attempt(entry);
      } finally {
        saving = false;
      }
    },
  };

  $('pacs-connect').addEventListener('click', () => void listStudies());
  // New credentials count for the root in the field from now on (the image loader's requests too).
  authInput.addEventListener('input', () => {
    try {
      currentRoot();
    } catch {
      // No usable root yet: the credentials are taken when one is given.
    }
  });
  rootInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void listStudies();
  });
  await renderOutbox();
  return {
    clientFor,
    start() {
      if (rootInput.value) void listStudies();
    },
  };
}
