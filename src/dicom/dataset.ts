/**
 * The one place DICOM bytes become a dataset and back, through dcmjs' low-level API. Everything else
 * in src/dicom works on the naturalised form (keyword-named, sequences as arrays) via the typed
 * accessors below. No Node APIs: this runs in the browser too.
 */
import dcmjs, { type NaturalizedDataset } from 'dcmjs';
import { DicomError } from '../errors.ts';
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN } from './transfer-syntax.ts';

export type DicomDataset = NaturalizedDataset;

export interface ParsedDicom {
  /** The transfer syntax of the file (from its meta header). */
  transferSyntaxUID: string;
  dataset: DicomDataset;
}

const { DicomMessage, DicomMetaDictionary, DicomDict } = dcmjs.data;

// dcmjs' validation logger reports every implicit-VR PixelData ("Invalid vr type ox - using OW"),
// which is normal for such files; real problems still surface as errors from parseDicom.
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

function toArrayBuffer(bytes: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  )
    return bytes.buffer;
  // Uint8Array's own slice copies; a Node Buffer's slice is a view on its (often larger) buffer.
  return Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer;
}

/** Parses a DICOM Part 10 file. `source` (a file name) goes into error messages. */
export function parseDicom(bytes: Uint8Array | ArrayBuffer, source: string): ParsedDicom {
  const buffer = toArrayBuffer(bytes);
  const head = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 132));
  const magic = String.fromCharCode(...head.subarray(128, 132));
  if (head.length < 132 || magic !== 'DICM') {
    throw new DicomError(
      'not-dicom',
      `${source} is not a DICOM file (no "DICM" marker after the 128-byte preamble).`,
      'Choose DICOM Part 10 files (.dcm); a raw dataset without file meta information is not accepted.',
    );
  }
  let dict: ReturnType<typeof DicomMessage.readFile>;
  try {
    dict = DicomMessage.readFile(buffer);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Valid DICOM that dcmjs cannot read: code extension (ISO 2022) with several character sets.
    const charsets = /multiple character sets is not supported: ?(.*?)\.?$/.exec(message)?.[1];
    if (charsets !== undefined) {
      throw new DicomError(
        'unsupported-character-set',
        `${source} uses several character sets with ISO 2022 code extensions (SpecificCharacterSet ${charsets.split(',').join('\\')}), which the DICOM reader here (dcmjs) cannot decode.`,
        'The file is valid DICOM: export the series again with UTF-8 (ISO_IR 192), or with one character set.',
        { cause: error },
      );
    }
    throw new DicomError(
      'corrupt-dicom',
      `${source} could not be parsed as DICOM: ${error instanceof Error ? error.message : String(error)}.`,
      'The file is probably truncated or damaged; copy it again from its source.',
      { cause: error },
    );
  }
  checkNumberStrings(dict.dict, source);
  const meta = DicomMetaDictionary.naturalizeDataset(dict.meta);
  const dataset = DicomMetaDictionary.naturalizeDataset(dict.dict);
  redecodeNestedText(dataset, textDecoderFor(dict.dict['00080005']?.Value?.[0]));
  const transferSyntaxUID = typeof meta.TransferSyntaxUID === 'string' ? meta.TransferSyntaxUID : '';
  if (!transferSyntaxUID) {
    throw new DicomError('corrupt-dicom', `${source} has no TransferSyntaxUID in its file meta information.`);
  }
  if (transferSyntaxUID !== DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
    checkPixelDataComplete(new Uint8Array(buffer), dataset, source);
  return { transferSyntaxUID, dataset };
}

/** DICOM's decimal string (DS) and integer string (IS) grammars (PS3.5 6.2), leading/trailing spaces allowed. */
const NUMBER_GRAMMAR: Record<'DS' | 'IS', RegExp> = {
  DS: /^ *[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)? *$/,
  IS: /^ *[+-]?\d+ *$/,
};

type RawElements = Record<string, { vr?: string; Value?: unknown[]; _rawValue?: unknown[] }>;

/**
 * Refuses a file whose public DS or IS attributes hold text that is not a number. dcmjs "repairs"
 * them as it reads (PixelSpacing "0,488281" became 488281 mm, ImagePositionPatient "nan" null, then
 * 0), which would silently move or resize the image; the raw strings it keeps are checked here,
 * in sequence items too. Private attributes (odd groups) are not ours to judge.
 */
function checkNumberStrings(elements: RawElements, source: string): void {
  for (const [tag, element] of Object.entries(elements)) {
    const vr = element?.vr;
    if (vr === 'SQ') {
      for (const item of (element.Value ?? []) as RawElements[]) if (item) checkNumberStrings(item, source);
      continue;
    }
    if ((vr !== 'DS' && vr !== 'IS') || Number.parseInt(tag.slice(0, 4), 16) % 2 === 1) continue;
    for (const value of element._rawValue ?? []) {
      if (typeof value !== 'string' || value.trim() === '' || NUMBER_GRAMMAR[vr].test(value)) continue;
      const keyword = DicomMetaDictionary.dictionary[DicomMetaDictionary.punctuateTag(tag)]?.name ?? tag;
      throw new DicomError(
        'malformed-number',
        `${source}: ${keyword} holds "${value.trim()}", which is not a DICOM ${vr === 'DS' ? 'decimal' : 'integer'} number (${vr}).`,
        'The file is damaged or was written by a program that does not follow DICOM (a comma as decimal separator, "nan"); correct it at its source.',
      );
    }
  }
}

/**
 * TextDecoder labels for the single-byte and UTF-8 character sets (PS3.3 C.12.1.1.2). ISO_IR 100
 * (Latin-1) is absent: dcmjs' default decoding is already right for it.
 */
const CHARSETS: Record<string, string> = {
  'ISO_IR 192': 'utf-8',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 166': 'windows-874',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

function textDecoderFor(specificCharacterSet: unknown): TextDecoder | undefined {
  const label = CHARSETS[String(specificCharacterSet ?? '').trim()];
  return label ? new TextDecoder(label) : undefined;
}

/**
 * dcmjs decodes text at the top level with the file's SpecificCharacterSet but text inside sequence
 * items as Latin-1, so a UTF-8 segment label such as "Leber (größer)" would come back garbled. Latin-1
 * decoding keeps every byte, so such strings are turned back into bytes and decoded properly.
 */
function redecodeNestedText(dataset: DicomDataset, decoder: TextDecoder | undefined): void {
  if (!decoder) return;
  const fix = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!/[\x80-\xff]/.test(value)) return value;
      return decoder.decode(Uint8Array.from(value, (c) => c.charCodeAt(0)));
    }
    if (Array.isArray(value)) return value.map(fix);
    if (value && typeof value === 'object' && !(value instanceof ArrayBuffer)) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) if (key !== '_vrMap') record[key] = fix(record[key]);
    }
    return value;
  };
  const isItem = (v: unknown) => v !== null && typeof v === 'object' && !(v instanceof ArrayBuffer);
  // Person names ({ Alphabetic, ... }) look like items but are top-level values, decoded right.
  const isPersonName = (v: unknown) =>
    isItem(v) && Object.keys(v as object).every((k) => /^(Alphabetic|Ideographic|Phonetic)$/.test(k));
  for (const value of Object.values(dataset)) {
    if (!Array.isArray(value)) continue;
    for (const item of value) if (isItem(item) && !isPersonName(item)) fix(item);
  }
}

/**
 * dcmjs does not fail on a PixelData value cut short by the end of the file: it zero-fills it, or
 * returns the bytes that are there. Either way a truncated image (or SEG) would read as valid. Find the
 * (7FE0,0010) element header whose declared length matches what dcmjs returned, either exactly (then
 * the value must fit in the file) or cut off at the end of the file; matching the length, not just the
 * tag bytes, keeps icon images and stray byte patterns in pixel values out.
 */
function checkPixelDataComplete(bytes: Uint8Array, dataset: DicomDataset, source: string): void {
  const pixelData = dataset.PixelData;
  if (!Array.isArray(pixelData) || pixelData.length !== 1) return;
  // dcmjs hands back an ArrayBuffer, or a typed array for a value it had to pad.
  const value: unknown = pixelData[0];
  if (!(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) return;
  const declared = value.byteLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 132; i + 12 <= bytes.length; i++) {
    if (bytes[i] !== 0xe0 || bytes[i + 1] !== 0x7f || bytes[i + 2] !== 0x10 || bytes[i + 3] !== 0x00)
      continue;
    const vr = String.fromCharCode(bytes[i + 4], bytes[i + 5]);
    const explicit = vr === 'OB' || vr === 'OW' || vr === 'UN';
    const length = explicit ? view.getUint32(i + 8, true) : view.getUint32(i + 4, true);
    const start = i + (explicit ? 12 : 8);
    const cutAtEnd = length > declared && start + declared === bytes.length;
    if (length !== declared && !cutAtEnd) continue;
    const end = start + length;
    if (end > bytes.length) {
      throw new DicomError(
        'truncated-dicom',
        `${source} is truncated: its PixelData needs ${length} bytes but the file ends ${end - bytes.length} byte${end - bytes.length === 1 ? '' : 's'} early.`,
        'Copy the file again from its source.',
      );
    }
    return;
  }
}

/**
 * Encodes a naturalised dataset as a Part 10 file in Explicit VR Little Endian. Returns a Uint8Array
 * over dcmjs' ArrayBuffer (no Buffer, so it works in the browser).
 */
export function encodeDicom(dataset: DicomDataset, implementationVersionName = 'ROBUSTMEDSAM'): Uint8Array {
  const sopClassUID = text(dataset, 'SOPClassUID');
  const sopInstanceUID = text(dataset, 'SOPInstanceUID');
  if (!sopClassUID || !sopInstanceUID) {
    throw new DicomError('invalid-dataset', 'A dataset to write needs SOPClassUID and SOPInstanceUID.');
  }
  const meta = DicomMetaDictionary.denaturalizeDataset({
    _vrMap: {},
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUID,
    MediaStorageSOPInstanceUID: sopInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: implementationVersionName,
  });
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

/** Identifies files this package wrote (PS3.7 D.3.3.2); fixed, under the 2.25 UUID root. */
export const IMPLEMENTATION_CLASS_UID = '2.25.160238466930452813411284717063377497261';

/**
 * A number rounded to 10 significant digits, so dcmjs writes it as a DS (decimal string) value that
 * fits the 16-character limit.
 */
export function decimal(v: number): number {
  return Number(v.toPrecision(10));
}

// ---- typed accessors on naturalised datasets ----

/** A string attribute (first value of a multi-valued one), trimmed; '' when absent or empty. */
export function text(ds: DicomDataset, keyword: string): string {
  let v = ds[keyword];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && 'Alphabetic' in (v as object))
    return String((v as { Alphabetic: string }).Alphabetic ?? '').trim();
  return String(v).trim();
}

/** A person name's three component groups (PS3.5 6.2.1): alphabetic, ideographic, phonetic. */
export interface PersonName {
  Alphabetic: string;
  Ideographic?: string;
  Phonetic?: string;
}

/**
 * A person name attribute with all its component groups, as dcmjs naturalises it ({ Alphabetic,
 * Ideographic, Phonetic }) or as text ("Yamada^Tarou=山田^太郎=やまだ^たろう", Cornerstone metadata).
 */
export function personName(ds: DicomDataset, keyword: string): PersonName {
  let v = ds[keyword];
  if (Array.isArray(v)) v = v[0];
  const groups =
    v && typeof v === 'object'
      ? [
          (v as Partial<PersonName>).Alphabetic,
          (v as Partial<PersonName>).Ideographic,
          (v as Partial<PersonName>).Phonetic,
        ]
      : String(v ?? '').split('=');
  const [alphabetic, ideographic, phonetic] = groups.map((g) => (g ?? '').trim());
  return {
    Alphabetic: alphabetic ?? '',
    ...(ideographic ? { Ideographic: ideographic } : {}),
    ...(phonetic ? { Phonetic: phonetic } : {}),
  };
}

/** All values of a multi-valued string attribute. */
export function texts(ds: DicomDataset, keyword: string): string[] {
  const v = ds[keyword];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x).trim());
}

/** A numeric attribute (first value), or undefined when absent, empty or not a number. */
export function number(ds: DicomDataset, keyword: string): number | undefined {
  let v = ds[keyword];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** All values of a numeric multi-valued attribute; undefined when absent or any value is not a number. */
export function numbers(ds: DicomDataset, keyword: string): number[] | undefined {
  const v = ds[keyword];
  if (v === undefined || v === null) return undefined;
  const list = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'number' ? x : Number(x)));
  return list.length > 0 && list.every(Number.isFinite) ? list : undefined;
}

/** The items of a sequence attribute ([] when absent). */
export function sequence(ds: DicomDataset, keyword: string): DicomDataset[] {
  const v = ds[keyword];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as DicomDataset[];
}

/** The raw value, for copying an attribute unchanged (person names, dates) from one dataset to another. */
export function raw(ds: DicomDataset, keyword: string): unknown {
  return ds[keyword];
}
