/**
 * The demo viewer: `npm run viewer` (dev server) or `vite build` + `vite preview` (what the e2e tests
 * use). Sample series come from sample-dicom/ (or ROBUSTMEDSAM_SAMPLES), model folders from
 * ROBUSTMEDSAM_MODELS; both are served from the viewer's own origin.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { ISOLATION_HEADERS, localDataPlugin } from './local-data-plugin.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

export default defineConfig({
  root: here,
  base: './',
  plugins: [
    localDataPlugin({
      samples: resolve(process.env.ROBUSTMEDSAM_SAMPLES ?? resolve(repo, 'sample-dicom')),
      models: process.env.ROBUSTMEDSAM_MODELS ? resolve(process.env.ROBUSTMEDSAM_MODELS) : null,
    }),
  ],
  server: { headers: ISOLATION_HEADERS, port: 5173, strictPort: false, fs: { allow: [repo] } },
  preview: { headers: ISOLATION_HEADERS, port: 4173, strictPort: false },
  worker: { format: 'es' },
  build: {
    outDir: process.env.ROBUSTMEDSAM_VIEWER_OUT ?? resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
  },
  // The dev server serves dependencies as they are, unless pre-bundled: the image loader stays as it is
  // (its workers), but the codecs it imports are CommonJS (Emscripten) modules with no ES default
  // export, so they are pre-bundled into ES modules; `vite build` converts them itself.
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
