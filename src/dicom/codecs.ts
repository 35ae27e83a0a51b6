/**
 * JPEG 2000 and JPEG-LS pixel data, decoded with the codecs Cornerstone itself ships on npm
 * (@cornerstonejs/codec-openjpeg and @cornerstonejs/codec-charls: Emscripten builds of OpenJPEG and
 * CharLS). They start asynchronously; `startImageCodecs` starts them once, with a loader for the
 * platform (Node: codecs-node.ts; a browser bundle: its own, which knows where the wasm files are
 * served), and registers them as frame decoders, after which reading a series stays synchronous.
 */
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

/** Emscripten module options: output silenced, and (in a browser) where the wasm file is. */
export interface CodecOptions {
  print(): void;
  printErr(): void;
  locateFile?(path: string): string;
}

/** Starts one of the two codec modules: 'openjpeg' or 'charls'. */
export type CodecLoader = (codec: 'openjpeg' | 'charls', options: CodecOptions) => Promise<unknown>;

let started: Promise<void> | null = null;

/** Starts the JPEG 2000 and JPEG-LS decoders (once per page or process) and registers them. */
export function startImageCodecs(load: CodecLoader): Promise<void> {
  started ??= (async () => {
    // Their informational output ("[INFO] Start to read j2k main header") is not the user's business.
    const quiet: CodecOptions = { print: () => undefined, printErr: () => undefined };
    const [openjpeg, charls] = (await Promise.all([load('openjpeg', quiet), load('charls', quiet)])) as [
      CodecModule,
      CodecModule,
    ];
    registerFrameDecoder(
      [JPEG_2000_LOSSLESS, JPEG_2000],
      frameDecoder('JPEG 2000', () => new openjpeg.J2KDecoder()),
    );
    registerFrameDecoder(
      [JPEG_LS_LOSSLESS, JPEG_LS_NEAR_LOSSLESS],
      frameDecoder('JPEG-LS', () => new charls.JpegLSDecoder()),
    );
  })();
  return started;
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
      const matches =
        info.width === expected.columns &&
        info.height === expected.rows &&
        info.componentCount === expected.samples &&
        Math.ceil(info.bitsPerSample / 8) === expected.bitsAllocated / 8;
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
