/**
 * The real OHIF Viewer (the prebuilt @ohif/app that `npm install` puts in vendor/ohif-app) served with
 * our own app-config.js, the extension bundle (dist/ohif, `npm run build:ohif`) and local data:
 *   /app-config.js              OHIF's config: the dicomjson data source, the extension, its buttons
 *   /robustmedsam/<file>        the extension bundle, worker and wasm
 *   /samples/<series>.json      a dicomjson manifest for each series folder under the samples root
 *   /samples/<path>             the DICOM files (and SEGs) under the samples root
 *   /models/<path>              model folders (model.json + graphs), when a models root is given
 *   anything else               OHIF's own files; its routes (/segmentation, /viewer, ...) get index.html
 * Cross-origin isolation headers are sent unless `isolation: false` (OHIF's usual deployment sends none).
 * Paths are confined to their roots; nothing is configured through the page's URL.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { InputError } from '../../src/errors.ts';
import { listSeries } from '../demo/local-data-plugin.ts';
import { dicomJsonManifest, readSeriesFolder, type SeriesFolder } from './dicomjson.ts';
import { ohifAppConfigAdditions } from './install-notes.ts';

export const EXTENSION_PATH = '/robustmedsam/robustmedsam-ohif.js';

export interface OhifServerOptions {
  /** vendor/ohif-app: OHIF's prebuilt dist/. */
  appDir: string;
  /** dist/ohif: the built extension. */
  extensionDir: string;
  /** Folders of DICOM series (one series per folder). */
  samples: string;
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
  /** The series folder, relative to the samples root. */
  id: string;
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

/** The app config: OHIF's secure defaults, the dicomjson source, and what our install notes add. */
export function appConfigScript(options: Pick<OhifServerOptions, 'modelUrl' | 'customizations'>): string {
  const additions = ohifAppConfigAdditions(EXTENSION_PATH);
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
    defaultDataSourceName: 'dicomjson',
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomjson',
        sourceName: 'dicomjson',
        configuration: { friendlyName: 'Bundled samples', name: 'json' },
      },
    ],
  };
  return `// Written by the RobustMedSAM demo server (extension/ohif/server.ts).\nwindow.config = ${JSON.stringify(config, null, 2)};\n`;
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
  for (const { id } of listSeries(options.samples)) {
    try {
      folders.set(id, readSeriesFolder(resolve(options.samples, id)));
    } catch (error) {
      console.warn(`OHIF demo server: ${id} is left out: ${(error as Error).message}`);
    }
  }
  const configScript = appConfigScript(options);
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
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'read-only server');
    if (path === '/app-config.js') return send(res, 200, 'text/javascript', configScript);
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
        const base = `http://${req.headers.host ?? new URL(origin).host}/samples/${id}/`;
        return send(res, 200, 'application/json', JSON.stringify(dicomJsonManifest(folder, base)));
      }
      const file = fileUnder(options.samples, path.slice('/samples'.length));
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
  const studies = [...folders].map(([id, folder]): OhifStudy => {
    const studyUid = String(folder.attributes[0].StudyInstanceUID);
    const query = `?url=${encodeURIComponent(`/samples/${id}.json`)}&StudyInstanceUIDs=${studyUid}`;
    return {
      id,
      studyInstanceUID: studyUid,
      seriesInstanceUID: String(folder.attributes[0].SeriesInstanceUID),
      segmentationPath: `/segmentation/dicomjson${query}`,
      viewerPath: `/viewer/dicomjson${query}`,
    };
  });
  return {
    url: origin,
    studies,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
