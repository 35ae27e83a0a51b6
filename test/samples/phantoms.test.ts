import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abdomenCT } from '../../sample-dicom/phantom/ct-abdomen.ts';
import { brainMR } from '../../sample-dicom/phantom/mr-brain.ts';
import { sampleImageUid } from '../../sample-dicom/samples.ts';
import { parseDicom } from '../../src/dicom/dataset.ts';
import { RLE_LOSSLESS } from '../../src/dicom/transfer-syntax.ts';
import { loadPhantom } from '../classical/phantom-truth.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { dciodvfyErrors } from '../helpers/validators.ts';

const SAMPLES = join(REPO_ROOT, 'sample-dicom');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Pixels of `mask` whose 4 neighbours are all inside too (away from partial-volume edges). */
function interior(mask: Uint8Array, columns: number): number[] {
  const out: number[] = [];
  for (let i = columns; i < mask.length - columns; i++) {
    if (mask[i] && mask[i - 1] && mask[i + 1] && mask[i - columns] && mask[i + columns]) out.push(i);
  }
  return out;
}

describe('the committed samples are what the generator makes', () => {
  for (const [name, define, ks] of [
    ['ct-abdomen', abdomenCT, [39]],
    ['mr-brain', brainMR, [17]],
  ] as const) {
    it(`${name}: slice ${ks.join(', ')} regenerates to the same pixels and truth`, () => {
      const phantom = define();
      const { series, truth } = loadPhantom(name);
      const pixels = phantom.rows * phantom.columns;
      for (const k of ks) {
        const rendered = phantom.renderSlice(k);
        const index = series.slices.findIndex((s) => s.sopInstanceUID === sampleImageUid(name, k));
        expect(index).toBeGreaterThanOrEqual(0);
        expect(Array.from(series.slices[index].values)).toEqual(Array.from(rendered.values));
        phantom.structures.forEach((structure, s) => {
          const mask = truth.get(structure.label)!.subarray(index * pixels, (index + 1) * pixels);
          const expected = Uint8Array.from(rendered.labels, (bits) => (bits >> s) & 1);
          expect(mask).toEqual(expected);
        });
      }
    });
  }
});

describe('the CT phantom looks like a contrast-enhanced abdominal CT', () => {
  const { series, truth } = loadPhantom('ct-abdomen');
  const { rows, columns } = series.geometry;
  const pixels = rows * columns;
  const index = 20;
  const values = series.slices[index].values;
  const organ = (label: string) => truth.get(label)!.subarray(index * pixels, (index + 1) * pixels);
  const hu = (label: string) => interior(organ(label), columns).map((i) => values[i]);

  it('has 40 axial int16 HU slices of 512 x 512, 0.7 mm pixels, 2.5 mm apart', () => {
    expect(series.modality).toBe('CT');
    expect(series.slices).toHaveLength(40);
    expect([rows, columns]).toEqual([512, 512]);
    expect(series.geometry.pixelSpacing).toEqual([0.7, 0.7]);
    expect(series.geometry.spacingBetweenSlices).toBeCloseTo(2.5, 6);
  });

  it('gives organs realistic HU with modest contrast between neighbours', () => {
    expect(median(hu('Liver'))).toBeGreaterThan(55);
    expect(median(hu('Liver'))).toBeLessThan(70);
    expect(median(hu('Spleen'))).toBeGreaterThan(42);
    expect(median(hu('Spleen'))).toBeLessThan(58);
    expect(median(hu('Liver')) - median(hu('Spleen'))).toBeGreaterThan(4);
    expect(median(hu('Aorta'))).toBeGreaterThan(220);
    // Kidneys: enhancing cortex around darker medulla, so both levels are present.
    const kidney = hu('Left kidney');
    expect(kidney.filter((v) => v > 130).length).toBeGreaterThan(kidney.length * 0.3);
    expect(kidney.filter((v) => v < 100).length).toBeGreaterThan(kidney.length * 0.05);
    expect(median(hu('Spine'))).toBeGreaterThan(200);
  });

  it('has texture and noise (not flat regions) and partial-volume edges', () => {
    const liver = hu('Liver');
    const mean = liver.reduce((a, b) => a + b, 0) / liver.length;
    const sd = Math.sqrt(liver.reduce((a, b) => a + (b - mean) ** 2, 0) / liver.length);
    expect(sd).toBeGreaterThan(8);
    expect(sd).toBeLessThan(30);
    // Along the aorta's outline (the pixels either side of it) values mix aorta (~255 HU) and the fat
    // around it (~-90 HU); a hard-edged phantom would have almost none between -40 and 200.
    const aorta = organ('Aorta');
    const edge: number[] = [];
    for (let i = columns; i < pixels - columns; i++) {
      const neighbours = [aorta[i - 1], aorta[i + 1], aorta[i - columns], aorta[i + columns]];
      if (neighbours.some((n) => n !== aorta[i])) edge.push(values[i]);
    }
    expect(edge.filter((v) => v > -40 && v < 200).length).toBeGreaterThan(edge.length * 0.25);
  });
});

describe('the MR phantom has Rician noise and a bias field', () => {
  const { series, truth } = loadPhantom('mr-brain');
  const { rows, columns } = series.geometry;
  const index = 15;
  const values = series.slices[index].values;

  it('has 30 slices of 256 x 256', () => {
    expect(series.modality).toBe('MR');
    expect(series.slices).toHaveLength(30);
    expect([rows, columns]).toEqual([256, 256]);
  });

  it('has a Rayleigh background (mean sigma * sqrt(pi / 2), never all zero)', () => {
    const corner: number[] = [];
    for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) corner.push(values[y * columns + x]);
    const mean = corner.reduce((a, b) => a + b, 0) / corner.length;
    expect(mean).toBeGreaterThan(16 * Math.sqrt(Math.PI / 2) * 0.85);
    expect(mean).toBeLessThan(16 * Math.sqrt(Math.PI / 2) * 1.15);
    expect(Math.min(...corner)).toBeGreaterThanOrEqual(0);
  });

  it('makes the same tissue brighter towards the back of the head (the bias field)', () => {
    const pixels = rows * columns;
    const brain = truth.get('Brain')!.subarray(index * pixels, (index + 1) * pixels);
    const front: number[] = [];
    const back: number[] = [];
    for (const i of interior(brain, columns)) {
      if (values[i] < 560) continue; // white matter only
      (Math.floor(i / columns) < 110 ? front : back).push(values[i]);
    }
    expect(median(back) / median(front)).toBeGreaterThan(1.05);
  });
});

describe('sample-dicom files', () => {
  it('keeps every file under 8 MB and stores the images as RLE Lossless', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(SAMPLES);
    for (const path of files) expect(statSync(path).size, path).toBeLessThan(8 * 2 ** 20);
    for (const name of ['ct-abdomen', 'mr-brain']) {
      const first = readdirSync(join(SAMPLES, name))[0];
      const { transferSyntaxUID } = parseDicom(readFileSync(join(SAMPLES, name, first)), first);
      expect(transferSyntaxUID).toBe(RLE_LOSSLESS);
    }
  });

  it.skipIf(missingTools({ commands: ['dciodvfy'] }))(
    'passes dciodvfy -new with no errors (images and truth SEGs)',
    () => {
      for (const path of [
        join(SAMPLES, 'ct-abdomen', 'CT0001.dcm'),
        join(SAMPLES, 'mr-brain', 'MR0030.dcm'),
        join(SAMPLES, 'ct-abdomen-truth.seg.dcm'),
        join(SAMPLES, 'mr-brain-truth.seg.dcm'),
      ]) {
        expect(dciodvfyErrors(path), path).toEqual([]);
      }
    },
  );
});
