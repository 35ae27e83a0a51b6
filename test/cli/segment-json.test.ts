import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/cli/npy.ts';
import { spearman } from '../../src/quality/rank-correlation.ts';
import { REPO_ROOT } from '../helpers/tools.ts';
import { runCli } from './run-cli.ts';

const CT = join(REPO_ROOT, 'sample-dicom', 'ct-abdomen');
const CT_TRUTH = join(REPO_ROOT, 'sample-dicom', 'ct-abdomen-truth.seg.dcm');
const TINY_MODEL = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-robust');
const LIVER_BOX = '60,130,290,340';
const work = mkdtempSync(join(tmpdir(), 'robustmedsam-segment-json-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface SegmentJson {
  engine: { engine: string; label: string; backend: string; description: string };
  series: string;
  slice: { index: number; count: number; sopInstanceUID: string };
  box: { x0: number; y0: number; x1: number; y1: number };
  points: Array<{ x: number; y: number; label: number }>;
  mask: { pixels: number; areaMm2: number };
  score: number;
  imageQuality: {
    noise: { value: number | null; severity: number };
    blur: { value: number | null; severity: number };
    ghosting: { value: number | null; severity: number };
    warning?: { degradation: string; severity: number; message: string };
  };
  timings: { totalMs: number };
  outputs: string[];
}

/** Slices 19-21 of the bundled CT (index 1 is CT0020), in a folder of their own. */
function threeSlices(name: string): string {
  const folder = join(work, name);
  mkdirSync(folder);
  for (const k of [20, 21, 22])
    writeFileSync(join(folder, `CT00${k}.dcm`), readFileSync(join(CT, `CT00${k}.dcm`)));
  return folder;
}

describe('robustmedsam segment --json', () => {
  it('prints one JSON object: mask, score, engine, imageQuality, outputs, box, points, slice', async () => {
    const out = join(work, 'liver.seg.dcm');
    const npy = join(work, 'liver.npy');
    const run = await runCli([
      'segment',
      '--series',
      CT,
      '--slice',
      '20',
      '--box',
      LIVER_BOX,
      '--point',
      '150,230',
      '--out',
      out,
      '--mask-out',
      npy,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as SegmentJson;
    const mask = decodeNpy(new Uint8Array(readFileSync(npy)));
    const area = Array.from(mask.data).reduce((a, b) => a + b, 0);
    expect(report.mask.pixels).toBe(area);
    expect(report.mask.areaMm2).toBeCloseTo(area * 0.7 * 0.7, 1);
    expect(report.engine).toMatchObject({
      engine: 'classical',
      label: 'Classical (random walker, no model)',
    });
    expect(report.score).toBeGreaterThan(0);
    expect(report.score).toBeLessThanOrEqual(1);
    expect(report.slice).toMatchObject({ index: 20, count: 40 });
    expect(report.box).toEqual({ x0: 60, y0: 130, x1: 290, y1: 340 });
    expect(report.points).toEqual([{ x: 150, y: 230, label: 1 }]);
    expect(report.outputs).toEqual([out, npy]);
    // The clean sample: every measure there, none beyond severity 2, no warning.
    for (const m of ['noise', 'blur', 'ghosting'] as const) {
      expect(report.imageQuality[m].value).toEqual(expect.any(Number));
      expect(report.imageQuality[m].severity).toBeLessThanOrEqual(2);
    }
    expect(report.imageQuality.warning).toBeUndefined();
  });

  it('carries the model engine and its score (the decoder IoU prediction)', async () => {
    const run = await runCli([
      'segment',
      '--series',
      CT,
      '--slice',
      '20',
      '--box',
      LIVER_BOX,
      '--model',
      TINY_MODEL,
      '--out',
      join(work, 'model.seg.dcm'),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as SegmentJson;
    expect(report.engine).toMatchObject({ engine: 'model', backend: 'onnxruntime-node cpu' });
    expect(report.engine.description).toMatch(/^tiny-robust .*\[onnxruntime-node/);
    expect(Number.isFinite(report.score)).toBe(true);
    expect(report.imageQuality.warning).toBeUndefined();
  });

  it('warns on a noisy slice: imageQuality.warning in JSON, one more line in the text summary', async () => {
    const folder = threeSlices('clean');
    const noisy = join(work, 'noisy');
    const degrade = await runCli([
      'degrade',
      '--series',
      folder,
      '--corruption',
      'gauss_noise',
      '--severity',
      '5',
      '--seed',
      '3',
      '--out',
      noisy,
    ]);
    expect(degrade.code, degrade.stderr).toBe(0);
    const args = ['segment', '--series', noisy, '--slice', '1', '--box', LIVER_BOX];
    const json = await runCli([...args, '--out', join(work, 'noisy.seg.dcm'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as SegmentJson;
    expect(report.imageQuality.warning).toMatchObject({ degradation: 'noise' });
    expect(report.imageQuality.warning!.severity).toBeGreaterThanOrEqual(4);
    expect(report.imageQuality.warning!.message).toMatch(/looks noisy \(about severity \d of 5\)/);

    const text = await runCli([...args, '--out', join(work, 'noisy-text.seg.dcm')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^image quality: The image around the box looks noisy/m);
    const clean = await runCli([
      'segment',
      '--series',
      folder,
      '--slice',
      '1',
      '--box',
      LIVER_BOX,
      '--out',
      join(work, 'clean.seg.dcm'),
    ]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).not.toMatch(/image quality/);
  });
});

describe('robustmedsam evaluate: the score beside Dice', () => {
  it('writes the score per box (dice.csv, evaluation.json) and how well it predicts Dice (Spearman)', async () => {
    const out = join(work, 'evaluate');
    const run = await runCli([
      'evaluate',
      '--series',
      CT,
      '--truth',
      CT_TRUTH,
      '--slices',
      '12,19',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8')) as {
      records: Array<{ dice: number; score: number }>;
      summary: { scoreVsDice: { spearman: number | null; boxes: number } };
    };
    expect(report.records).toHaveLength(12);
    for (const r of report.records) expect(r.score).toEqual(expect.any(Number));
    const rho = spearman(
      report.records.map((r) => r.score),
      report.records.map((r) => r.dice),
    );
    expect(report.summary.scoreVsDice).toEqual({ spearman: rho, boxes: 12 });
    expect(run.stdout).toContain(`score vs Dice: Spearman ${rho.toFixed(3)} over 12 boxes`);

    const csv = readFileSync(join(out, 'dice.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    expect(header.slice(7, 9)).toEqual(['dice', 'score']);
    const first = csv[1].split(',');
    expect(Number(first[8])).toBeCloseTo(report.records[0].score, 5);
  });
});
