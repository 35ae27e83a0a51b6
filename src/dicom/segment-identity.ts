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

/**
 * DICOM LO values (descriptions, names) hold at most 64 bytes (UTF-8 here): cut longer ones, ending
 * in "...", on a character boundary.
 */
export function longString(text: string): string {
  const bytes = (t: string) => new TextEncoder().encode(t).length;
  if (bytes(text) <= 64) return text;
  let cut = [...text];
  while (bytes(`${cut.join('')}...`) > 64) cut = cut.slice(0, -1);
  return `${cut.join('')}...`;
}
