import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packedLength, packFrame, unpackFrame } from '../../src/dicom/bit-packing.ts';
import { encodeDicom, parseDicom, sequence } from '../../src/dicom/dataset.ts';
import { deriveSeries, writeImageSeries } from '../../src/dicom/image-series-writer.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { Segmentation, type SegmentationOptions, segmentFromOrgan } from '../../src/dicom/seg-writer.ts';
import { readSeries } from '../../src/dicom/series.ts';
import { DicomError } from '../../src/errors.ts';
import { REPO_ROOT } from '../helpers/tools.ts';
import { dcentvfyErrors } from '../helpers/validators.ts';
import { dicomError } from './dicom-error.ts';
import { testMasks, testSegments } from './seg-fixtures.ts';
import { asFiles, smallCtSpec } from './synthetic.ts';

// 5 slices of 7x9 = 63 pixels: not a multiple of 8, so frames start mid-byte.
const series = readSeries(asFiles(smallCtSpec({}, 5, 7, 9)));
const masks = testMasks(5, 7, 9);
const options = (): SegmentationOptions => ({ source: series, segments: testSegments(), masks });

/** A written SEG, changed through its naturalised dataset, written again. */
function alteredSeg(
  change: (ds: Record<string, unknown>) => void,
  seg = new Segmentation(options()),
): Uint8Array {
  const { dataset } = parseDicom(seg.toBytes(), 'seg');
  change(dataset);
  return encodeDicom(dataset);
}

describe('1-bit packing', () => {
  it('packs frames back to back, least significant bit first, and unpacks them', () => {
    const pixels = 63;
    const frames = [0, 1, 2].map((f) =>
      Uint8Array.from({ length: pixels }, (_, i) => ((i * 7 + f) % 3 === 0 ? 1 : 0)),
    );
    const out = new Uint8Array(packedLength(3, pixels));
    expect(out.length).toBe(24); // ceil(189 / 8) = 24, already even
    frames.forEach((m, f) => {
      packFrame(m, 0, pixels, out, f);
    });
    // Frame 1 starts at bit 63: the last bit of byte 7.
    expect((out[7] >> 7) & 1).toBe(frames[1][0]);
    expect(out[0] & 1).toBe(frames[0][0]);
    for (const [f, m] of frames.entries()) {
      const back = new Uint8Array(pixels);
      unpackFrame(out, f, pixels, back, 0);
      expect(back).toEqual(m);
    }
  });
});

describe('SEG writer validation', () => {
  it.each([
    ['no segments', { segments: [], masks: [] }],
    ['mask count', { masks: masks.slice(1) }],
    ['mask length', { masks: masks.map((m) => m.subarray(1)) }],
    ['content label', { contentLabel: 'lower case label' }],
    ['content label length', { contentLabel: 'A_LABEL_LONGER_THAN_16' }],
  ] as Array<[string, Partial<SegmentationOptions>]>)('refuses bad input: %s', (_, change) => {
    expect(dicomError(() => new Segmentation({ ...options(), ...change })).code).toBe('invalid-segmentation');
  });

  it('refuses a semi-automatic segment without an algorithm name, SRT codes and bad colours', () => {
    const [liver, ...rest] = testSegments();
    for (const bad of [
      { ...liver, algorithmName: undefined },
      { ...liver, codes: { ...liver.codes, type: { ...liver.codes.type, scheme: 'SRT' } } },
      { ...liver, color: [300, 0, 0] as [number, number, number] },
      { ...liver, label: ' ' },
    ]) {
      expect(() => new Segmentation({ ...options(), segments: [bad, ...rest] })).toThrow(DicomError);
    }
    expect(dicomError(() => segmentFromOrgan('appendix', { type: 'MANUAL' })).code).toBe('unknown-organ');
  });

  it('refuses a segment label that cannot be a DICOM LO (backslash, line break, over 64 bytes), naming why', () => {
    const [liver, ...rest] = testSegments();
    for (const [label, why] of [
      ['left\\right', /backslash or a control character/],
      ['liver\nspleen', /backslash or a control character/],
      ['x'.repeat(65), /65 bytes long; at most 64 fit/],
    ] as const) {
      const error = dicomError(
        () => new Segmentation({ ...options(), segments: [{ ...liver, label }, ...rest] }),
      );
      expect(error.message).toMatch(/label cannot be a DICOM SegmentLabel \(LO\)/);
      expect(error.message).toMatch(why);
    }
  });

  it('refuses overlapping segments in a label map', () => {
    expect(dicomError(() => new Segmentation({ ...options(), type: 'LABELMAP' })).message).toContain(
      'overlap',
    );
  });

  it('writes an entirely empty segmentation as one empty frame that reads back empty', () => {
    const empty = masks.map((m) => new Uint8Array(m.length));
    for (const type of ['BINARY', 'LABELMAP'] as const) {
      const seg = new Segmentation({ ...options(), masks: empty, type });
      expect(seg.frameCount).toBe(1);
      expect(seg.segmentsOverlap).toBe(false);
      const back = masksForSeries(parseSegmentation(seg.toBytes(), 'empty'), series).masks;
      expect(back.map((m) => m.reduce((a, b) => a + b, 0))).toEqual([0, 0, 0, 0]);
    }
  });

  it('states SpacingBetweenSlices only for an evenly spaced stack', () => {
    const spacingOf = (seg: Segmentation) => {
      const [shared] = sequence(seg.dataset, 'SharedFunctionalGroupsSequence');
      return sequence(shared, 'PixelMeasuresSequence')[0].SpacingBetweenSlices;
    };
    expect(spacingOf(new Segmentation(options()))).toBe(2.5);
    const gapSpec = smallCtSpec({}, 5, 7, 9);
    gapSpec.geometry.positions = [0, 2.5, 5, 7.5, 15].map((z) => [0, 0, z] as [number, number, number]);
    const gapSeries = readSeries(asFiles(gapSpec));
    expect(gapSeries.warnings[0]).toContain('gap of 7.500 mm');
    expect(spacingOf(new Segmentation({ ...options(), source: gapSeries }))).toBeUndefined();
  });

  it('packs mid-byte frames that read back exactly, with SegmentsOverlap YES', () => {
    const seg = new Segmentation(options());
    expect(seg.segmentsOverlap).toBe(true);
    const { masks: back } = masksForSeries(parseSegmentation(seg.toBytes(), 'seg'), series);
    expect(back).toEqual(masks.map((m) => m.map((v) => (v ? 1 : 0))));
  });
});

describe('SEG reader errors and fallbacks', () => {
  it('refuses a SEG whose PixelData length does not match its frames', () => {
    for (const delta of [-2, 4]) {
      const bytes = alteredSeg((ds) => {
        const [pixels] = ds.PixelData as ArrayBuffer[];
        const changed = new Uint8Array(pixels.byteLength + delta);
        changed.set(new Uint8Array(pixels).subarray(0, Math.min(pixels.byteLength, changed.length)));
        ds.PixelData = [changed.buffer];
      });
      expect(dicomError(() => parseSegmentation(bytes, 'bad.dcm')).code).toBe('seg-pixel-data-length');
    }
  });

  it('refuses truncated and non-SEG files', () => {
    const bytes = new Segmentation(options()).toBytes();
    const cut = dicomError(() => parseSegmentation(bytes.slice(0, bytes.length - 10), 'cut.dcm'));
    expect(['truncated-dicom', 'corrupt-dicom', 'seg-pixel-data-length']).toContain(cut.code);
    // Cut inside the last bytes of its pixel data: refused, never read as fewer voxels.
    for (const short of [1, 2, 3]) {
      const error = dicomError(() =>
        parseSegmentation(bytes.subarray(0, bytes.length - short), 'short.seg.dcm'),
      );
      expect(error.code).toBe('truncated-dicom');
      expect(error.message).toContain('short.seg.dcm is truncated');
    }
    const image = asFiles(smallCtSpec())[0].bytes;
    expect(dicomError(() => parseSegmentation(image, 'ct.dcm')).code).toBe('not-a-segmentation');
  });

  it('refuses a SEG made for another series or frame of reference', () => {
    const seg = parseSegmentation(new Segmentation(options()).toBytes(), 'seg.dcm');
    const copy = readSeries(
      writeImageSeries(
        deriveSeries(
          series,
          series.slices.map((s) => s.values),
          { seriesDescription: 'copy' },
        ),
      ).map((w) => ({
        name: `${w.index}`,
        bytes: w.bytes,
      })),
    );
    expect(dicomError(() => masksForSeries(seg, copy)).code).toBe('seg-other-series');
    const elsewhere = readSeries(asFiles(smallCtSpec({ frameOfReferenceUID: '2.25.5' }, 5, 7, 9)));
    expect(dicomError(() => masksForSeries(seg, elsewhere)).code).toBe('seg-other-frame-of-reference');
  });

  it('refuses a SEG in another orientation than the series', () => {
    const bytes = alteredSeg((ds) => {
      const [shared] = sequence(ds, 'SharedFunctionalGroupsSequence');
      sequence(shared, 'PlaneOrientationSequence')[0].ImageOrientationPatient = [0, 1, 0, 0, 0, -1];
    });
    expect(dicomError(() => masksForSeries(parseSegmentation(bytes, 'sag.dcm'), series)).code).toBe(
      'seg-other-orientation',
    );
  });

  it('falls back to ImagePositionPatient when the source images are not referenced by UID', () => {
    const copy = readSeries(
      writeImageSeries(
        deriveSeries(
          series,
          series.slices.map((s) => s.values),
          { seriesDescription: 'copy' },
        ),
      ).map((w) => ({
        name: `${w.index}`,
        bytes: w.bytes,
      })),
    );
    const bytes = alteredSeg((ds) => {
      ds.ReferencedSeriesSequence = undefined;
    });
    const { masks: back, mappedBy } = masksForSeries(parseSegmentation(bytes, 'seg.dcm'), copy);
    expect(mappedBy).toBe('position');
    expect(back).toEqual(masks.map((m) => m.map((v) => (v ? 1 : 0))));
  });

  it('reads FRACTIONAL frames thresholded at 0.5 and says so', () => {
    const seg = new Segmentation(options());
    const bytes = alteredSeg((ds) => {
      const frames = sequence(ds, 'PerFrameFunctionalGroupsSequence').length;
      const pixels = 63;
      const packed = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]);
      const values = new Uint8Array(frames * pixels + ((frames * pixels) % 2));
      for (let i = 0; i < frames * pixels; i++) {
        const inside = (packed[i >>> 3] >> (i & 7)) & 1;
        values[i] = inside ? 128 + (i % 100) : i % 127; // just above / below half of 255
      }
      Object.assign(ds, {
        SegmentationType: 'FRACTIONAL',
        SegmentationFractionalType: 'PROBABILITY',
        MaximumFractionalValue: 255,
        BitsAllocated: 8,
        BitsStored: 8,
        HighBit: 7,
        PixelData: [values.buffer],
      });
    }, seg);
    const parsed = parseSegmentation(bytes, 'fractional.dcm');
    expect(parsed.segmentationType).toBe('FRACTIONAL');
    expect(parsed.threshold).toBe(0.5);
    expect(masksForSeries(parsed, series).masks).toEqual(masks.map((m) => m.map((v) => (v ? 1 : 0))));
  });

  it('keeps every group of a person name (ideographic, phonetic) in the SEG and in derived series', () => {
    const yamada = { Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' };
    const files = asFiles(smallCtSpec({}, 5, 7, 9)).map((f) => {
      const { dataset } = parseDicom(f.bytes, f.name);
      return {
        name: f.name,
        bytes: encodeDicom({ ...dataset, SpecificCharacterSet: 'ISO_IR 192', PatientName: [yamada] }),
      };
    });
    const source = readSeries(files);
    expect(source.patient.patientNameGroups).toEqual(yamada);
    const seg = new Segmentation({ source, segments: testSegments(), masks }).toBytes();
    expect(parseDicom(seg, 'seg').dataset.PatientName).toEqual([yamada]);
    const copy = writeImageSeries(
      deriveSeries(
        source,
        source.slices.map((s) => s.values),
        { seriesDescription: 'copy' },
      ),
    );
    expect(parseDicom(copy[0].bytes, 'copy').dataset.PatientName).toEqual([yamada]);
    if (spawnSync('sh', ['-c', 'command -v dcentvfy']).status === 0) {
      const folder = mkdtempSync(join(tmpdir(), 'robustmedsam-pn-'));
      for (const f of files) writeFileSync(join(folder, f.name), f.bytes);
      writeFileSync(join(folder, 'seg.dcm'), seg);
      expect(dcentvfyErrors(readdirSync(folder).map((n) => join(folder, n)))).toEqual([]);
    }
  });

  it('refuses ISO 2022 code extensions (several character sets) with the true reason, not as damage', () => {
    const [file] = asFiles(smallCtSpec());
    const { dataset } = parseDicom(file.bytes, file.name);
    const iso2022 = encodeDicom({ ...dataset, SpecificCharacterSet: ['', 'ISO 2022 IR 87'] });
    const error = dicomError(() => parseDicom(iso2022, 'jis.dcm'));
    expect(error.code).toBe('unsupported-character-set');
    expect(error.message).toContain('jis.dcm uses several character sets with ISO 2022 code extensions');
    expect(error.hint).toContain('The file is valid DICOM');
  });

  it('keeps non-ASCII text (UTF-8) at the top level and inside sequences', () => {
    const named = readSeries(
      asFiles(
        smallCtSpec(
          { patient: { patientName: 'Müller^Jörg', patientID: 'P1', patientBirthDate: '', patientSex: 'M' } },
          5,
          7,
          9,
        ),
      ),
    );
    expect(named.patient.patientName).toBe('Müller^Jörg');
    const segments = testSegments();
    segments[0] = { ...segments[0], label: 'Leber (größer)', description: 'Ωmega segment' };
    const bytes = new Segmentation({
      ...options(),
      source: named,
      segments,
      contentCreatorName: 'Şahin^Ayşe',
    }).toBytes();
    const parsed = parseSegmentation(bytes, 'utf8.dcm');
    expect(parsed.contentCreatorName).toBe('Şahin^Ayşe');
    expect(parsed.segments[0].label).toBe('Leber (größer)');
    expect(parsed.segments[0].description).toBe('Ωmega segment');
  });

  it('accepts the legacy Anatomical Structure code 123037004 and reports 91723000', () => {
    const bytes = alteredSeg((ds) => {
      const [first] = sequence(ds, 'SegmentSequence');
      const [category] = sequence(first, 'SegmentedPropertyCategoryCodeSequence');
      category.CodeValue = '123037004';
    });
    expect(parseSegmentation(bytes, 'legacy.dcm').segments[0].codes.category.value).toBe('91723000');
  });
});

describe('seg-info CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-info-'));
  const spec = smallCtSpec({}, 5, 7, 9);
  const written = writeImageSeries(spec);
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'bin/robustmedsam.js'), ...args], { encoding: 'utf8' });

  it('prints segments, voxel counts and referenced slices as JSON', () => {
    const onDisk = readSeries(written.map((w) => ({ name: `img${w.index}.dcm`, bytes: w.bytes })));
    const segPath = join(dir, 'seg.dcm');
    writeFileSync(segPath, new Segmentation({ ...options(), source: onDisk }).toBytes());
    const folder = join(dir, 'only-series');
    mkdirSync(folder);
    for (const w of written) writeFileSync(join(folder, `img${w.index}.dcm`), w.bytes);
    const run = cli(['seg-info', segPath, '--series', folder]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.segmentationType).toBe('BINARY');
    expect(report.sopClassUID).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(report.segments.map((s: { label: string }) => s.label)).toEqual([
      'Liver',
      'Left kidney',
      'Lesion',
      'Right lung',
    ]);
    const liver = report.segments[0];
    expect(liver.algorithmType).toBe('SEMIAUTOMATIC');
    expect(liver.algorithmName).toBe('RobustMedSAM');
    expect(liver.type).toContain('10200004');
    expect(liver.voxels).toBe(masks[0].reduce((a, b) => a + b, 0));
    expect(liver.referencedSlices.indices).toEqual([0, 2, 3, 4]);
    expect(liver.referencedSlices.sopInstanceUIDs).toEqual(
      [0, 2, 3, 4].map((z) => onDisk.slices[z].sopInstanceUID),
    );
    expect(report.segments[3].voxels).toBe(0);
    const alone = JSON.parse(cli(['seg-info', segPath]).stdout);
    expect(alone.segments[0].referencedSlices.sopInstanceUIDs).toEqual(
      liver.referencedSlices.sopInstanceUIDs,
    );
    expect(alone.segments[0].referencedSlices.indices).toBeUndefined();
  });

  it('exits with the DICOM code and prints nothing on stdout for a broken SEG', () => {
    const bad = join(dir, 'bad-seg.dcm');
    writeFileSync(
      bad,
      alteredSeg((ds) => {
        ds.PixelData = [new ArrayBuffer(4)];
      }),
    );
    const before = readdirSync(dir).sort();
    const run = cli(['seg-info', bad]);
    expect(run.status).toBe(5);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('PixelData has 4 bytes');
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
