/**
 * The SOP Instance UID an export tells the user it stored (extension/src/default-seg-host.ts), read from
 * the Part 10 file meta information: the same as the dataset's own, on the bundled truth SEG.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { part10SopInstanceUid } from '../../extension/src/default-seg-host.ts';
import { parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { REPO_ROOT } from '../helpers/tools.ts';

describe('part10SopInstanceUid', () => {
  it('reads the SOP Instance UID from the file meta information, and nothing from bytes without one', () => {
    const path = resolve(REPO_ROOT, 'sample-dicom/ct-abdomen-truth.seg.dcm');
    const bytes = new Uint8Array(readFileSync(path));
    expect(part10SopInstanceUid(bytes)).toBe(parseSegmentation(bytes, path).sopInstanceUID);
    expect(part10SopInstanceUid(bytes.subarray(0, 140))).toBe('');
    expect(part10SopInstanceUid(new Uint8Array(10))).toBe('');
  });
});
