import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALGORITHM_FAMILY } from '../../src/dicom/codes.ts';
import { masksForSeries, parseSegmentation, summarizeSegments } from '../../src/dicom/seg-reader.ts';
import { Segmentation, type SegmentationType } from '../../src/dicom/seg-writer.ts';
import type { Series } from '../../src/dicom/series.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { missingTools, REPO_ROOT, SHARED_DATA } from '../helpers/tools.ts';
import { dcentvfyErrors, dciodvfyErrors, pydicomFrames } from '../helpers/validators.ts';
import { nonOverlapping, testMasks, testSegments } from './seg-fixtures.ts';

/** Every series folder under ../shared/data and sample-dicom (a folder with image .dcm files). */
function seriesFolders(): string[] {
  const folders: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (!existsSync(dir) || depth > 3) return;
    const entries = readdirSync(dir);
    const images = entries.filter((e) => e.endsWith('.dcm') && !/seg/i.test(e));
    if (
      images.length > 0 &&
      entries.every(
        (e) => e.endsWith('.dcm') || statSync(join(dir, e)).isDirectory() || /\.(md|json)$/.test(e),
      )
    ) {
      folders.push(dir);
    }
    for (const e of entries) if (statSync(join(dir, e)).isDirectory()) visit(join(dir, e), depth + 1);
  };
  visit(SHARED_DATA, 0);
  visit(join(REPO_ROOT, 'sample-dicom'), 0);
  return folders.filter((f) => !f.includes('checkpoint-layout'));
}

function sum(mask: Uint8Array, start = 0, end = mask.length): number {
  let n = 0;
  for (let i = start; i < end; i++) n += mask[i] ? 1 : 0;
  return n;
}

function expectSameMask(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let differences = 0;
  for (let i = 0; i < expected.length; i++) if ((actual[i] !== 0) !== (expected[i] !== 0)) differences++;
  expect(differences, `${what}: voxels that differ`).toBe(0);
}

const missing = missingTools({ commands: ['dciodvfy', 'dcentvfy'], python: ['pydicom', 'numpy'] });
// Without ../shared/data the bundled samples are still checked.
const missingShared = missingTools({ paths: [SHARED_DATA] });

describe.skipIf(missing)('SEG round trip on every real and sample series', () => {
  const folders = missing ? [] : seriesFolders();
  const work = mkdtempSync(join(tmpdir(), 'seg-'));

  it.skipIf(missingShared)('finds the shared series', () => {
    expect(folders.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['ct-3slice', 'mr-adc', 'ct-23x38x3', 'ct-24x38x3', 'pydicom-ct5n']),
    );
  });

  describe.each(folders.map((f) => [f.replace(`${REPO_ROOT}/`, '').replace(`${SHARED_DATA}/`, ''), f]))(
    '%s',
    (name, folder) => {
      let series: Series;
      const get = () => {
        series ??= readSeriesFromDirectory(folder);
        return series;
      };

      it.each(['BINARY', 'LABELMAP'] as SegmentationType[])(
        '%s: validators accept it and every voxel comes back',
        (type) => {
          const source = get();
          const { rows, columns } = source.geometry;
          const pixels = rows * columns;
          const masks =
            type === 'BINARY'
              ? testMasks(source.slices.length, rows, columns)
              : nonOverlapping(testMasks(source.slices.length, rows, columns));
          const segments = testSegments();
          const seg = new Segmentation({
            source,
            segments,
            masks,
            type,
            contentLabel: 'ORGANS_1',
            contentDescription: 'Round-trip test',
            contentCreatorName: 'Tester^Ann',
          });
          const path = join(work, `${name.replaceAll('/', '_')}-${type}.dcm`);
          writeFileSync(path, seg.toBytes());

          if (type === 'BINARY') {
            expect(seg.segmentsOverlap).toBe(true);
            expect(dciodvfyErrors(path)).toEqual([]);
            expect(dcentvfyErrors([path, ...source.slices.map((s) => s.source)])).toEqual([]);
          }

          // pydicom decodes the pixels; each frame is compared with the mask of the segment and slice it names.
          const py = pydicomFrames(path, `${path}.npy`);
          const sliceOf = new Map(source.slices.map((s, z) => [s.sopInstanceUID, z]));
          expect(py.shape).toEqual([py.frames.length, rows, columns]);
          const expectedFrames =
            type === 'BINARY'
              ? masks.reduce(
                  (n, m) =>
                    n + source.slices.filter((_, z) => sum(m, z * pixels, (z + 1) * pixels) > 0).length,
                  0,
                )
              : source.slices.filter((_, z) => masks.some((m) => sum(m, z * pixels, (z + 1) * pixels) > 0))
                  .length;
          expect(py.frames.length).toBe(expectedFrames);
          py.frames.forEach(([segment, sop], f) => {
            const z = sliceOf.get(sop);
            expect(z, `frame ${f + 1} source`).toBeDefined();
            const frame = py.pixels.subarray(f * pixels, (f + 1) * pixels);
            if (type === 'BINARY') {
              expectSameMask(
                frame,
                masks[segment - 1].subarray(z! * pixels, (z! + 1) * pixels),
                `frame ${f + 1}`,
              );
            } else {
              for (const [k, m] of masks.entries()) {
                const expected = m.subarray(z! * pixels, (z! + 1) * pixels);
                expectSameMask(
                  frame.map((v) => (v === k + 1 ? 1 : 0)),
                  expected,
                  `frame ${f + 1} label ${k + 1}`,
                );
              }
            }
          });

          // Our reader: every voxel and every segment attribute.
          const parsed = parseSegmentation(new Uint8Array(seg.toBytes()), path);
          const back = masksForSeries(parsed, source);
          expect(back.mappedBy).toBe('source-image');
          for (const [k, m] of back.masks.entries()) expectSameMask(m, masks[k], `segment ${k + 1}`);
          expect(summarizeSegments(parsed).map((s) => s.voxels)).toEqual(masks.map((m) => sum(m)));
          expect(parsed.segmentationType).toBe(type);
          expect(parsed.contentLabel).toBe('ORGANS_1');
          expect(parsed.contentDescription).toBe('Round-trip test');
          expect(parsed.contentCreatorName).toBe('Tester^Ann');
          expect(parsed.referencedSeriesUIDs).toEqual([source.seriesInstanceUID]);
          expect(parsed.studyInstanceUID).toBe(source.study.studyInstanceUID);
          expect(parsed.frameOfReferenceUID).toBe(source.frameOfReferenceUID);
          parsed.segments.forEach((s, k) => {
            const want = segments[k];
            expect(s.number).toBe(k + 1);
            expect(s.label).toBe(want.label);
            expect(s.description).toBe(want.description);
            expect(s.codes).toEqual(
              want.codes.typeModifier ? want.codes : { category: want.codes.category, type: want.codes.type },
            );
            expect(s.algorithmType).toBe(want.algorithmType);
            expect(s.algorithmName).toBe(want.algorithmName);
            expect(s.algorithmVersion).toBe(want.algorithmVersion);
            expect(s.algorithmFamily).toEqual(
              want.algorithmType === 'MANUAL'
                ? undefined
                : (want.algorithmFamily ?? ALGORITHM_FAMILY.artificialIntelligence),
            );
            expect(s.color).toEqual(want.color);
          });
        },
      );
    },
  );
});
