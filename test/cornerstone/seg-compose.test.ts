/**
 * The per-voxel half of the viewer's SEG export and load (what the worker runs): labelmap slices with
 * several segments on one layer and one on another become a SEG that reads back voxel for voxel, and a
 * SEG is composed into labelmap slices with its overlaps counted, for the series it was made for only.
 */
import { describe, expect, it } from 'vitest';
import type { LabelmapArray } from '../../src/cornerstone/labelmap-compose.ts';
import {
  checkNewSegmentIndices,
  composeSegIntoLabelSlices,
  readSegOnSeries,
  type SegmentPlace,
  segSeries,
  writeSegFromLabelSlices,
} from '../../src/cornerstone/seg-compose.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { Segmentation } from '../../src/dicom/seg-writer.ts';
import { readSeries, type Series } from '../../src/dicom/series.ts';
import { uidFromSeed } from '../../src/dicom/uid.ts';
import { DicomError, InputError } from '../../src/errors.ts';
import { sameValues, testMasks, testSegments } from '../dicom/seg-fixtures.ts';
import { asFiles, smallCtSpec } from '../dicom/synthetic.ts';

const SLICES = 4;
const ROWS = 10;
const COLUMNS = 12;
const PIXELS = ROWS * COLUMNS;

function series(overrides: Parameters<typeof smallCtSpec>[0] = {}): Series {
  return readSeries(asFiles(smallCtSpec(overrides, SLICES, ROWS, COLUMNS)));
}

/** Slice z of a whole-series mask. */
const sliceOf = (mask: Uint8Array, z: number) => mask.subarray(z * PIXELS, (z + 1) * PIXELS);

/**
 * Two layers per slice, as Cornerstone v5 keeps them: liver (1) and left kidney (2, drawn over the
 * liver) share the primary layer, the lesion (7) has a layer of its own, and the right lung (3) has no
 * pixel anywhere.
 */
function labelmap() {
  const [liver, kidney, lesion] = testMasks(SLICES, ROWS, COLUMNS);
  const primary: LabelmapArray[] = [];
  const lesionLayer: LabelmapArray[] = [];
  for (let z = 0; z < SLICES; z++) {
    const p = new Uint8Array(PIXELS);
    const l = new Uint8Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) {
      if (sliceOf(liver, z)[i]) p[i] = 1;
      if (sliceOf(kidney, z)[i]) p[i] = 2;
      if (sliceOf(lesion, z)[i]) l[i] = 7;
    }
    primary.push(p);
    lesionLayer.push(l);
  }
  const places = (layer: 'primary' | 'lesion', labelValue: number): SegmentPlace[] =>
    Array.from({ length: SLICES }, (_, z) => ({
      labelSlice: layer === 'primary' ? z : SLICES + z,
      labelValue,
    }));
  const [liverD, kidneyD, lesionD, lungD] = testSegments();
  return {
    labelSlices: [...primary, ...lesionLayer],
    segments: [
      { description: liverD, places: places('primary', 1) },
      { description: kidneyD, places: places('primary', 2) },
      { description: lesionD, places: places('lesion', 7) },
      { description: lungD, places: places('primary', 3) },
    ],
    // What each segment shows on screen: the kidney covers the liver where both were drawn.
    shown: { liver: liver.map((v, i) => (v && !kidney[i] ? 1 : 0)), kidney, lesion },
  };
}

describe('segSeries', () => {
  it('keeps what SEG writing and placing need, without pixel values, and survives structured cloning', () => {
    const s = series();
    const cloned = structuredClone(segSeries(s));
    expect(cloned.slices.map((x) => x.sopInstanceUID)).toEqual(s.slices.map((x) => x.sopInstanceUID));
    expect(cloned.geometry.normal).toEqual(s.geometry.normal);
    expect(cloned.slices.every((x) => !('values' in x))).toBe(true);
  });
});

describe('writeSegFromLabelSlices', () => {
  it('writes the segments that have pixels, each from its own layer and label value', () => {
    const s = series();
    const { labelSlices, segments, shown } = labelmap();
    const copies = labelSlices.map((l) => l.slice());
    const { bytes, segmentsWritten } = writeSegFromLabelSlices({
      series: segSeries(s),
      labelSlices,
      segments,
      writer: { type: 'BINARY', contentLabel: 'ROBUSTMEDSAM' },
    });
    expect(segmentsWritten).toBe(3);
    const parsed = parseSegmentation(bytes, 'export.seg.dcm');
    expect(parsed.segmentationType).toBe('BINARY');
    expect(parsed.segments.map((x) => x.label)).toEqual(segments.slice(0, 3).map((x) => x.description.label));
    const masks = masksForSeries(parsed, s).masks;
    expect(sameValues(masks[0], shown.liver)).toBe(true);
    expect(sameValues(masks[1], shown.kidney)).toBe(true);
    expect(sameValues(masks[2], shown.lesion)).toBe(true);
    // The labelmap is read, never changed.
    expect(labelSlices.every((l, k) => sameValues(l, copies[k]))).toBe(true);
  });

  it('writes segments sharing a layer as a LABELMAP SEG', () => {
    const s = series();
    const { labelSlices, segments, shown } = labelmap();
    const { bytes } = writeSegFromLabelSlices({
      series: segSeries(s),
      labelSlices,
      segments: segments.slice(0, 2),
      writer: { type: 'LABELMAP' },
    });
    const parsed = parseSegmentation(bytes, 'export.seg.dcm');
    expect(parsed.segmentationType).toBe('LABELMAP');
    const masks = masksForSeries(parsed, s).masks;
    expect(sameValues(masks[0], shown.liver)).toBe(true);
    expect(sameValues(masks[1], shown.kidney)).toBe(true);
  });

  it('refuses a segmentation without any pixel', () => {
    const { labelSlices, segments } = labelmap();
    const write = () =>
      writeSegFromLabelSlices({
        series: segSeries(series()),
        labelSlices,
        segments: segments.slice(3),
        writer: {},
      });
    expect(write).toThrow(InputError);
    expect(write).toThrow(expect.objectContaining({ code: 'empty-segmentation' }));
  });
});

describe('readSegOnSeries + composeSegIntoLabelSlices', () => {
  /** A SEG of the test masks with slice 2 left empty, made for `s`. */
  function segBytes(s: Series) {
    const masks = testMasks(SLICES, ROWS, COLUMNS).map((m) => {
      m.fill(0, 2 * PIXELS, 3 * PIXELS);
      return m;
    });
    const seg = new Segmentation({ source: s, segments: testSegments(), masks });
    return { bytes: seg.toBytes(), masks };
  }

  it('places the SEG, composes it over what is there and counts pixels two segments cover', () => {
    const s = series();
    const { bytes, masks } = segBytes(s);
    const placed = readSegOnSeries({ bytes, name: 'truth.seg.dcm', series: segSeries(s) });
    expect(placed.segments.map((x) => x.label)).toEqual(testSegments().map((x) => x.label));
    // Slice 2 is empty in every segment: the load leaves its labelmap slice alone.
    expect(placed.slices).toEqual([0, 1, 3]);
    expect(masks.every((m, k) => sameValues(placed.masks[k], m))).toBe(true);

    const labelValues = [3, 4, 5, 6];
    const job = placed.slices.map((index) => {
      const before = new Uint16Array(PIXELS);
      before[5 * COLUMNS + 6] = 9; // an existing segment, at the liver's centre
      before[1] = 9; // an existing segment outside every mask: it stays
      return { index, before, labelValues };
    });
    const beforeCopies = job.map((j) => j.before.slice());
    const composed = composeSegIntoLabelSlices({ masks: placed.masks, slices: job });

    let expectedOverlaps = 0;
    composed.slices.forEach(({ index, before, after }, n) => {
      expect(index).toBe(placed.slices[n]);
      expect(after).toBeInstanceOf(Uint16Array);
      expect(sameValues(before, beforeCopies[n])).toBe(true);
      for (let i = 0; i < PIXELS; i++) {
        const covering = masks.map((m) => sliceOf(m, index)[i]).flatMap((v, k) => (v ? [k] : []));
        if (covering.length > 1) expectedOverlaps++;
        // The last segment covering a pixel wins; elsewhere the labelmap keeps its value.
        const expected = covering.length ? labelValues[covering[covering.length - 1]] : beforeCopies[n][i];
        expect(after[i]).toBe(expected);
      }
    });
    // Liver and left kidney overlap on every non-empty slice; so do the kidney and the corner lesion.
    expect(expectedOverlaps).toBeGreaterThan(0);
    expect(composed.overlappingPixels).toBe(expectedOverlaps);
  });

  it('refuses a SEG made for another series', () => {
    const { bytes } = segBytes(series());
    const other = series({ seriesInstanceUID: uidFromSeed('another series') });
    const read = () => readSegOnSeries({ bytes, name: 'truth.seg.dcm', series: segSeries(other) });
    expect(read).toThrow(DicomError);
    expect(read).toThrow(expect.objectContaining({ code: 'seg-other-series' }));
  });
});

describe('segment numbers for a loaded SEG', () => {
  it('fits below the preview label (255) after the segments already there, and says so when not', () => {
    expect(() => checkNewSegmentIndices(251, 4, 'a.dcm')).not.toThrow(); // 251..254
    expect(() => checkNewSegmentIndices(252, 4, 'a.dcm')).toThrow(InputError);
    expect(() => checkNewSegmentIndices(252, 4, 'a.dcm')).toThrow(/up to 255.*holds 254/);
  });
});
