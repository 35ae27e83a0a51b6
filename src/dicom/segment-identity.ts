import { organ, type SegmentCodes, TISSUE } from './codes.ts';

/**
 * Codes and display label for a user's --label: the organ table's entry when the name is in it
 * (liver, left kidney, ...), else the label as typed with the generic SCT codes Tissue/Tissue, so any
 * name the user chooses still gives a valid SEG.
 */
export function segmentIdentity(label: string): {
  label: string;
  codes: SegmentCodes;
  color?: [number, number, number];
} {
  const entry = organ(label);
  if (entry) {
    return {
      label: entry.label,
      codes: { category: entry.category, type: entry.type, typeModifier: entry.typeModifier },
      color: entry.color,
    };
  }
  return { label: label.trim(), codes: { category: TISSUE, type: TISSUE } };
}

const LO_MAX_BYTES = 64;
const utf8Length = (t: string) => new TextEncoder().encode(t).length;
// A backslash separates values in DICOM; control characters (newline, tab ...) are not allowed in LO.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds.
const NOT_IN_LO = /[\\\u0000-\u001f\u007f]/;

/**
 * Why `text` cannot be a DICOM LO value (segment label, description, name), or null when it can: at
 * most 64 bytes (UTF-8 here; validators count bytes), no backslash, no control character.
 */
export function longStringProblem(text: string): string | null {
  if (NOT_IN_LO.test(text)) return 'it holds a backslash or a control character (newline, tab ...)';
  if (utf8Length(text) > LO_MAX_BYTES)
    return `it is ${utf8Length(text)} bytes long; at most ${LO_MAX_BYTES} fit`;
  return null;
}

/**
 * `text` as a valid DICOM LO value, for names the program (or a viewer's user) chose: backslashes and
 * control characters become spaces, and a value over 64 bytes is cut on a character boundary, ending
 * in "...". Names a CLI user types are refused instead (longStringProblem), so they are never changed.
 */
export function longString(text: string): string {
  const clean = text.replace(new RegExp(NOT_IN_LO.source, 'g'), ' ');
  if (utf8Length(clean) <= LO_MAX_BYTES) return clean;
  let cut = [...clean];
  while (utf8Length(`${cut.join('')}...`) > LO_MAX_BYTES) cut = cut.slice(0, -1);
  return `${cut.join('')}...`;
}
