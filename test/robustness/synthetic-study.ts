import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackPositions, writeImageSeries } from '../../src/dicom/image-series-writer.ts';
import { Segmentation, segmentFromOrgan } from '../../src/dicom/seg-writer.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { uidFromSeed } from '../../src/dicom/uid.ts';
import { Rng } from '../../src/robustness/random.ts';

/**
 * A small CT study written to `dir` for CLI tests: `series/` (3 slices of 96x96, a soft-tissue body,
 * a liver-like and a spleen-like ellipse with noise) and `truth.dcm`, its SEG. Deterministic; another
 * `noiseSeed` gives other pixels under the same UIDs (a regenerated series).
 */
export function writeSyntheticStudy(
  dir: string,
  options: { noiseSeed?: number } = {},
): { seriesDir: string; truthPath: string } {
  const size = 96;
  const slices = 3;
  const rng = new Rng(options.noiseSeed ?? 2024);
  const rows = size;
  const columns = size;
  const organs = {
    liver: (r: number, c: number, z: number) =>
      ((r - 0.45 * rows) / (0.2 * rows)) ** 2 + ((c - 0.35 * columns) / (0.22 * columns - z)) ** 2 < 1,
    spleen: (r: number, c: number, z: number) =>
      ((r - 0.5 * rows) / (0.12 * rows)) ** 2 + ((c - 0.72 * columns) / (0.1 * columns + z)) ** 2 < 1,
  };
  const values: Float32Array[] = [];
  const masks = [new Uint8Array(slices * rows * columns), new Uint8Array(slices * rows * columns)];
  for (let z = 0; z < slices; z++) {
    const v = new Float32Array(rows * columns);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const i = r * columns + c;
        const body = ((r - rows / 2) / (0.45 * rows)) ** 2 + ((c - columns / 2) / (0.47 * columns)) ** 2 < 1;
        let hu = body ? -80 : -1000; // fat inside the body, air outside
        if (organs.liver(r, c, z)) {
          hu = 60;
          masks[0][z * rows * columns + i] = 1;
        } else if (organs.spleen(r, c, z)) {
          hu = 110;
          masks[1][z * rows * columns + i] = 1;
        }
        v[i] = Math.round(hu + 8 * rng.normal());
      }
    }
    values.push(v);
  }
  const seriesDir = join(dir, 'series');
  mkdirSync(seriesDir, { recursive: true });
  const orientation: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
  const instances = writeImageSeries({
    modality: 'CT',
    patient: {
      patientName: 'Synthetic^Robustness',
      patientID: 'RB-1',
      patientBirthDate: '',
      patientSex: 'O',
    },
    study: {
      studyInstanceUID: uidFromSeed('robustness-test-study'),
      studyDate: '20260101',
      studyTime: '120000',
      studyID: '1',
      accessionNumber: '',
      referringPhysicianName: '',
      studyDescription: 'Synthetic robustness test study',
    },
    frameOfReferenceUID: uidFromSeed('robustness-test-for'),
    geometry: {
      rows,
      columns,
      pixelSpacing: [0.8, 0.8],
      orientation,
      positions: stackPositions([-38, -38, 0], orientation, 2, slices),
      sliceThickness: 2,
    },
    values,
    seriesDescription: 'Synthetic CT',
    seriesNumber: 1,
    seriesInstanceUID: uidFromSeed('robustness-test-series'),
    sopInstanceUIDs: Array.from({ length: slices }, (_, k) => uidFromSeed(`robustness-test-sop-${k}`)),
    createdAt: new Date('2026-01-01T12:00:00Z'),
  });
  for (const instance of instances)
    writeFileSync(join(seriesDir, `${instance.index + 1}.dcm`), instance.bytes);
  const series = readSeriesFromDirectory(seriesDir);
  const seg = new Segmentation({
    source: series,
    segments: [segmentFromOrgan('liver', { type: 'MANUAL' }), segmentFromOrgan('spleen', { type: 'MANUAL' })],
    masks,
    createdAt: new Date('2026-01-01T12:00:00Z'),
  });
  const truthPath = join(dir, 'truth.dcm');
  writeFileSync(truthPath, seg.toBytes());
  return { seriesDir, truthPath };
}
