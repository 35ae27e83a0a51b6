import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { encodeDicom, parseDicom } from '../../src/dicom/dataset.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { readDicomFile, readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { DicomError } from '../../src/errors.ts';
import { missingTools, SHARED_DATA } from '../helpers/tools.ts';
import { python } from '../helpers/validators.ts';
import { dicomError } from './dicom-error.ts';
import { asFiles, smallCtSpec } from './synthetic.ts';

describe('readSeries on synthetic series', () => {
  it('sorts by position along the normal, not by file order or InstanceNumber', () => {
    const files = asFiles(smallCtSpec()).reverse();
    const series = readSeries(files);
    expect(series.slices.map((s) => s.source)).toEqual([
      'slice0.dcm',
      'slice1.dcm',
      'slice2.dcm',
      'slice3.dcm',
    ]);
    expect(series.geometry.spacingBetweenSlices).toBeCloseTo(2.5, 6);
    expect(series.warnings).toEqual([]);
    // Modality values survive writing and reading.
    expect(series.slices[2].values[5]).toBe(-1000 + 35 + 200);
    expect(series.slices[0].pixelSpacing).toEqual([0.8, 0.7]);
  });

  it('sorts a stack whose normal points against increasing z (feet-first style orientation)', () => {
    const spec = smallCtSpec();
    spec.geometry.orientation = [1, 0, 0, 0, -1, 0]; // normal (0,0,-1)
    spec.geometry.positions = [0, 1, 2, 3].map((k) => [0, 0, 10 + 2 * k] as [number, number, number]);
    const series = readSeries(asFiles(spec));
    expect(series.slices.map((s) => s.imagePositionPatient[2])).toEqual([16, 14, 12, 10]);
  });

  it('warns about a gap and about irregular spacing, with the numbers', () => {
    const gap = smallCtSpec();
    gap.geometry.positions = [0, 2.5, 5, 12.5].map((z) => [0, 0, z] as [number, number, number]);
    expect(readSeries(asFiles(gap)).warnings).toEqual([
      expect.stringContaining('gap of 7.500 mm between slices 2 and 3'),
    ]);
    const uneven = smallCtSpec();
    uneven.geometry.positions = [0, 2.5, 5.4, 7.9].map((z) => [0, 0, z] as [number, number, number]);
    expect(readSeries(asFiles(uneven)).warnings).toEqual([
      expect.stringContaining('steps range from 2.500 to 2.900 mm'),
    ]);
  });

  it('refuses a duplicate slice position', () => {
    const spec = smallCtSpec();
    spec.geometry.positions[2] = spec.geometry.positions[1];
    expect(dicomError(() => readSeries(asFiles(spec))).code).toBe('duplicate-slice-position');
  });

  it('refuses mixed orientations, sizes and pixel spacings', () => {
    const base = asFiles(smallCtSpec());
    const tilted = smallCtSpec({ sopInstanceUIDs: ['2.25.1', '2.25.2', '2.25.3', '2.25.4'] });
    tilted.geometry.orientation = [1, 0, 0, 0, 0.8, 0.6];
    expect(dicomError(() => readSeries([...base.slice(0, 2), asFiles(tilted, 'tilted')[3]])).code).toBe(
      'mixed-orientation',
    );
    const bigger = smallCtSpec({}, 4, 10, 16);
    expect(dicomError(() => readSeries([...base.slice(0, 2), asFiles(bigger, 'big')[3]])).code).toBe(
      'mixed-size',
    );
    const spaced = smallCtSpec();
    spaced.geometry.pixelSpacing = [0.9, 0.7];
    expect(dicomError(() => readSeries([...base.slice(0, 2), asFiles(spaced, 'sp')[3]])).code).toBe(
      'mixed-pixel-spacing',
    );
  });

  it('skips segmentations and other non-image objects in the folder, with a warning', () => {
    const files = asFiles(smallCtSpec());
    const { dataset } = parseDicom(files[0].bytes, 'x');
    for (const k of ['PixelData', 'Rows', 'Columns']) delete dataset[k];
    dataset.SOPClassUID = '1.2.840.10008.5.1.4.1.1.88.22'; // Enhanced SR
    dataset.SOPInstanceUID = '2.25.77';
    const series = readSeries([...files, { name: 'report.dcm', bytes: encodeDicom(dataset) }]);
    expect(series.slices).toHaveLength(4);
    expect(series.warnings).toEqual([
      'skipped report.dcm: not an image (SOP class 1.2.840.10008.5.1.4.1.1.88.22)',
    ]);
    expect(dicomError(() => readSeries([{ name: 'report.dcm', bytes: encodeDicom(dataset) }])).code).toBe(
      'empty-series',
    );
  });

  it('refuses files from two series, naming the file that differs', () => {
    const other = asFiles(smallCtSpec({ seriesInstanceUID: '2.25.99' }), 'other');
    const error = dicomError(() => readSeries([...asFiles(smallCtSpec()).slice(0, 2), other[3]]));
    expect(error.code).toBe('multiple-series');
    expect(error.message).toContain('other3.dcm has SeriesInstanceUID 2.25.99');
    // A file without any SeriesInstanceUID is named too (it used to read "2 series (X, )").
    const [first] = asFiles(smallCtSpec());
    const { dataset } = parseDicom(first.bytes, 'x');
    delete dataset.SeriesInstanceUID;
    dataset.SOPInstanceUID = '2.25.123';
    const unnamed = dicomError(() =>
      readSeries([
        ...asFiles(smallCtSpec()).slice(1),
        { name: 'no-series.dcm', bytes: encodeDicom(dataset) },
      ]),
    );
    expect(unnamed.message).toMatch(
      /no-series\.dcm (has SeriesInstanceUID \(none\)|has no SeriesInstanceUID)/,
    );
  });

  it('refuses pixel data 1 to 3 bytes short, and pixel data longer than the image attributes describe', () => {
    const files = asFiles(smallCtSpec());
    const bytes = files[1].bytes as Uint8Array;
    for (const short of [1, 2, 3]) {
      const cut = { name: 'short.dcm', bytes: bytes.subarray(0, bytes.length - short) };
      const error = dicomError(() => readSeries([files[0], cut, files[2]]));
      expect(error.code).toBe('truncated-dicom');
      expect(error.message).toContain(
        `short.dcm is truncated: its PixelData needs 240 bytes but the file ends ${short} byte`,
      );
    }
    // The 16-bit pixels of a 10x12 slice (240 bytes) declared as 8-bit: twice the bytes the header implies.
    const { dataset } = parseDicom(bytes, 'x');
    Object.assign(dataset, { BitsAllocated: 8, BitsStored: 8, HighBit: 7 });
    const long = dicomError(() =>
      readSeries([files[0], { name: 'long.dcm', bytes: encodeDicom(dataset) }, files[2]]),
    );
    expect(long.code).toBe('pixel-data-length');
    expect(long.message).toContain(
      'long.dcm: PixelData has 240 bytes, but 1 frame(s) of 10x12 at 8 bits need 120',
    );
  });

  it('refuses malformed numbers instead of "repairing" them, naming the file and the attribute', () => {
    const files = asFiles(smallCtSpec());
    for (const [tag, values, message] of [
      [
        '00280030',
        ['0,488281', '0.7'],
        /slice2\.dcm: PixelSpacing holds "0,488281", which is not a DICOM decimal number/,
      ],
      ['00200032', ['nan', '0', '5'], /slice2\.dcm: ImagePositionPatient holds "nan"/],
      ['00281053', ['1/2'], /slice2\.dcm: RescaleSlope holds "1\/2"/],
    ] as const) {
      const bytes = files[2].bytes as Uint8Array;
      const dict = dcmjs.data.DicomMessage.readFile(bytes.slice().buffer);
      dict.dict[tag] = { ...dict.dict[tag], vr: 'DS', Value: [...values] };
      const damaged = { name: 'slice2.dcm', bytes: new Uint8Array(dict.write()) };
      const error = dicomError(() => readSeries([...files.slice(0, 2), damaged, files[3]]));
      expect(error.code).toBe('malformed-number');
      expect(error.message).toMatch(message);
    }
  });

  it('refuses two images with one SOP Instance UID at different positions, naming both', () => {
    const files = asFiles(smallCtSpec());
    const { dataset } = parseDicom(files[3].bytes, 'x');
    dataset.SOPInstanceUID = parseDicom(files[0].bytes, 'y').dataset.SOPInstanceUID;
    const error = dicomError(() =>
      readSeries([...files.slice(0, 3), { name: 'copy.dcm', bytes: encodeDicom(dataset) }]),
    );
    expect(error.code).toBe('duplicate-sop-instance');
    expect(error.message).toMatch(/copy\.dcm and slice0\.dcm are both SOP Instance UID/);
  });

  it('gives typed errors for non-DICOM bytes and truncated files', () => {
    const text = new TextEncoder().encode('hello, this is not a DICOM file at all'.repeat(10));
    expect(dicomError(() => readSeries([{ name: 'notes.txt', bytes: text }])).code).toBe('not-dicom');
    const [first] = asFiles(smallCtSpec());
    const bytes = first.bytes as Uint8Array;
    for (const keep of [200, 600, bytes.length - 50]) {
      const error = dicomError(() => readSeries([{ name: 'cut.dcm', bytes: bytes.slice(0, keep) }]));
      // dcmjs 0.52 reads a file cut after its header; the pixel data checks then name what is missing.
      expect([
        'corrupt-dicom',
        'truncated-dicom',
        'missing-geometry',
        'no-pixel-data',
        'pixel-data-length',
      ]).toContain(error.code);
      expect(error.message).toContain('cut.dcm');
    }
  });

  it('refuses multi-frame images without per-frame geometry, and enhanced ones whose frames are missing', () => {
    const [first] = asFiles(smallCtSpec());
    const { dataset } = parseDicom(first.bytes, 'x');
    dataset.NumberOfFrames = 2;
    const classic = dicomError(() => readSeries([{ name: 'multi.dcm', bytes: encodeDicom(dataset) }]));
    expect(classic.code).toBe('multiframe-unsupported');
    expect(classic.message).toContain('1.2.840.10008.5.1.4.1.1.2');
    dataset.SOPClassUID = '1.2.840.10008.5.1.4.1.1.4.1';
    const enhanced = dicomError(() => readSeries([{ name: 'enhanced.dcm', bytes: encodeDicom(dataset) }]));
    expect(enhanced.code).toBe('pixel-data-length');
    expect(enhanced.message).toContain('2 frame(s) of 10x12 at 16 bits need 480');
  });

  it('reads MONOCHROME1 as a flag and applies slope and intercept', () => {
    const spec = smallCtSpec();
    const series = readSeries(
      asFiles({
        ...spec,
        values: undefined,
        stored: {
          data: spec.values!.map((v) => Int16Array.from(v, (x) => (x + 1000) / 1)),
          slope: 0.5,
          intercept: -20,
        },
      }),
    );
    expect(series.slices[0].values[3]).toBeCloseTo(21 * 0.5 - 20, 5);
    const [first] = asFiles(spec);
    const { dataset } = parseDicom(first.bytes, 'x');
    dataset.PhotometricInterpretation = 'MONOCHROME1';
    const mono1 = readSeries([{ name: 'm1.dcm', bytes: encodeDicom(dataset) }]);
    expect(mono1.slices[0].photometric).toBe('MONOCHROME1');
    expect(mono1.slices[0].values[0]).toBe(-1000);
  });
});

const missingShared = missingTools({ paths: [SHARED_DATA] });
describe.skipIf(missingShared)('readSeries on ../shared/data', () => {
  it('orders mr-adc by position although its file names do not follow it', () => {
    const series = readSeriesFromDirectory(join(SHARED_DATA, 'mr-adc'));
    expect(series.slices).toHaveLength(20);
    const along = series.slices.map((s) => s.positionAlongNormal);
    expect(along).toEqual([...along].sort((a, b) => a - b));
    const names = series.slices.map((s) => s.source.split('/').pop());
    expect(names).not.toEqual([...names].sort());
    expect(series.geometry.spacingBetweenSlices).toBeCloseTo(3, 2);
    expect(series.warnings).toEqual([]);
  });

  it.each(['ct-3slice', 'ct-23x38x3', 'ct-24x38x3', 'pydicom-ct5n'])(
    'reads %s (implicit/explicit VR)',
    (name) => {
      const series = readSeriesFromDirectory(join(SHARED_DATA, name));
      expect(series.modality).toBe('CT');
      expect(series.slices.length).toBe(readdirSync(join(SHARED_DATA, name)).length);
      expect(series.frameOfReferenceUID).not.toBe('');
    },
  );

  it('reads ct-3slice in HU: air near -1000 and signed values', () => {
    const series = readSeriesFromDirectory(join(SHARED_DATA, 'ct-3slice'));
    const values = series.slices[1].values;
    expect(values.reduce((a, b) => Math.min(a, b))).toBeLessThan(-900);
    expect(values.reduce((a, b) => Math.max(a, b))).toBeGreaterThan(200);
  });
});

const missingPydicom = missingTools({ python: ['pydicom', 'numpy'], paths: [SHARED_DATA] });
describe.skipIf(missingPydicom)('compressed transfer syntaxes (files made by pydicom)', () => {
  const CONVERT = `
import sys, pydicom
from pydicom.uid import RLELossless, DeflatedExplicitVRLittleEndian, JPEG2000Lossless
from pydicom.encaps import encapsulate
src, out, kind = sys.argv[1:4]
ds = pydicom.dcmread(src)
if kind == 'rle':
    ds.compress(RLELossless)
elif kind == 'deflate':
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.is_implicit_VR = False
    ds.is_little_endian = True
else:
    ds.PixelData = encapsulate([b'\\xff\\xd8\\xff\\xd9'])
    ds['PixelData'].is_undefined_length = True
    ds['PixelData'].VR = 'OB'
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.is_implicit_VR = False
    ds.is_little_endian = True
ds.save_as(out, write_like_original=False)
`;
  const dir = mkdtempSync(join(tmpdir(), 'ts-'));
  const source = join(SHARED_DATA, 'ct-23x38x3', 'IMG0002.dcm');
  const plain = readSeries([readDicomFile(source)]).slices[0].values;

  it.each(['rle', 'deflate'])('decodes %s to the same values as the uncompressed file', (kind) => {
    const out = join(dir, `${kind}.dcm`);
    python(CONVERT, [source, out, kind]);
    const { transferSyntaxUID } = parseDicom(readDicomFile(out).bytes, out);
    expect(transferSyntaxUID).toBe(kind === 'rle' ? '1.2.840.10008.1.2.5' : '1.2.840.10008.1.2.1.99');
    expect(readSeries([readDicomFile(out)]).slices[0].values).toEqual(plain);
  });

  it('refuses JPEG 2000 where its codec was not started, naming the syntax and where it is started', () => {
    const out = join(dir, 'j2k.dcm');
    python(CONVERT, [source, out, 'j2k']);
    const error = dicomError(() => readSeries([readDicomFile(out)]));
    expect(error.code).toBe('unsupported-transfer-syntax');
    expect(error.message).toContain('JPEG 2000 (Lossless Only) (1.2.840.10008.1.2.4.90)');
    expect(error.hint).toContain('startImageCodecs');
  });
});

const missingDcmtk = missingTools({ commands: ['dcmcjpeg'], paths: [SHARED_DATA] });
describe.skipIf(missingDcmtk)('JPEG Lossless (files made by dcmtk dcmcjpeg)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jpeg-'));
  it.each([
    ['ct-3slice/02.dcm', '+e1', '1.2.840.10008.1.2.4.70'],
    ['ct-3slice/02.dcm', '+el', '1.2.840.10008.1.2.4.57'],
    ['mr-adc/000003.dcm', '+e1', '1.2.840.10008.1.2.4.70'],
    ['ct-23x38x3/IMG0001.dcm', '+e1', '1.2.840.10008.1.2.4.70'],
  ])('decodes %s (%s) to the same modality values', (file, option, syntax) => {
    const source = join(SHARED_DATA, file);
    const out = join(dir, `${file.replace('/', '_')}${option}.dcm`);
    execFileSync('dcmcjpeg', [option, source, out]);
    expect(parseDicom(readDicomFile(out).bytes, out).transferSyntaxUID).toBe(syntax);
    const plain = readSeries([readDicomFile(source)]).slices[0].values;
    expect(readSeries([readDicomFile(out)]).slices[0].values).toEqual(plain);
  });
});

const missingBaseline = missingTools({
  commands: ['dcmcjpeg', 'dcmdjpeg'],
  python: ['pydicom', 'numpy'],
  paths: [SHARED_DATA],
});
describe.skipIf(missingBaseline)('8-bit JPEG Baseline (made by dcmtk from an 8-bit copy)', () => {
  it('decodes within 1 grey level of dcmtk own decoder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseline-'));
    const [u8, baseline, decoded] = ['u8', 'baseline', 'decoded'].map((n) => join(dir, `${n}.dcm`));
    python(
      `
import sys, numpy as np, pydicom
d = pydicom.dcmread(sys.argv[1])
hu = d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept)
d.PixelData = np.clip((hu + 160) / 400 * 255, 0, 255).astype(np.uint8).tobytes()
d.BitsAllocated, d.BitsStored, d.HighBit, d.PixelRepresentation = 8, 8, 7, 0
d.RescaleIntercept, d.RescaleSlope = 0, 1
d.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
d.is_implicit_VR, d.is_little_endian = False, True
d['PixelData'].VR = 'OB'
d.save_as(sys.argv[2], write_like_original=False)
`,
      [join(SHARED_DATA, 'ct-3slice', '02.dcm'), u8],
    );
    execFileSync('dcmcjpeg', ['+eb', u8, baseline]);
    execFileSync('dcmdjpeg', [baseline, decoded]);
    expect(parseDicom(readDicomFile(baseline).bytes, baseline).transferSyntaxUID).toBe(
      '1.2.840.10008.1.2.4.50',
    );
    const ours = readSeries([readDicomFile(baseline)]).slices[0].values;
    const dcmtk = readSeries([readDicomFile(decoded)]).slices[0].values;
    const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - dcmtk[i])), 0);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

it('writes nothing: reading never creates files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ro-'));
  writeFileSync(join(dir, 'bad.dcm'), 'not dicom');
  expect(() => readSeriesFromDirectory(dir)).toThrow(DicomError);
  expect(readdirSync(dir)).toEqual(['bad.dcm']);
});
