import { defineConfig } from 'vitest/config';

// Node conditions only: onnxruntime-web must resolve to its Node (wasm) bundle here, never the browser one.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
