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
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader', 'onnxruntime-web'],
    include: ['dicom-parser'],
  },
});
