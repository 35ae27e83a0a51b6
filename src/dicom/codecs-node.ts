/**
 * Node-only: starts the JPEG 2000 and JPEG-LS codecs (codecs.ts) from node_modules, where each
 * Emscripten module finds its wasm file beside itself.
 */
import { createRequire } from 'node:module';
import { startImageCodecs } from './codecs.ts';

const MODULES = {
  openjpeg: '@cornerstonejs/codec-openjpeg/decodewasmjs',
  charls: '@cornerstonejs/codec-charls/decodewasmjs',
} as const;

export function loadImageCodecs(): Promise<void> {
  const require = createRequire(import.meta.url);
  return startImageCodecs((codec, options) =>
    (require(MODULES[codec]) as (o: typeof options) => Promise<unknown>)(options),
  );
}
