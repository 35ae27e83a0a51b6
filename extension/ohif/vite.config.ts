/**
 * `npm run build:ohif`: the extension as one ES module an OHIF deployment loads at run time
 * (dist/ohif/robustmedsam-ohif.js, listed in `window.config.extensions`), with the segmenter worker and
 * onnxruntime-web's wasm files beside it, all found relative to the module's own URL, and a README with
 * the app-config lines. Nothing of Cornerstone is bundled: the extension runs on OHIF's own
 * (getCornerstoneLibraries), and the build fails if any Cornerstone module would be pulled in.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { ohifInstallNotes } from './install-notes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const outDir = process.env.ROBUSTMEDSAM_OHIF_OUT ?? resolve(repo, 'dist/ohif');
export const OHIF_BUNDLE = 'robustmedsam-ohif.js';

/** The host's Cornerstone is the only one: a value import of it here would be a second copy. */
function noCornerstone(): Plugin {
  return {
    name: 'robustmedsam-no-cornerstone',
    enforce: 'pre',
    resolveId(id, importer) {
      if (/^@cornerstonejs\/(core|tools|dicom-image-loader|metadata|utils)(\/|$)/.test(id)) {
        this.error(
          `${importer} imports ${id}: the OHIF build must use OHIF's own Cornerstone (src/cornerstone/libraries.ts)`,
        );
      }
      return null;
    },
  };
}

function installNotes(): Plugin {
  return {
    name: 'robustmedsam-install-notes',
    closeBundle() {
      writeFileSync(resolve(outDir, 'README.md'), ohifInstallNotes());
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  plugins: [noCornerstone(), installNotes()],
  worker: { format: 'es', plugins: () => [noCornerstone()] },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      input: resolve(repo, 'extension/src/index.ts'),
      preserveEntrySignatures: 'exports-only',
      output: {
        entryFileNames: OHIF_BUNDLE,
        chunkFileNames: 'chunks/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
});
