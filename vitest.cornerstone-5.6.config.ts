import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The Cornerstone suites again, on the oldest supported Cornerstone3D (5.6.8, what OHIF 3.13 ships),
// installed by the postinstall step in test/compat/cornerstone-5.6. Its tools import its own core.
const compat = resolve(import.meta.dirname, 'test/compat/cornerstone-5.6/node_modules/@cornerstonejs');
const packages = ['core', 'tools', 'metadata', 'dicom-image-loader'];

export default defineConfig({
  ...base,
  resolve: {
    alias: packages.map((name) => ({
      find: new RegExp(`^@cornerstonejs/${name}$`),
      replacement: resolve(compat, name, 'dist/esm/index.js'),
    })),
  },
  test: {
    ...base.test,
    env: { ROBUSTMEDSAM_CORNERSTONE_VERSION: '5.6.8' },
    include: ['test/cornerstone/**/*.test.ts', 'test/extension/**/*.test.ts', 'test/compat/**/*.test.ts'],
  },
});
