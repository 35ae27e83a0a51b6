/**
 * Types for the part of dcmjs (0.51, which ships no declarations) this project uses: the low-level
 * reader/writer and the naturalised dataset form. `derivations` is typed loosely because only the
 * SEG benchmark touches it, to compare against.
 */
declare module 'dcmjs' {
  /** One element in dcmjs' denaturalised form, keyed by 8-hex-digit tag. */
  export interface DicomElement {
    vr: string;
    Value?: unknown[];
  }
  export type DenaturalizedDataset = Record<string, DicomElement>;
  /** Keyword-named dataset; sequences are arrays of datasets, single values are unwrapped. */
  export type NaturalizedDataset = Record<string, unknown> & { _vrMap?: Record<string, string> };

  export class DicomDict {
    constructor(meta: DenaturalizedDataset);
    meta: DenaturalizedDataset;
    dict: DenaturalizedDataset;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }

  export interface ReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export const data: {
    DicomDict: typeof DicomDict;
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dataset: DenaturalizedDataset): NaturalizedDataset;
      denaturalizeDataset(dataset: NaturalizedDataset): DenaturalizedDataset;
      uid(): string;
      /** Attribute entries by punctuated tag, "(0028,0030)". */
      dictionary: Record<string, { name: string; vr: string } | undefined>;
      /** "00280030" -> "(0028,0030)". */
      punctuateTag(rawTag: string): string;
    };
    datasetToDict(dataset: NaturalizedDataset): DicomDict;
    Colors: {
      /** sRGB in [0, 1] -> DICOM scaled CIELab (0-65535, unrounded). */
      rgb2DICOMLAB(rgb: number[]): number[];
      /** DICOM scaled CIELab -> sRGB in [0, 1]. */
      dicomlab2RGB(lab: number[]): number[];
    };
  };

  // biome-ignore lint/suspicious/noExplicitAny: only the benchmark uses these, to compare against.
  export const derivations: Record<string, any>;
  // biome-ignore lint/suspicious/noExplicitAny: only the benchmark uses these, to compare against.
  export const normalizers: Record<string, any>;
  // biome-ignore lint/suspicious/noExplicitAny: only the benchmark uses these, to compare against.
  export const adapters: Record<string, any>;
  export interface Logger {
    setLevel(level: string): void;
    getLevel(): number;
  }
  export const log: Logger & { getLogger(name: string): Logger };

  const dcmjs: {
    data: typeof data;
    derivations: typeof derivations;
    normalizers: typeof normalizers;
    adapters: typeof adapters;
    log: typeof log;
  };
  export default dcmjs;
}
