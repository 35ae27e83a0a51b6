/**
 * The real OHIF Viewer (the prebuilt @ohif/app that `npm install` puts in vendor/ohif-app) served with
 * our own app-config.js, the extension bundle (dist/ohif, `npm run build:ohif`) and local data:
 *   /app-config.js              OHIF's config: its data sources, the extension, its buttons
 *   /dicom-web/<path>           PACS mode only: a proxy to the PACS's DICOMweb root (every method, bodies
 *                               streamed both ways), so a cross-origin-isolated page reaches it on its own
 *                               origin; OHIF's own `dicomweb` data source (the default then) uses it
 *   /robustmedsam/<file>        the extension bundle, worker and wasm
 *   /samples/<series>.json      a dicomjson manifest for each series folder under the samples root
 *   /samples/<path>             the DICOM files (and SEGs) under the samples root
 *   /models/<path>              model folders (model.json + graphs), when a models root is given
 *   anything else               OHIF's own files; its routes (/segmentation, /viewer, ...) get index.html
 * Cross-origin isolation headers are sent unless `isolation: false` (OHIF's usual deployment sends none).
 * Paths are confined to their roots; nothing is configured through the page's URL. A PACS that is down
 * or does not answer in time gives OHIF a 502 or 504 with a one-line text, never a hung request.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { DicomWebClient } from '../../src/dicom/dicomweb/client.ts';
import { InputError } from '../../src/errors.ts';
import { listSeries } from '../demo/local-data-plugin.ts';
import { dicomJsonManifest, readSeriesFolder, type SeriesFolder } from './dicomjson.ts';
import { ohifAppConfigAdditions } from './install-notes.ts';

export const EXTENSION_PATH = '/robustmedsam/robustmedsam-ohif.js';
/** Where the PACS's DICOMweb root is served on the page's origin in PACS mode. */
export const DICOMWEB_PROXY_PATH = '/dicom-web';

/** A DICOMweb PACS that OHIF reads from and stores to, through the server's proxy. */
export interface OhifPacs {
  /** The PACS's DICOMweb service root, e.g. http://127.0.0.1:8042/dicom-web (Orthanc). */
  dicomWebRoot: string;
  /** An Authorization header the proxy adds to every request: credentials stay on the server. */
  authorization?: string;
  /** The data source's name in OHIF (default "PACS (DICOMweb)"). */
  friendlyName?: string;
  /** Longest silence from the PACS, while connecting or answering, before a 504 (default 60 s). */
  timeoutMs?: number;
}

export interface OhifServerOptions {
  /** vendor/ohif-app: OHIF's prebuilt dist/. */
  appDir: string;
  /** dist/ohif: the built extension. */
  extensionDir: string;
  /**
   * Folders of DICOM series (one series per folder), served as OHIF's dicomjson data source; may be
   * null in PACS mode.
   */
  samples: string | null;
  /** PACS mode: OHIF's dicomweb data source (the default) on this PACS, through /dicom-web. */
  pacs?: OhifPacs | null;
  models?: string | null;
  /** A model folder URL for the `robustmedsam.modelUrl` customisation (default: the classical engine). */
  modelUrl?: string | null;
  /** Other robustmedsam.* customisations by id, set in the app config (e.g. slicesToPreEncode: 0). */
  customizations?: Record<string, unknown>;
  /** Send COOP/COEP so wasm may use threads (default true). */
  isolation?: boolean;
  host?: string;
  port?: number;
}

export interface OhifStudy {
  /** The series folder, relative to the samples root; in PACS mode the series' modality and description. */
  id: string;
  /** Where the study comes from: the dicomjson samples or the PACS (dicomweb). */
  source: 'dicomjson' | 'dicomweb';
  studyInstanceUID: string;
  seriesInstanceUID: string;
  /** Path (with query) that opens the study in OHIF's segmentation mode. */
  segmentationPath: string;
  /** The same in the basic viewer (longitudinal mode). */
  viewerPath: string;
}

export interface OhifServer {
  url: string;
  studies: OhifStudy[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.html': 'text/html',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.dcm': 'application/dicom',
  '.onnx': 'application/octet-stream',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * OHIF's own `dicomweb` data source (OHIF 3.13, @ohif/extension-default) on a DICOMweb root: QIDO-RS
 * for the study list and series, WADO-RS metadata and frames for images and thumbnails, whole instances
 * for SEGs, STOW-RS for what the viewer stores. `root` is absolute (OHIF and Cornerstone's loaders take
 * it as given); for the demo server it is the page's own origin + /dicom-web, the proxy.
 */
export function dicomWebDataSource(root: string, friendlyName = 'PACS (DICOMweb)') {
  return {
    namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
    sourceName: 'dicomweb',
    configuration: {
      friendlyName,
      name: 'pacs',
      qidoRoot: root,
      wadoRoot: root,
      wadoUriRoot: root,
      qidoSupportsIncludeField: true,
      imageRendering: 'wadors',
      thumbnailRendering: 'wadors',
      enableStudyLazyLoad: true,
      supportsFuzzyMatching: false,
      supportsWildcard: true,
      supportsStow: true,
      supportsReject: false,
      dicomUploadEnabled: false,
      omitQuotationForMultipartRequest: true,
      bulkDataURI: { enabled: true },
    },
  };
}

/** The app config's data sources: the dicomjson samples, a PACS (dicomweb, then the default), or both. */
export interface AppConfigSources {
  dicomjson?: boolean;
  /** The absolute DICOMweb root OHIF uses (the proxy on the page's origin) and the source's name. */
  dicomweb?: { root: string; friendlyName?: string } | null;
}

/** The app config: OHIF's secure defaults, its data sources, and what our install notes add. */
export function appConfigScript(
  options: Pick<OhifServerOptions, 'modelUrl' | 'customizations'>,
  sources: AppConfigSources = { dicomjson: true },
): string {
  const additions = ohifAppConfigAdditions(EXTENSION_PATH);
  const dataSources: unknown[] = [];
  if (sources.dicomweb)
    dataSources.push(dicomWebDataSource(sources.dicomweb.root, sources.dicomweb.friendlyName));
  if (sources.dicomjson !== false) {
    dataSources.push({
      namespace: '@ohif/extension-default.dataSourcesModule.dicomjson',
      sourceName: 'dicomjson',
      configuration: { friendlyName: 'Bundled samples', name: 'json' },
    });
  }
  const config = {
    name: 'robustmedsam-demo',
    routerBasename: null,
    extensions: additions.extensions,
    modes: [],
    customizationService: {
      ...additions.customizationService,
      global: {
        // The onboarding tour's dialog covers the viewer on first visit.
        'ohif.tours': { $set: [] },
        ...(options.modelUrl ? { 'robustmedsam.modelUrl': { $set: options.modelUrl } } : {}),
        ...Object.fromEntries(
          Object.entries(options.customizations ?? {}).map(([id, value]) => [id, { $set: value }]),
        ),
      },
    },
    investigationalUseDialog: { option: 'never' },
    showStudyList: true,
    maxNumberOfWebWorkers: 3,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: false,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    defaultDataSourceName: sources.dicomweb ? 'dicomweb' : 'dicomjson',
    dataSources,
  };
  return `// Written by the RobustMedSAM demo server (extension/ohif/server.ts).\nwindow.config = ${JSON.stringify(config, null, 2)};\n`;
}

/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** The Host the browser used, when it is a plain host[:port] (it goes into URLs the page is given). */
function requestHost(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host ?? '';
  return /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? host : fallback;
}

/**
 * Forwards one request to the PACS under `root` (method, headers, body streamed), and its answer back.
 * The PACS is told the page's host (RFC 7239 Forwarded) so that URLs it writes into answers (Orthanc's
 * RetrieveURL) point at the proxy. An unreachable PACS is a 502, one that stays silent past the time-out
 * a 504, each with a one-line text; a failure after the answer began ends the response.
 */
function proxyToPacs(
  req: IncomingMessage,
  res: ServerResponse,
  pacs: OhifPacs,
  subPath: string,
  pageHost: string,
  extraHeaders: Record<string, string>,
): void {
  const root = new URL(pacs.dicomWebRoot.replace(/\/+$/, ''));
  const target = new URL(root.href);
  const search = new URL(req.url ?? '/', 'http://local').search;
  target.pathname = `${root.pathname}${subPath}`;
  target.search = search;
  const headers: Record<string, string | string[]> = {
    ...forwardedHeaders(req.headers),
    host: root.host,
    forwarded: `host=${pageHost};proto=http`,
    'x-forwarded-host': pageHost,
    'x-forwarded-proto': 'http',
  };
  if (pacs.authorization) headers.authorization = pacs.authorization;
  const fail = (status: number, text: string) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      ...extraHeaders,
    });
    res.end(`${text}\n`);
  };
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = request(target, { method: req.method, headers }, (answer) => {
    const back: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
    }
    res.writeHead(answer.statusCode ?? 502, { ...back, ...extraHeaders });
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  const timeoutMs = pacs.timeoutMs ?? 60_000;
  upstream.setTimeout(timeoutMs, () => {
    upstream.destroy();
    fail(504, `The PACS at ${root.origin} did not answer within ${Math.round(timeoutMs / 1000)} s.`);
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    fail(502, `The PACS at ${root.origin} cannot be reached (${error.code ?? error.message}).`);
  });
  // The browser went away (a cancelled request): stop the PACS's work too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** Studies on the PACS, one entry per image series (SEGs and other derived objects left out). */
async function pacsStudies(pacs: OhifPacs): Promise<OhifStudy[]> {
  const client = new DicomWebClient({
    root: pacs.dicomWebRoot,
    headers: pacs.authorization ? { authorization: pacs.authorization } : {},
    timeoutMs: pacs.timeoutMs ?? 60_000,
  });
  const studies: OhifStudy[] = [];
  for (const study of await client.searchStudies()) {
    const query = `?StudyInstanceUIDs=${study.studyInstanceUID}`;
    for (const series of await client.searchSeries(study.studyInstanceUID)) {
      if (['SEG', 'RTSTRUCT', 'SR', 'PR', 'KO'].includes(series.modality)) continue;
      studies.push({
        id: [series.modality, series.seriesDescription || study.studyDescription].filter(Boolean).join(' '),
        source: 'dicomweb',
        studyInstanceUID: study.studyInstanceUID,
        seriesInstanceUID: series.seriesInstanceUID,
        segmentationPath: `/segmentation/dicomweb${query}`,
        viewerPath: `/viewer/dicomweb${query}`,
      });
    }
  }
  return studies.sort((a, b) => a.id.localeCompare(b.id));
}

function fileUnder(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = resolve(root, `.${decoded}`);
  if (!file.startsWith(resolve(root) + sep)) return null;
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

export async function startOhifServer(options: OhifServerOptions): Promise<OhifServer> {
  for (const [what, dir, fix] of [
    ['The OHIF app', options.appDir, 'run `npm install` online (its postinstall fetches @ohif/app)'],
    ['The extension bundle', options.extensionDir, 'run `npm run build:ohif`'],
  ] as const) {
    if (!existsSync(resolve(dir, what === 'The OHIF app' ? 'index.html' : 'robustmedsam-ohif.js'))) {
      throw new InputError('missing-build', `${what} is missing from ${dir}.`, `To get it, ${fix}.`);
    }
  }
  const isolation = options.isolation !== false;
  // Each series folder is read once: its attributes make both the study list and the manifests. A
  // folder that cannot be served as a study is reported and left out; the others still open.
  const folders = new Map<string, SeriesFolder>();
  const samples = options.samples;
  for (const { id } of samples ? listSeries(samples) : []) {
    try {
      folders.set(id, readSeriesFolder(resolve(samples as string, id)));
    } catch (error) {
      console.warn(`OHIF demo server: ${id} is left out: ${(error as Error).message}`);
    }
  }
  const pacs = options.pacs ?? null;
  if (!pacs && !samples) {
    throw new InputError(
      'no-data',
      'The OHIF server needs a samples folder or a PACS.',
      'Pass samples or pacs.',
    );
  }
  let pacsList: OhifStudy[] = [];
  if (pacs) {
    try {
      pacsList = await pacsStudies(pacs);
    } catch (error) {
      throw new InputError(
        'pacs-unreachable',
        `The PACS at ${pacs.dicomWebRoot} cannot be searched: ${(error as Error).message}`,
        'Start the PACS (npm run pacs starts a local Orthanc) or give the right DICOMweb root.',
        { cause: error },
      );
    }
  }
  // Per request only in PACS mode: the DICOMweb root in it is the origin the browser used.
  const configFor = (host: string) =>
    appConfigScript(options, {
      dicomjson: !!samples,
      dicomweb: pacs
        ? {
            root: `http://${host}${DICOMWEB_PROXY_PATH}`,
            ...(pacs.friendlyName ? { friendlyName: pacs.friendlyName } : {}),
          }
        : null,
    });
  let origin = '';

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      ...(isolation ? ISOLATION : {}),
    });
    res.end(body);
  };
  const sendFile = (res: ServerResponse, file: string) => {
    res.writeHead(200, {
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(statSync(file).size),
      'cache-control': 'no-store',
      ...(isolation ? ISOLATION : {}),
    });
    createReadStream(file).pipe(res);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const host = requestHost(req, new URL(origin).host);
    if (pacs && (path === DICOMWEB_PROXY_PATH || path.startsWith(`${DICOMWEB_PROXY_PATH}/`))) {
      return proxyToPacs(
        req,
        res,
        pacs,
        path.slice(DICOMWEB_PROXY_PATH.length),
        host,
        isolation ? ISOLATION : {},
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'read-only server');
    if (path === '/app-config.js') return send(res, 200, 'text/javascript', configFor(host));
    const routes: Array<[string, string | null | undefined]> = [
      ['/robustmedsam/', options.extensionDir],
      ['/models/', options.models],
    ];
    for (const [prefix, root] of routes) {
      if (!path.startsWith(prefix)) continue;
      const file = root ? fileUnder(root, path.slice(prefix.length - 1)) : null;
      return file ? sendFile(res, file) : send(res, 404, 'text/plain', 'not found');
    }
    if (path.startsWith('/samples/')) {
      const id = /^\/samples\/(.+)\.json$/.exec(path)?.[1];
      const folder = id === undefined ? undefined : folders.get(id);
      if (id !== undefined && folder) {
        // The page's own origin, as the browser spelled it (localhost or 127.0.0.1): files on another
        // origin would be blocked under cross-origin isolation.
        const base = `http://${host}/samples/${id}/`;
        return send(res, 200, 'application/json', JSON.stringify(dicomJsonManifest(folder, base)));
      }
      const file = samples ? fileUnder(samples, path.slice('/samples'.length)) : null;
      return file ? sendFile(res, file) : send(res, 404, 'text/plain', 'not found');
    }
    const file = fileUnder(options.appDir, path);
    if (file) return sendFile(res, file);
    // OHIF's client-side routes; a missing asset stays a 404.
    if (extname(path) && !path.endsWith('.html')) return send(res, 404, 'text/plain', 'not found');
    return sendFile(res, resolve(options.appDir, 'index.html'));
  };

  const server: Server = createServer(handle);
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => done());
  });
  const address = server.address() as AddressInfo;
  origin = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
  const sampleStudies = [...folders].map(([id, folder]): OhifStudy => {
    const studyUid = String(folder.attributes[0].StudyInstanceUID);
    const query = `?url=${encodeURIComponent(`/samples/${id}.json`)}&StudyInstanceUIDs=${studyUid}`;
    return {
      id,
      source: 'dicomjson',
      studyInstanceUID: studyUid,
      seriesInstanceUID: String(folder.attributes[0].SeriesInstanceUID),
      segmentationPath: `/segmentation/dicomjson${query}`,
      viewerPath: `/viewer/dicomjson${query}`,
    };
  });
  return {
    url: origin,
    studies: [...pacsList, ...sampleStudies],
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
