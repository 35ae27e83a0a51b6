/// <reference types="vite/client" />
/**
 * The JPEG 2000 and JPEG-LS decoders (src/dicom/codecs.ts) in the browser: Vite bundles each codec's
 * Emscripten module and serves its wasm file, whose URL the module is given (it cannot find it beside
 * itself as in Node). Started before a series is read from files, so such series open here too.
 */
import charlsWasm from '@cornerstonejs/codec-charls/decodewasm?url';
import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import { startImageCodecs } from '../../src/dicom/codecs.ts';

type Factory = (options: object) => Promise<unknown>;

export function loadImageCodecs(): Promise<void> {
  return startImageCodecs(async (codec, options) => {
    const module =
      codec === 'openjpeg'
        ? await import('@cornerstonejs/codec-openjpeg/decodewasmjs')
        : await import('@cornerstonejs/codec-charls/decodewasmjs');
    const factory = ((module as { default?: Factory }).default ?? module) as Factory;
    const wasm = codec === 'openjpeg' ? openjpegWasm : charlsWasm;
    return factory({ ...options, locateFile: () => wasm });
  });
}
