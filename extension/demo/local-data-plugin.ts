/**
 * Vite plugin (Node side) that serves the viewer's local data from its own origin, for the dev server
 * and `vite preview` alike:
 *   /samples/index.json  every folder under the samples root that holds DICOM images (.dcm), with its
 *                        files and the SEG objects beside it (`<folder>*.seg.dcm` in the parent folder)
 *   /samples/<path>      those files
 *   /models/index.json   every model folder (a folder with model.json) under the models root
 *   /models/<path>       model.json and the graphs
 *   /pacs/index.json     where the server proxies a DICOMweb PACS under its own origin (vite.config.ts,
 *                        ROBUSTMEDSAM_PACS_URL): { dicomWebProxy: "./dicom-web" }, or null
 * Roots come from the server's environment (ROBUSTMEDSAM_SAMPLES, ROBUSTMEDSAM_MODELS), never from
 * the page's URL. Paths are confined to their root.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, resolve, sep } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { modelLabel, modelTrade } from '../../src/model/model-choice.ts';
import { validateManifest } from '../../src/model/validate-manifest.ts';

export interface LocalDataRoots {
  samples: string;
  models: string | null;
  /** The path the server proxies a DICOMweb PACS at (e.g. /dicom-web), or null when it proxies none. */
  dicomWebProxy?: string | null;
}

interface SeriesEntry {
  id: string;
  files: string[];
  /** SEG objects for this series, as paths relative to the samples root. */
  segs: string[];
}

const isSegName = (name: string) => name.toLowerCase().endsWith('.seg.dcm');

function walk(dir: string, visit: (dir: string, files: string[]) => void, depth = 0): void {
  if (depth > 6 || !existsSync(dir)) return;
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  visit(
    dir,
    entries.filter((e) => e.isFile()).map((e) => e.name),
  );
  for (const e of entries)
    if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name), visit, depth + 1);
}

export function listSeries(root: string): SeriesEntry[] {
  const series: SeriesEntry[] = [];
  walk(root, (dir, files) => {
    const dicom = files.filter((f) => f.toLowerCase().endsWith('.dcm') && !isSegName(f));
    if (dicom.length === 0) return;
    const id = relative(root, dir).split(sep).join('/') || '.';
    const parent = resolve(dir, '..');
    const folder = dir.split(sep).pop() ?? '';
    const segs =
      id === '.'
        ? files.filter(isSegName)
        : readdirSync(parent)
            .filter((f) => isSegName(f) && f.startsWith(folder))
            .map((f) => relative(root, join(parent, f)).split(sep).join('/'));
    series.push({ id, files: dicom, segs });
  });
  return series;
}

/** One model folder the viewer offers: `label` to show, `trade` what it gives up against fp32 (or null). */
export interface ModelEntry {
  id: string;
  name: string;
  version: string;
  label: string;
  trade: string | null;
}

export function listModels(root: string): ModelEntry[] {
  const models: ModelEntry[] = [];
  walk(root, (dir, files) => {
    if (!files.includes('model.json')) return;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    } catch {
      return; // A folder with an unreadable model.json is not offered.
    }
    const entry = {
      id: relative(root, dir).split(sep).join('/'),
      name: String(json.name),
      version: String(json.version),
    };
    try {
      const manifest = validateManifest(json);
      models.push({ ...entry, label: modelLabel(manifest), trade: modelTrade(manifest) });
    } catch {
      // Offered all the same: loading it shows the user what is wrong with its model.json.
      models.push({ ...entry, label: `${entry.name} ${entry.version}`, trade: null });
    }
  });
  return models;
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(value));
}

function serveUnder(root: string, urlPath: string, res: ServerResponse, next: () => void): void {
  const file = resolve(root, `.${decodeURIComponent(urlPath)}`);
  if (!file.startsWith(resolve(root) + sep) || !existsSync(file) || !statSync(file).isFile()) {
    next();
    return;
  }
  res.setHeader('content-type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
  res.setHeader('content-length', String(statSync(file).size));
  createReadStream(file).pipe(res);
}

function middleware(roots: LocalDataRoots): Connect.NextHandleFunction {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/samples/index.json') return sendJson(res, { series: listSeries(roots.samples) });
    if (path === '/pacs/index.json')
      return sendJson(res, { dicomWebProxy: roots.dicomWebProxy ? `.${roots.dicomWebProxy}` : null });
    if (path === '/models/index.json')
      return sendJson(res, { models: roots.models ? listModels(roots.models) : [] });
    if (path.startsWith('/samples/'))
      return serveUnder(roots.samples, path.slice('/samples'.length), res, next);
    if (path.startsWith('/models/') && roots.models)
      return serveUnder(roots.models, path.slice('/models'.length), res, next);
    next();
  };
}

/** Cross-origin isolation, so onnxruntime-web may use wasm threads (SharedArrayBuffer). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function localDataPlugin(roots: LocalDataRoots): Plugin {
  return {
    name: 'robustmedsam-local-data',
    configureServer(server) {
      server.middlewares.use(middleware(roots));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(roots));
    },
  };
}
