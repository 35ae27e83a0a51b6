/**
 * Model bytes for the browser: a ModelSource (src/model/model-loader.ts) over the viewer's own origin
 * that reports download progress and keeps the graphs in Cache Storage, so a model downloads once.
 * A cached graph is reused only when it was stored for the sha256 that model.json names now; the
 * runtime then checks the bytes against that sha256 itself, and `forgetCachedModel` drops entries it
 * rejected.
 */
import type { ModelManifest } from '../../model/manifest.ts';
import { fetchModelFile, MANIFEST_FILE, type ModelSource } from '../../model/model-loader.ts';
import type { ProgressEvent } from './protocol.ts';

const CACHE_NAME = 'robustmedsam-models-v1';
const SHA_HEADER = 'x-robustmedsam-sha256';

function folderUrl(url: string): string {
  const base = new URL(url, self.location.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base.href;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    // Cache Storage is unavailable in some contexts (opaque origins, some private modes).
    return null;
  }
}

async function readWithProgress(
  response: Response,
  file: string,
  expected: number,
  progress: (event: ProgressEvent) => void,
): Promise<Uint8Array> {
  const total = Number(response.headers.get('content-length')) || expected;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let lastReport = -Infinity;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    if (performance.now() - lastReport > 100) {
      progress({ stage: 'download', file, loaded, total });
      lastReport = performance.now();
    }
  }
  progress({ stage: 'download', file, loaded, total });
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return bytes;
}

export interface CachedModelSource extends ModelSource {
  /** After loading: 'hit' when every graph came from Cache Storage, 'stored' when one was downloaded. */
  cacheState(): 'hit' | 'stored' | 'unavailable';
  /** The manifest as read (before validation), once `readText('model.json')` ran. */
  manifest(): ModelManifest | null;
}

export function cachedModelSource(url: string, progress: (event: ProgressEvent) => void): CachedModelSource {
  const base = folderUrl(url);
  let manifest: ModelManifest | null = null;
  let anyDownloaded = false;
  let cacheAvailable = true;
  const shaOf = (file: string): string | undefined =>
    Object.values(manifest?.graphs ?? {}).find((g) => g?.file === file)?.sha256;
  const sizeOf = (file: string): number =>
    Object.values(manifest?.graphs ?? {}).find((g) => g?.file === file)?.bytes ?? 0;

  return {
    location: base.replace(/\/$/, ''),
    async readText(file) {
      const text = await (await fetchModelFile(new URL(file, base).href, file)).text();
      if (file === MANIFEST_FILE) {
        try {
          manifest = JSON.parse(text) as ModelManifest;
        } catch {
          manifest = null; // loadModel reports the JSON error itself.
        }
      }
      return text;
    },
    async readBytes(file) {
      const fileUrl = new URL(file, base).href;
      const sha = shaOf(file);
      const cache = await openCache();
      cacheAvailable &&= cache !== null;
      const cached = sha ? await cache?.match(fileUrl) : undefined;
      if (cached && cached.headers.get(SHA_HEADER) === sha) {
        const bytes = new Uint8Array(await cached.arrayBuffer());
        progress({ stage: 'download', file, loaded: bytes.byteLength, total: bytes.byteLength });
        return bytes;
      }
      anyDownloaded = true;
      const bytes = await readWithProgress(await fetchModelFile(fileUrl, file), file, sizeOf(file), progress);
      if (cache && sha) {
        const headers = { 'content-type': 'application/octet-stream', [SHA_HEADER]: sha };
        await cache.put(fileUrl, new Response(bytes.slice().buffer, { headers })).catch(() => undefined);
      }
      return bytes;
    },
    cacheState: () => (!cacheAvailable ? 'unavailable' : anyDownloaded ? 'stored' : 'hit'),
    manifest: () => manifest,
  };
}

/** Drops a model's cached graphs, e.g. after the runtime rejected their bytes. */
export async function forgetCachedModel(url: string): Promise<void> {
  const cache = await openCache();
  if (!cache) return;
  const base = folderUrl(url);
  for (const request of await cache.keys()) {
    if (request.url.startsWith(base)) await cache.delete(request);
  }
}
