import { ModelError } from '../errors.ts';
import { checkSessionIo } from './graph-io.ts';
import type { GraphSpec, ModelManifest } from './manifest.ts';
import type { ModelSession, SessionFactory } from './session.ts';
import { sha256Hex } from './sha256.ts';
import { validateManifest } from './validate-manifest.ts';

/**
 * Where a model folder's files come from: a directory (model-folder-node.ts), a URL (fetchModelSource),
 * or bytes the caller already holds (bytesModelSource). Readers throw ModelError naming the file.
 */
export interface ModelSource {
  /** The folder, for messages: a path or a URL. */
  readonly location: string;
  readText(file: string): Promise<string>;
  readBytes(file: string): Promise<Uint8Array>;
}

export interface LoadedModel {
  readonly manifest: ModelManifest;
  readonly encoder: ModelSession;
  readonly decoder: ModelSession;
  readonly location: string;
  release(): Promise<void>;
}

export const MANIFEST_FILE = 'model.json';

/**
 * Loads a model folder, trusting nothing: model.json must validate, each graph must have the declared
 * byte size and sha256, and each session's input/output names and shapes must match the manifest.
 */
export async function loadModel(source: ModelSource, createSession: SessionFactory): Promise<LoadedModel> {
  const manifest = await readManifest(source);
  const encoder = await openGraph(source, manifest, 'encoder', createSession);
  let decoder: ModelSession;
  try {
    decoder = await openGraph(source, manifest, 'decoder', createSession);
  } catch (error) {
    await encoder.release();
    throw error;
  }
  return {
    manifest,
    encoder,
    decoder,
    location: source.location,
    release: async () => {
      await encoder.release();
      await decoder.release();
    },
  };
}

/** Reads and validates model.json. */
export async function readManifest(source: ModelSource): Promise<ModelManifest> {
  const where = `${source.location}/${MANIFEST_FILE}`;
  const text = await source.readText(MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelError(
      'invalid-manifest',
      `${where} is not JSON: ${error instanceof Error ? error.message : String(error)}.`,
      'Regenerate the model folder with `npm run export -- onnx ...`.',
      { cause: error },
    );
  }
  return validateManifest(json, where);
}

/** One graph of a validated manifest: bytes checked, session created, its I/O checked. */
export async function openGraph(
  source: ModelSource,
  manifest: ModelManifest,
  role: 'encoder' | 'decoder',
  createSession: SessionFactory,
): Promise<ModelSession> {
  const spec = manifest.graphs[role];
  const bytes = await source.readBytes(spec.file);
  await checkGraphBytes(role, spec, bytes, source.location);
  const session = await createSession(bytes, role, spec);
  try {
    checkSessionIo(role, spec, session);
  } catch (error) {
    await session.release();
    throw error;
  }
  return session;
}

/** Byte size first (a truncated download says so plainly), then the sha256. */
export async function checkGraphBytes(
  role: 'encoder' | 'decoder',
  spec: GraphSpec,
  bytes: Uint8Array,
  location: string,
): Promise<void> {
  const path = `${location}/${spec.file}`;
  if (bytes.byteLength !== spec.bytes) {
    const how = bytes.byteLength < spec.bytes ? 'truncated' : 'larger than declared';
    throw new ModelError(
      'graph-size-mismatch',
      `The ${role} graph ${path} has ${bytes.byteLength} bytes; model.json says ${spec.bytes} (${how}).`,
      'The file is incomplete or from another export: copy or download the model folder again.',
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== spec.sha256) {
    throw new ModelError(
      'graph-sha256-mismatch',
      `The ${role} graph ${path} has sha256 ${actual}; model.json says ${spec.sha256}.`,
      'The file is corrupt or from another export: copy or download the model folder again.',
    );
  }
}

/** A model folder the caller already holds in memory (e.g. files a user dropped on the page). */
export function bytesModelSource(
  files: Record<string, ArrayBuffer | Uint8Array | string>,
  location = '(model files in memory)',
): ModelSource {
  const get = (file: string) => {
    const value = files[file];
    if (value === undefined) {
      throw new ModelError(
        file === MANIFEST_FILE ? 'manifest-missing' : 'graph-missing',
        `${location}: ${file} is missing (given: ${Object.keys(files).join(', ') || 'nothing'}).`,
        'Provide every file of the model folder: model.json and the graphs it names.',
      );
    }
    return value;
  };
  return {
    location,
    readText: async (file) => {
      const value = get(file);
      return typeof value === 'string' ? value : new TextDecoder().decode(value);
    },
    readBytes: async (file) => {
      const value = get(file);
      if (typeof value === 'string') return new TextEncoder().encode(value);
      return value instanceof Uint8Array ? value : new Uint8Array(value);
    },
  };
}

/**
 * Fetches one file of a model folder, turning network failures and HTTP errors into ModelErrors that
 * say which file is missing. Shared by every HTTP model source (plain here, cached in the viewer).
 */
export async function fetchModelFile(
  url: string,
  file: string,
  fetchFn: typeof fetch = globalThis.fetch,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new ModelError(
      'model-unreachable',
      `Cannot fetch ${url}: ${String(error)}.`,
      'Check the model URL.',
      {
        cause: error,
      },
    );
  }
  if (!response.ok) {
    throw new ModelError(
      file === MANIFEST_FILE ? 'manifest-missing' : 'graph-missing',
      `Cannot fetch ${url}: HTTP ${response.status}.`,
      'Check that the model folder (model.json and its graphs) is served at that URL.',
    );
  }
  return response;
}

/** A model folder served over HTTP (baseUrl is the folder's URL; files are fetched beside it). */
export function fetchModelSource(baseUrl: string, fetchFn: typeof fetch = globalThis.fetch): ModelSource {
  const location = baseUrl.replace(/\/+$/, '');
  const get = (file: string): Promise<Response> => fetchModelFile(`${location}/${file}`, file, fetchFn);
  return {
    location,
    readText: async (file) => (await get(file)).text(),
    readBytes: async (file) => new Uint8Array(await (await get(file)).arrayBuffer()),
  };
}
