import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DicomDataset, encodeDicom, parseDicom } from '../../src/dicom/dataset.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { dice } from '../../src/robustness/metrics.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { dciodvfyErrors } from '../helpers/validators.ts';
import { runCli } from './run-cli.ts';

const SAMPLES = join(REPO_ROOT, 'sample-dicom');
const CT = join(SAMPLES, 'ct-abdomen');
const CT_TRUTH = join(SAMPLES, 'ct-abdomen-truth.seg.dcm');
const MR_TRUTH = join(SAMPLES, 'mr-brain-truth.seg.dcm');
const work = mkdtempSync(join(tmpdir(), 'robustmedsam-evaluate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A few slices across the stack keep this fast; the full run is recorded in bench/results.
const SLICES = '6,19,33';

interface Report {
  engine: { engine: string; label: string };
  slicesEvaluated: number[];
  summary: {
    structures: Array<{ structure: string; count: number; median: number }>;
    overall: { count: number; mean: number; median: number };
  };
  records: Array<{ slice: number; structure: string; dice: number }>;
}

describe.skipIf(missingTools({ commands: ['dciodvfy'] }))('robustmedsam evaluate on the bundled CT', () => {
  it('writes CSV, JSON and a valid predicted SEG, with median Dice >= 0.85, the same on every run', async () => {
    const outA = join(work, 'a');
    const outB = join(work, 'b');
    const first = await runCli([
      'evaluate',
      '--series',
      CT,
      '--truth',
      CT_TRUTH,
      '--slices',
      SLICES,
      '--out',
      outA,
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/engine: Classical \(random walker, no model\)/);
    expect(first.stdout).toMatch(/^ALL\s+18\s/m);
    for (const organ of ['Liver', 'Spleen', 'Right kidney', 'Left kidney', 'Aorta', 'Spine']) {
      expect(first.stdout).toMatch(new RegExp(`^${organ}\\s+3\\s+0\\.\\d{4}`, 'm'));
    }

    const report = JSON.parse(readFileSync(join(outA, 'evaluation.json'), 'utf8')) as Report;
    expect(report.engine.engine).toBe('classical');
    expect(report.slicesEvaluated).toEqual([6, 19, 33]);
    expect(report.summary.overall.count).toBe(18);
    expect(report.summary.overall.median).toBeGreaterThanOrEqual(0.85);

    const csv = readFileSync(join(outA, 'dice.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^slice,sop_instance_uid,structure,.*,dice,/);
    expect(csv).toHaveLength(19);

    // The predicted SEG is valid and holds exactly the masks that were scored.
    const predictedPath = join(outA, 'predicted.seg.dcm');
    expect(dciodvfyErrors(predictedPath)).toEqual([]);
    const series = readSeriesFromDirectory(CT);
    const truth = masksForSeries(parseSegmentation(readFileSync(CT_TRUTH), CT_TRUTH), series).masks;
    const predictedSeg = parseSegmentation(readFileSync(predictedPath), predictedPath);
    expect(predictedSeg.segments.map((s) => s.label)).toEqual([
      'Liver',
      'Spleen',
      'Right kidney',
      'Left kidney',
      'Aorta',
      'Spine',
    ]);
    expect(predictedSeg.segments.every((s) => s.algorithmType === 'SEMIAUTOMATIC')).toBe(true);
    const predicted = masksForSeries(predictedSeg, series).masks;
    const pixels = 512 * 512;
    for (const record of report.records) {
      const k = predictedSeg.segments.findIndex((s) => s.label === record.structure);
      const at = (m: Uint8Array) => m.subarray(record.slice * pixels, (record.slice + 1) * pixels);
      expect(dice(at(truth[k]), at(predicted[k]))).toBeCloseTo(record.dice, 10);
    }

    const second = await runCli([
      'evaluate',
      '--series',
      CT,
      '--truth',
      CT_TRUTH,
      '--slices',
      SLICES,
      '--out',
      outB,
    ]);
    expect(second.code).toBe(0);
    const again = JSON.parse(readFileSync(join(outB, 'evaluation.json'), 'utf8')) as Report;
    expect(again.records.map((r) => r.dice)).toEqual(report.records.map((r) => r.dice));
  });
});

describe.skipIf(missingTools({ commands: ['dciodvfy'] }))('robustmedsam evaluate --model', () => {
  it('runs the model folder instead of the classical engine and says so', async () => {
    const out = join(work, 'model');
    const model = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-robust');
    const run = await runCli([
      'evaluate',
      '--series',
      CT,
      '--truth',
      CT_TRUTH,
      '--slices',
      '20',
      '--model',
      model,
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/engine: tiny-robust .*\[onnxruntime-node/);
    const report = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8')) as Report;
    expect(report.engine.engine).toBe('model');
    expect(report.summary.overall.count).toBe(6);
    expect(dciodvfyErrors(join(out, 'predicted.seg.dcm'))).toEqual([]);
  });
});

describe('robustmedsam evaluate with bad input', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['a missing series folder', ['--series', join(work, 'none')], 3, /Cannot read the series folder/],
    ['a missing truth file', ['--truth', join(work, 'none.seg.dcm')], 3, /none\.seg\.dcm/],
    ['a truth made for another series', ['--truth', MR_TRUTH], 5, /frame of reference|refers to series/],
    ['a slice list past the end', ['--slices', '38-45'], 3, /--slices names 40, 41, 42, 43, 44, 45/],
    ['a malformed slice list', ['--slices', '3,x'], 2, /--slices must be an integer/],
    ['a negative margin', ['--margin', '-2'], 2, /--margin must be 0 or more/],
    ['an --out that is a file', ['--out', CT_TRUTH], 3, /--out .* is a file; it must name a folder/],
  ];
  for (const [what, override, code, message] of cases) {
    it(`refuses ${what} (exit ${code}) and writes nothing`, async () => {
      const out = join(work, `bad-${what.replaceAll(' ', '-')}`);
      const args: Record<string, string> = {
        '--series': CT,
        '--truth': CT_TRUTH,
        '--slices': '20',
        '--out': out,
      };
      for (let i = 0; i < override.length; i += 2) args[override[i]] = override[i + 1];
      const run = await runCli(['evaluate', ...Object.entries(args).flat()]);
      expect(run.code).toBe(code);
      expect(run.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe.skipIf(missingTools({ commands: ['dciodvfy'] }))(
  'robustmedsam evaluate on a truth coded in SRT',
  () => {
    it('reads it, writes the predicted SEG in SNOMED CT and says what it replaced', async () => {
      // The bundled truth recoded the way dcmqi and many archives write it: SRT categories and types.
      const { dataset } = parseDicom(readFileSync(CT_TRUTH), 'truth');
      const srt: Record<string, string> = {
        '91723000': 'T-D000A',
        '10200004': 'T-62000',
        '78961009': 'T-C3000',
      };
      for (const segment of dataset.SegmentSequence as DicomDataset[]) {
        for (const key of ['SegmentedPropertyCategoryCodeSequence', 'SegmentedPropertyTypeCodeSequence']) {
          const code = (segment[key] as DicomDataset[])[0];
          if (srt[String(code.CodeValue)])
            Object.assign(code, { CodeValue: srt[String(code.CodeValue)], CodingSchemeDesignator: 'SRT' });
        }
      }
      const truth = join(work, 'srt-truth.seg.dcm');
      writeFileSync(truth, encodeDicom(dataset));
      const out = join(work, 'srt');
      const run = await runCli([
        'evaluate',
        '--series',
        CT,
        '--truth',
        truth,
        '--slices',
        '19',
        '--out',
        out,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(
        /warning: segment "Liver": its type code SRT T-62000 \(Liver\) is written as SCT 10200004 \(Liver\)/,
      );
      const predicted = parseSegmentation(readFileSync(join(out, 'predicted.seg.dcm')), 'predicted');
      const liver = predicted.segments.find((s) => s.label === 'Liver')!;
      expect(liver.codes.type).toMatchObject({ value: '10200004', scheme: 'SCT' });
      expect(liver.codes.category).toMatchObject({ value: '91723000', scheme: 'SCT' });
      expect(predicted.segments.flatMap((s) => [s.codes.category.scheme, s.codes.type.scheme])).not.toContain(
        'SRT',
      );
      expect(dciodvfyErrors(join(out, 'predicted.seg.dcm'))).toEqual([]);
    });
  },
);
