/**
 * Transfer syntaxes that archives hold and the viewer decodes, read by the CLI's series reader too:
 * JPEG 2000 (lossless and lossy) and JPEG-LS with the codecs Cornerstone ships (codecs-node.ts), and
 * Explicit VR Big Endian (a byte swap). Checked against pydicom's own pixels on pydicom's test files
 * (Debian's python3-pydicom ships them): an independent reader, not a stand-in of ours.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImageCodecs } from '../../src/dicom/codecs-node.ts';
import { number, parseDicom } from '../../src/dicom/dataset.ts';
import { nativeFrameBytes } from '../../src/dicom/pixel-data.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { missingTools } from '../helpers/tools.ts';

const PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const missing = missingTools({ python: ['pydicom', 'numpy'], paths: [join(PYDICOM_FILES, 'MR_small.dcm')] });

/** pydicom's pixel_array of a file, flattened. */
function pydicomPixels(file: string): number[] {
  const script = `import json, pydicom; print(json.dumps(pydicom.dcmread(${JSON.stringify(file)}).pixel_array.flatten().tolist()))`;
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 }),
  );
}

const read = (name: string) =>
  readSeries([{ name, bytes: new Uint8Array(readFileSync(join(PYDICOM_FILES, name))) }]);

describe.skipIf(missing)('compressed and big-endian pixel data, against pydicom', () => {
  beforeAll(async () => {
    await loadImageCodecs();
  });

  it('reads MR_small in JPEG 2000 lossless, JPEG-LS lossless and big endian as the same pixels', () => {
    const reference = read('MR_small.dcm').slices[0].values;
    expect(Array.from(reference)).toEqual(pydicomPixels(join(PYDICOM_FILES, 'MR_small.dcm')));
    for (const name of [
      'MR_small_jp2klossless.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'MR_small_bigendian.dcm',
    ]) {
      expect(Array.from(read(name).slices[0].values), name).toEqual(Array.from(reference));
    }
    // pydicom decodes the JPEG 2000 and big-endian copies itself: the same pixels by another reader.
    expect(Array.from(read('MR_small_jp2klossless.dcm').slices[0].values)).toEqual(
      pydicomPixels(join(PYDICOM_FILES, 'MR_small_jp2klossless.dcm')),
    );
    expect(Array.from(read('MR_small_bigendian.dcm').slices[0].values)).toEqual(
      pydicomPixels(join(PYDICOM_FILES, 'MR_small_bigendian.dcm')),
    );
  });

  it('decodes lossy JPEG 2000 as pydicom does', () => {
    const file = join(PYDICOM_FILES, 'JPEG2000.dcm');
    const { dataset, transferSyntaxUID } = parseDicom(readFileSync(file), 'JPEG2000.dcm');
    expect(transferSyntaxUID).toBe('1.2.840.10008.1.2.4.91');
    const bytes = nativeFrameBytes(dataset, transferSyntaxUID, 0, 'JPEG2000.dcm');
    const signed = number(dataset, 'PixelRepresentation') === 1;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ours = Array.from({ length: bytes.byteLength / 2 }, (_, i) =>
      signed ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true),
    );
    const theirs = pydicomPixels(file);
    expect(ours.length).toBe(theirs.length);
    // Both run OpenJPEG; a lossy stream decodes to the same integers.
    expect(ours.filter((v, i) => v !== theirs[i]).length).toBe(0);
  });
});
