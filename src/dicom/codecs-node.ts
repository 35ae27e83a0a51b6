/**
 * Node-only: JPEG 2000 and JPEG-LS pixel data, decoded with the codecs Cornerstone itself ships on npm
 * (@cornerstonejs/codec-openjpeg and @cornerstonejs/codec-charls, WebAssembly builds of OpenJPEG and
 * CharLS). They start asynchronously, so `loadImageCodecs()` starts them once and registers them as
 * frame decoders (transfer-syntax.ts); after that, reading a series stays synchronous. In the viewers,
 * Cornerstone's own image loader decodes what is displayed.
 */
import { createRequire } from 'node:module';
import { DicomError } from '../errors.ts';
import {
  type FrameDecoder,
  JPEG_2000,
  JPEG_2000_LOSSLESS,
  JPEG_LS_LOSSLESS,
  JPEG_LS_NEAR_LOSSLESS,
  registerFrameDecoder,
} from './transfer-syntax.ts';

/** The decoder objects both Emscripten modules expose. */
interface CodecDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  delete?(): void;
}
type CodecModule = Record<string, new () => CodecDecoder>;
type CodecFactory = (options: { print(): void; printErr(): void }) => Promise<CodecModule>;

let loading: Promise<void> | null = null;

/** Starts the JPEG 2000 and JPEG-LS decoders (once) and registers them. */
export function loadImageCodecs(): Promise<void> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    // Their informational output ("[INFO] Start to read j2k main header") is not the user's business.
    const quiet = { print: () => undefined, printErr: () => undefined };
    const start = (id: string) => (require(id) as CodecFactory)(quiet);
    const [openjpeg, charls] = await Promise.all([
      start('@cornerstonejs/codec-openjpeg/decodewasmjs'),
      start('@cornerstonejs/codec-charls/decodewasmjs'),
    ]);
    registerFrameDecoder(
      [JPEG_2000_LOSSLESS, JPEG_2000],
      frameDecoder('JPEG 2000', () => new openjpeg.J2KDecoder()),
    );
    registerFrameDecoder(
      [JPEG_LS_LOSSLESS, JPEG_LS_NEAR_LOSSLESS],
      frameDecoder('JPEG-LS', () => new charls.JpegLSDecoder()),
    );
  })();
  return loading;
}

function frameDecoder(name: string, create: () => CodecDecoder): FrameDecoder {
  return (fragment, expected, source) => {
    const decoder = create();
    try {
      decoder.getEncodedBuffer(fragment.length).set(fragment);
      try {
        decoder.decode();
      } catch (error) {
        throw new DicomError(
          'corrupt-compressed-pixel-data',
          `${source}: its ${name} pixel data cannot be decoded (${error instanceof Error ? error.message : String(error)}).`,
          'The file is damaged; copy it again from its source.',
          { cause: error },
        );
      }
      const info = decoder.getFrameInfo();
      const bytes = Math.ceil(info.bitsPerSample / 8);
      const matches =
        info.width === expected.columns &&
        info.height === expected.rows &&
        info.componentCount === expected.samples &&
        bytes === expected.bitsAllocated / 8;
      if (!matches) {
        throw new DicomError(
          'corrupt-compressed-pixel-data',
          `${source}: its ${name} data holds ${info.width}x${info.height} pixels of ${info.componentCount} sample(s) at ${info.bitsPerSample} bits, not the ${expected.columns}x${expected.rows} of ${expected.samples} at ${expected.bitsAllocated} bits its attributes give.`,
          'The file is damaged or its image attributes are wrong.',
        );
      }
      // A copy: the decoded buffer belongs to the codec's memory, reused by the next decode.
      return decoder.getDecodedBuffer().slice();
    } finally {
      decoder.delete?.();
    }
  };
}
