/**
 * The demo viewer: `npm run viewer` (dev server) or `vite build` + `vite preview` (what the e2e tests
 * use). Sample series come from sample-dicom/ (or ROBUSTMEDSAM_SAMPLES), model folders from
 * ROBUSTMEDSAM_MODELS; both are served from the viewer's own origin. ROBUSTMEDSAM_PACS_URL (a DICOMweb
 * service root, e.g. http://127.0.0.1:8042/dicom-web) is proxied at /dicom-web on that origin too: the
 * page is cross-origin isolated (COOP/COEP), and a PACS such as Orthanc sends no CORS/CORP headers.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';
import { ISOLATION_HEADERS, localDataPlugin } from './local-data-plugin.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const DICOMWEB_PROXY_PATH = '/dicom-web';

/** `/dicom-web/...` on the viewer's origin -> ROBUSTMEDSAM_PACS_URL/... (none when it is not set). */
function pacsProxy(): Record<string, ProxyOptions> {
  const target = process.env.ROBUSTMEDSAM_PACS_URL?.trim();
  if (!target) return {};
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`ROBUSTMEDSAM_PACS_URL "${target}" is not a URL (give a DICOMweb service root).`);
  }
  if (url.username || url.password) {
    throw new Error('ROBUSTMEDSAM_PACS_URL must not carry credentials; enter them in the PACS panel.');
  }
  const rootPath = url.pathname.replace(/\/+$/, '');
  return {
    [DICOMWEB_PROXY_PATH]: {
      target: url.origin,
      changeOrigin: true,
      rewrite: (path) => rootPath + path.slice(DICOMWEB_PROXY_PATH.length),
      // The PACS answers with absolute URLs of its own in places (STOW RetrieveURL); none are followed.
      // A PACS that is down or drops the connection is a 502 that says so (Vite's own answer: a bare 500).
      configure: (server) => {
        server.on('error', (error, _req, res) => {
          if (!('writeHead' in res) || res.headersSent || res.writableEnded) return;
          const code = (error as NodeJS.ErrnoException).code ?? error.message;
          res
            .writeHead(502, { 'content-type': 'text/plain' })
            .end(`the demo server's proxy got no answer from the PACS at ${url.origin} (${code})`);
        });
      },
    },
  };
}
const proxy = pacsProxy();

export default defineConfig({
  root: here,
  base: './',
  plugins: [
    localDataPlugin({
      samples: resolve(process.env.ROBUSTMEDSAM_SAMPLES ?? resolve(repo, 'sample-dicom')),
      models: process.env.ROBUSTMEDSAM_MODELS ? resolve(process.env.ROBUSTMEDSAM_MODELS) : null,
      dicomWebProxy: Object.keys(proxy).length ? DICOMWEB_PROXY_PATH : null,
    }),
  ],
  server: { headers: ISOLATION_HEADERS, port: 5173, strictPort: false, fs: { allow: [repo] }, proxy },
  preview: { headers: ISOLATION_HEADERS, port: 4173, strictPort: false, proxy },
  worker: { format: 'es' },
  build: {
    outDir: process.env.ROBUSTMEDSAM_VIEWER_OUT ?? resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
  },
  // The dev server serves dependencies as they are, unless pre-bundled: the image loader stays as it is
  // (its workers), but the codecs it imports are CommonJS (Emscripten) modules with no ES default
  // export, so they are pre-bundled into ES modules; `vite build` converts them itself. onnxruntime-web
  // stays as it is so that it finds its ort-wasm-*.wasm/.mjs beside itself (import.meta.url); Vite matches
  // excluded ids by prefix, so this also covers the builds src/model/session-web.ts loads (which and why:
  // there): `onnxruntime-web/wasm` (wasm sessions, through package.json's `#onnxruntime-web-cpu`) and
  // `onnxruntime-web/webgpu` (WebGPU sessions, imported lazily; checked: served from
  // node_modules/onnxruntime-web/dist/ with its wasm).
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader', '@cornerstonejs/metadata', 'onnxruntime-web'],
    include: [
      'dicom-parser',
      // The JPEG 2000 and JPEG-LS codecs the demo's own series reader starts (image-codecs.ts).
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-charls/decodewasmjs',
      ...[
        'codec-charls/decodewasmjs',
        'codec-libjpeg-turbo-8bit/decodewasmjs',
        'codec-libjxl/decodewasmjs',
        'codec-openjpeg/decodewasmjs',
        'codec-openjph/wasmjs',
      ].map((codec) => `@cornerstonejs/dicom-image-loader > @cornerstonejs/${codec}`),
    ],
  },
});
