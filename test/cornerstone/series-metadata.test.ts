/**
 * The SegSeries built from Cornerstone metadata (what SEG export and load use in the viewer and in
 * OHIF) against the one read from the same files by src/dicom. The metadata comes from Cornerstone
 * v5's own providers (@cornerstonejs/metadata, as the dicom-image-loader registers them), fed the
 * files' bytes the way the loader feeds them when it loads a `dicomfile:` or `wadouri:` image.
 */
import '../helpers/cornerstone.ts';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { registerDefaultProviders, utilities } from '@cornerstonejs/metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SegSeries, segSeries } from '../../src/cornerstone/seg-compose.ts';
import { segSeriesFromMetadata } from '../../src/cornerstone/series-metadata.ts';
import { frameFromImageId } from '../../src/cornerstone/slice-from-image.ts';
import { encodeDicom, parseDicom } from '../../src/dicom/dataset.ts';
import { Segmentation } from '../../src/dicom/seg-writer.ts';
import { type DicomFileBytes, readSeries } from '../../src/dicom/series.ts';
import { readDicomFile } from '../../src/dicom/series-node.ts';
import { DicomError, InputError } from '../../src/errors.ts';
import { dicomError } from '../dicom/dicom-error.ts';
import { enhancedFrom } from '../dicom/enhanced-copy.ts';
import { testMasks, testSegments } from '../dicom/seg-fixtures.ts';
import { asFiles, smallCtSpec } from '../dicom/synthetic.ts';
import { REPO_ROOT } from '../helpers/tools.ts';
import { expectSameSegSeries } from './seg-series-compare.ts';

const MR = resolve(REPO_ROOT, 'sample-dicom/mr-brain');

let nextId = 0;
/** Gives each file to Cornerstone's metadata under a fresh image id, as the loader does on load. */
async function register(files: DicomFileBytes[]): Promise<string[]> {
  return Promise.all(
    files.map(async (f) => {
      const imageId = `dicomfile:${++nextId}`;
      await utilities.addDicomPart10Instance(imageId, new Uint8Array(f.bytes));
      return imageId;
    }),
  );
}

/** A SEG with fixed UIDs and time, so two writes from equal sources give equal bytes. */
function segBytes(source: SegSeries, slices: number, rows: number, columns: number): Uint8Array {
  return new Segmentation({
    source,
    segments: testSegments().slice(0, 2),
    masks: testMasks(slices, rows, columns).slice(0, 2),
    seriesInstanceUID: '2.25.1',
    sopInstanceUID: '2.25.2',
    createdAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)),
  }).toBytes();
}

/** Reverses every other pair: an order that is neither the files' nor the series'. */
const shuffled = <T>(list: T[]) => list.map((_, i) => list[i % 2 ? i - 1 : Math.min(i + 1, list.length - 1)]);

beforeAll(() => {
  registerDefaultProviders();
});

describe('segSeriesFromMetadata', () => {
  it('equals segSeries(readSeries(files)) for a classic MR series, whatever the order of the image ids', async () => {
    const files = readdirSync(MR)
      .sort()
      .map((f) => readDicomFile(join(MR, f)));
    const fromFiles = readSeries(files);
    const ids = await register(files);
    const sopOf = new Map(
      ids.map((id, k) => [id, fromFiles.slices.find((s) => s.source === files[k].name)!]),
    );
    const given = shuffled([...ids].reverse());
    expect(new Set(given).size).toBe(ids.length);

    const { series, imageIds } = segSeriesFromMetadata(given);
    expectSameSegSeries(series, segSeries(fromFiles));
    expect(Object.keys(series.inherited ?? {}).length).toBeGreaterThan(5);
    // The image ids come back in the series' order: image k is slice k.
    expect(imageIds.map((id) => sopOf.get(id)!.sopInstanceUID)).toEqual(
      fromFiles.slices.map((s) => s.sopInstanceUID),
    );
    const { rows, columns } = series.geometry;
    expect(segBytes(series, series.slices.length, rows, columns)).toEqual(
      segBytes(segSeries(fromFiles), series.slices.length, rows, columns),
    );
  });

  it('equals segSeries(readSeries(file)) for an enhanced multi-frame copy, frame by frame', async () => {
    const { bytes } = enhancedFrom(MR);
    const fromFile = readSeries([{ name: 'enhanced.dcm', bytes }]);
    const [base] = await register([{ name: 'enhanced.dcm', bytes }]);
    const ids = fromFile.slices.map((_, f) => `${base}?frame=${f + 1}`);

    const { series, imageIds } = segSeriesFromMetadata(ids);
    expectSameSegSeries(series, segSeries(fromFile));
    expect(new Set(series.slices.map((s) => s.sopInstanceUID)).size).toBe(1);
    expect(imageIds.map(frameFromImageId)).toEqual(fromFile.slices.map((s) => s.frame));
    // The frames are not stored in position order, so sorting them is not a no-op.
    expect(series.slices.map((s) => s.frame)).not.toEqual(series.slices.map((_, k) => k));
    const { rows, columns } = series.geometry;
    expect(segBytes(series, series.slices.length, rows, columns)).toEqual(
      segBytes(segSeries(fromFile), series.slices.length, rows, columns),
    );
  });

  it('refuses an empty list and image ids Cornerstone has no metadata for, naming the image', () => {
    expect(() => segSeriesFromMetadata([])).toThrow(InputError);
    try {
      segSeriesFromMetadata(['wadouri:https://pacs.example/never-loaded.dcm']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe('missing-image-metadata');
      expect((error as InputError).message).toContain('wadouri:https://pacs.example/never-loaded.dcm');
    }
  });

  it('names the attribute and the image when an image lacks its position or its frame of reference', async () => {
    const files = asFiles(smallCtSpec());
    for (const [keyword, code] of [
      ['ImagePositionPatient', 'missing-geometry'],
      ['FrameOfReferenceUID', 'missing-attribute'],
    ]) {
      const { dataset } = parseDicom(files[2].bytes, files[2].name);
      delete dataset[keyword];
      const ids = await register([
        ...files.slice(0, 2),
        { name: 'damaged.dcm', bytes: encodeDicom(dataset) },
      ]);
      const error = dicomError(() => segSeriesFromMetadata(ids));
      expect(error.code).toBe(code);
      expect(error.message).toContain(keyword);
      expect(error.message).toContain(ids[2]);
    }
  });

  it('refuses images of two series, naming an image of each', async () => {
    const ids = await register([
      ...asFiles(smallCtSpec()).slice(0, 2),
      asFiles(smallCtSpec({ seriesInstanceUID: '2.25.99' }), 'other')[3],
    ]);
    const error = dicomError(() => segSeriesFromMetadata(ids));
    expect(error.code).toBe('multiple-series');
    expect(error.message).toContain(ids[0]);
    expect(error.message).toContain(ids[2]);
  });

  it('refuses images that are not parallel, and two images at one position', async () => {
    const tilted = smallCtSpec({ sopInstanceUIDs: ['2.25.1', '2.25.2', '2.25.3', '2.25.4'] });
    tilted.geometry.orientation = [1, 0, 0, 0, 0.8, 0.6];
    const notParallel = await register([...asFiles(smallCtSpec()).slice(0, 2), asFiles(tilted, 't')[3]]);
    const error = dicomError(() => segSeriesFromMetadata(notParallel));
    expect(error.code).toBe('mixed-orientation');
    expect(error.message).toContain(notParallel[2]);

    const twice = smallCtSpec();
    twice.geometry.positions[2] = twice.geometry.positions[1];
    const duplicate = await register(asFiles(twice));
    expect(dicomError(() => segSeriesFromMetadata(duplicate)).code).toBe('duplicate-slice-position');
    expect(() => segSeriesFromMetadata(duplicate)).toThrow(DicomError);
  });

  it('refuses one SOP Instance UID at two positions, by the same rule as files (one series assembly)', async () => {
    const files = asFiles(smallCtSpec());
    const { dataset } = parseDicom(files[3].bytes, 'x');
    dataset.SOPInstanceUID = parseDicom(files[0].bytes, 'y').dataset.SOPInstanceUID;
    const imageIds = await register([
      ...files.slice(0, 3),
      { name: 'copy.dcm', bytes: encodeDicom(dataset) },
    ]);
    const error = dicomError(() => segSeriesFromMetadata(imageIds));
    expect(error.code).toBe('duplicate-sop-instance');
    expect(error.message).toContain(imageIds[3]);
  });
});

describe('frameFromImageId', () => {
  it('reads the 1-based frame of wadouri and wadors image ids as a 0-based index', () => {
    expect(frameFromImageId('dicomfile:3?frame=7')).toBe(6);
    expect(frameFromImageId('wadouri:https://pacs.example/x.dcm?a=1&frame=2')).toBe(1);
    expect(frameFromImageId('wadors:https://pacs.example/studies/1/series/2/instances/3/frames/12')).toBe(11);
    expect(frameFromImageId('wadors:https://pacs.example/studies/1/series/2/instances/3/frames/1')).toBe(0);
    expect(frameFromImageId('dicomfile:3')).toBe(0);
    expect(frameFromImageId('wadors:https://pacs.example/studies/1/series/frames/instances/3')).toBe(0);
  });
});
