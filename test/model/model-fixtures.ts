import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SliceImage } from '../../src/dicom/slice-image.ts';
import { REPO_ROOT } from '../helpers/tools.ts';

/** The tiny random-weight model folders made by export/ (test/fixtures/README.md). */
export const FIXTURE_MODELS = join(REPO_ROOT, 'test/fixtures/models');
export const GOLDEN = join(REPO_ROOT, 'test/fixtures/golden');

/** A scratch copy of a fixture model folder, to break in one way per test. */
export function copyOfFixture(name: 'tiny-robust' | 'tiny-sam'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rmsam-${name}-`));
  cpSync(join(FIXTURE_MODELS, name), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// biome-ignore lint/suspicious/noExplicitAny: tests edit model.json as free JSON.
export type Json = any;

export function readManifest(dir: string): Json {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}

export function writeManifest(dir: string, manifest: Json): void {
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
}

/** Rewrites a graph file and updates its size and sha256 in model.json, so only the content is wrong. */
export function replaceGraph(dir: string, role: 'encoder' | 'decoder', bytes: Uint8Array): void {
  const manifest = readManifest(dir);
  writeFileSync(join(dir, manifest.graphs[role].file), bytes);
  manifest.graphs[role].sha256 = createHash('sha256').update(bytes).digest('hex');
  manifest.graphs[role].bytes = bytes.byteLength;
  writeManifest(dir, manifest);
}

/** A CT slice of soft tissue with a brighter disc, rows x columns, in HU. */
export function phantomSlice(
  rows: number,
  columns: number,
  sopInstanceUID = '1.2.826.0.1.3680043.8.498.1',
): SliceImage {
  const values = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const inDisc = Math.hypot(x - columns * 0.45, y - rows * 0.55) < Math.min(rows, columns) * 0.2;
      values[y * columns + x] = (inDisc ? 120 : 20) + ((x * 31 + y * 17) % 23) - 11;
    }
  }
  return {
    rows,
    columns,
    values,
    modality: 'CT',
    photometric: 'MONOCHROME2',
    sopInstanceUID,
    frame: 0,
    pixelSpacing: [0.8, 0.8],
  };
}
