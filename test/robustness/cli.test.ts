import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { windowTo8Bit } from '../../src/model/window.ts';
import { corruptImage8 } from '../../src/robustness/catalogue.ts';
import { image8Of } from '../../src/robustness/degrade-slice.ts';
import { missingTools, REPO_ROOT, SHARED_DATA } from '../helpers/tools.ts';
import { dciodvfyErrors } from '../helpers/validators.ts';
import { writeSyntheticStudy } from './synthetic-study.ts';

/** Runs the CLI in this process (as bin/robustmedsam.js does), capturing what it prints. */
async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const status = await main(['node', 'robustmedsam', ...args]);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let work: string;
let study: { seriesDir: string; truthPath: string };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'robustness-cli-'));
  study = writeSyntheticStudy(join(work, 'study'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('robustmedsam degrade', () => {
  it('writes the degraded copy as a new series of the same study, geometry and frame of reference', async () => {
    const out = join(work, 'noisy');
    const r = await cli([
      'degrade',
      '--series',
      study.seriesDir,
      '--corruption',
      'rician_noise',
      '--severity',
      '3',
      '--seed',
      '7',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      corruption: 'rician_noise',
      severity: 3,
      seed: 7,
      parameters: { sigma: 25 },
      slices: 3,
    });
    const source = readSeriesFromDirectory(study.seriesDir);
    const copy = readSeriesFromDirectory(out);
    expect(copy.seriesInstanceUID).not.toBe(source.seriesInstanceUID);
    expect(copy.study.studyInstanceUID).toBe(source.study.studyInstanceUID);
    expect(copy.frameOfReferenceUID).toBe(source.frameOfReferenceUID);
    expect(copy.patient).toEqual(source.patient);
    expect(copy.geometry).toEqual(source.geometry);
    expect(copy.seriesDescription).toBe('Degraded rician_noise severity 3 seed 7');
    const sourceUids = new Set(source.slices.map((s) => s.sopInstanceUID));
    for (const [i, slice] of copy.slices.entries()) {
      expect(sourceUids.has(slice.sopInstanceUID)).toBe(false);
      expect(slice.imagePositionPatient).toEqual(source.slices[i].imagePositionPatient);
      // Windowed again, the copy is exactly the corrupted 8-bit image of the source slice.
      const window = { low: -160, high: 240 };
      const expected = corruptImage8(image8Of(source.slices[i], window), {
        name: 'rician_noise',
        severity: 3,
        seed: 7,
        sliceIndex: i,
      }).image.data;
      expect(Buffer.from(windowTo8Bit(slice, window)).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('gives the same pixels for the same seed and other pixels for another seed', async () => {
    const run = async (seed: string, name: string) => {
      const out = join(work, name);
      expect(
        (
          await cli([
            'degrade',
            '--series',
            study.seriesDir,
            '--corruption',
            'gauss_noise',
            '--severity',
            '2',
            '--seed',
            seed,
            '--out',
            out,
          ])
        ).status,
      ).toBe(0);
      return readSeriesFromDirectory(out).slices.map((s) => Buffer.from(s.values.buffer));
    };
    const a = await run('1', 'seed1a');
    const b = await run('1', 'seed1b');
    const c = await run('2', 'seed2');
    a.forEach((bytes, i) => {
      expect(bytes.equals(b[i])).toBe(true);
      expect(bytes.equals(c[i])).toBe(false);
    });
  });

  it('applies a physical corruption to modality values (CT low dose keeps HU outside the window)', async () => {
    const out = join(work, 'lowdose');
    const r = await cli([
      'degrade',
      '--series',
      study.seriesDir,
      '--corruption',
      'ct_low_dose',
      '--severity',
      '4',
      '--seed',
      '3',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const copy = readSeriesFromDirectory(out);
    const air = copy.slices[0].values[0]; // a corner pixel: air, far below the -160 HU window
    expect(air).toBeLessThan(-900);
  });

  it('refuses bad input with a clear message and writes nothing', async () => {
    const out = join(work, 'refused');
    // A malformed flag value is bad usage (2); a value the data cannot take is bad input (3).
    const cases: Array<[string[], RegExp, number]> = [
      [['--corruption', 'fog', '--severity', '3'], /Unknown corruption "fog".*\n.*gauss_noise/, 3],
      [['--corruption', 'gauss_noise', '--severity', '0'], /Severity 0 is not a level/, 3],
      [['--corruption', 'gauss_noise', '--severity', '6'], /Severity 6 is not a level/, 3],
      [['--corruption', 'gauss_noise', '--severity', 'three'], /--severity must be an integer/, 2],
      [['--corruption', 'mr_spike', '--severity', '3'], /models a MR acquisition; this slice is CT/, 3],
      [
        ['--corruption', 'gauss_noise', '--severity', '3', '--window', '240,-160'],
        /--window must be low,high/,
        2,
      ],
    ];
    for (const [args, message, code] of cases) {
      const r = await cli(['degrade', '--series', study.seriesDir, '--seed', '1', '--out', out, ...args]);
      expect(r.status, args.join(' ')).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    const missing = await cli([
      'degrade',
      '--series',
      join(work, 'nowhere'),
      '--corruption',
      'gauss_noise',
      '--severity',
      '3',
      '--seed',
      '1',
      '--out',
      out,
    ]);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/Cannot read the series folder/);
    expect(existsSync(out)).toBe(false);
    // An output folder that already holds files is never mixed into.
    const busy = join(work, 'busy');
    await cli([
      'degrade',
      '--series',
      study.seriesDir,
      '--corruption',
      'brightness',
      '--severity',
      '1',
      '--seed',
      '1',
      '--out',
      busy,
    ]);
    const before = readdirSync(busy);
    const again = await cli([
      'degrade',
      '--series',
      study.seriesDir,
      '--corruption',
      'brightness',
      '--severity',
      '1',
      '--seed',
      '1',
      '--out',
      busy,
    ]);
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/already holds files/);
    expect(readdirSync(busy)).toEqual(before);
    // An --out that is a file, or lies under a file, is the user's to fix: exit 3, not a crash.
    const aFile = join(work, 'a-file');
    writeFileSync(aFile, 'not a folder');
    const args = [
      '--series',
      study.seriesDir,
      '--corruption',
      'brightness',
      '--severity',
      '1',
      '--seed',
      '1',
    ];
    // /proc: mkdir answers ENOENT under a folder that exists (Node's recursive mkdir looped on it).
    for (const target of [aFile, join(aFile, 'below'), '/proc/robustmedsam-out']) {
      const r = await cli(['degrade', ...args, '--out', target]);
      expect(r.status, target).toBe(3);
      expect(r.stderr).toMatch(/is a file|Cannot write/);
    }
    const bench = await cli([
      'robustness',
      '--series',
      study.seriesDir,
      '--truth',
      study.truthPath,
      '--out',
      aFile,
    ]);
    expect(bench.status).toBe(3);
    expect(bench.stderr).toMatch(/is a file/);
    expect(readFileSync(aFile, 'utf8')).toBe('not a folder');
  });
});

const noValidator = missingTools({ commands: ['dciodvfy'] });

describe.skipIf(noValidator)('degraded series pass dciodvfy', () => {
  it('has no Error lines for a synthetic study and every corruption family', async () => {
    for (const name of ['compression', 'step_motion', 'ct_low_dose']) {
      const out = join(work, `valid-${name}`);
      expect(
        (
          await cli([
            'degrade',
            '--series',
            study.seriesDir,
            '--corruption',
            name,
            '--severity',
            '5',
            '--seed',
            '4',
            '--out',
            out,
          ])
        ).status,
      ).toBe(0);
      for (const file of readdirSync(out))
        expect(dciodvfyErrors(join(out, file)), `${name} ${file}`).toEqual([]);
    }
  });
});

const noRealData = missingTools({
  commands: ['dciodvfy'],
  paths: [join(SHARED_DATA, 'ct-3slice'), join(SHARED_DATA, 'mr-adc')],
});

describe.skipIf(noRealData)('degrading real scans', () => {
  it('copies a real CT and a real MR series into valid degraded series', async () => {
    for (const [dir, name] of [
      ['ct-3slice', 'gaussian_blur'],
      ['mr-adc', 'mr_motion_ghosting'],
    ]) {
      const out = join(work, `real-${dir}`);
      const r = await cli([
        'degrade',
        '--series',
        join(SHARED_DATA, dir),
        '--corruption',
        name,
        '--severity',
        '3',
        '--seed',
        '5',
        '--out',
        out,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const source = readSeriesFromDirectory(join(SHARED_DATA, dir));
      const copy = readSeriesFromDirectory(out);
      expect(copy.slices).toHaveLength(source.slices.length);
      expect(copy.frameOfReferenceUID).toBe(source.frameOfReferenceUID);
      expect(copy.study.studyInstanceUID).toBe(source.study.studyInstanceUID);
      const file = join(out, readdirSync(out)[0]);
      expect(dciodvfyErrors(file)).toEqual([]);
    }
  });
});

describe('robustmedsam robustness', () => {
  it('writes CSV, JSON, chart and report, and resumes an interrupted run without redoing work', async () => {
    const out = join(work, 'bench');
    const args = [
      'robustness',
      '--series',
      study.seriesDir,
      '--truth',
      study.truthPath,
      '--corruptions',
      'gauss_noise,contrast',
      '--severities',
      '1,5',
      '--seed',
      '3',
      '--out',
      out,
    ];
    const first = await cli(args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Classical \(random walker, no model\): clean Dice 0\.\d+/);
    // 1 engine x (clean + 2 corruptions x 2 severities) x 3 slices x 2 structures.
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5 * 3 * 2);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'engine,corruption,severity,slice,sop_instance_uid,structure,dice,iou,hd95_mm,nsd,truth_area,predicted_area,milliseconds,parameters',
    );
    expect(csv).toHaveLength(31);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.engines[0].cleanMeanDice).toBeGreaterThan(0.7);
    expect(
      summary.rows.map((r: { corruption: string; severity: number }) => `${r.corruption}${r.severity}`),
    ).toEqual(['clean0', 'contrast1', 'contrast5', 'gauss_noise1', 'gauss_noise5']);
    const svg = readFileSync(join(out, 'dice-vs-severity.svg'), 'utf8');
    expect(svg.match(/<polyline/g)).toHaveLength(2); // one line per corruption panel, one engine
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(
      /\| gauss_noise \| 0\.\d{3} \| 0\.\d{3} \| 0\.\d{3} \|/,
    );

    // Interrupted: the last records lost and the last line cut short (in half, or before its newline).
    const kept = lines.slice(0, 20);
    const strip = (l: string) => ({ ...JSON.parse(l), milliseconds: 0 });
    for (const cut of [lines[20].slice(0, 40), lines[20]]) {
      writeFileSync(join(out, 'results.jsonl'), `${kept.join('\n')}\n${cut}`);
      const resumed = await cli(args);
      expect(resumed.status, resumed.stderr).toBe(0);
      const after = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n');
      expect(after).toHaveLength(30);
      expect(after.slice(0, 20)).toEqual(kept); // earlier records are kept, not recomputed
      expect(after.slice(20).map(strip)).toEqual(lines.slice(20).map(strip)); // and the redone ones match
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/20 found from an earlier invocation/);
    }

    // The same folder with another seed, or a regenerated series under the same UIDs, would mix
    // incomparable results: refused.
    const other = await cli([...args.slice(0, -4), '--seed', '4', '--out', out]);
    expect(other.status).toBe(3);
    expect(other.stderr).toMatch(/results of another run \(different seed\)/);
    const regenerated = writeSyntheticStudy(join(work, 'regenerated'), { noiseSeed: 7 });
    const moved = await cli(args.map((a) => (a === study.seriesDir ? regenerated.seriesDir : a)));
    expect(moved.status).toBe(3);
    expect(moved.stderr).toMatch(/different seriesPixels\)/);
    // A damaged run description: the folder is said to be damaged, with how to start afresh (exit 3).
    for (const damage of ['{"seed": 3, "engi', '[]']) {
      writeFileSync(join(out, 'run.json'), damage);
      const damaged = await cli(args);
      expect(damaged.status).toBe(3);
      expect(damaged.stderr).toMatch(
        /run description .*run\.json is damaged \((not JSON|not a run description)\)/,
      );
      expect(damaged.stderr).toMatch(/Start afresh with a new --out folder/);
    }
  });

  it('runs real ONNX models beside the default engine and refuses bad requests', async () => {
    const out = join(work, 'bench-model');
    const r = await cli([
      'robustness',
      '--series',
      study.seriesDir,
      '--truth',
      study.truthPath,
      '--model',
      join(REPO_ROOT, 'test/fixtures/models/tiny-robust'),
      '--corruptions',
      'step_motion',
      '--severities',
      '3',
      '--max-slices',
      '1',
      '--structures',
      'Liver',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const records = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => `${x.engine}/${x.corruption}/${x.slice}/${x.structure}`).sort()).toEqual([
      'classical/clean/1/Liver',
      'classical/step_motion/1/Liver',
      'tiny-robust/clean/1/Liver',
      'tiny-robust/step_motion/1/Liver',
    ]);
    expect(records.find((x) => x.corruption === 'step_motion').parameters).toEqual({
      firstRowFraction: 0.5,
      shift: 5,
    });

    const base = [
      'robustness',
      '--series',
      study.seriesDir,
      '--truth',
      study.truthPath,
      '--out',
      join(work, 'bench-bad'),
    ];
    const bad: Array<[string[], RegExp]> = [
      [['--corruptions', 'fog'], /Unknown corruption "fog"/],
      [['--corruptions', 'mr_spike'], /models a MR acquisition; the series is CT/],
      [['--severities', '0-2'], /--severities must name levels from 1 to 5/],
      [['--structures', 'Heart'], /The truth has no segment "Heart"/],
      [['--slices', '7'], /Slice 7 holds none/],
      [['--model', join(work, 'no-model')], /model\.json does not exist|not a model folder/],
    ];
    for (const [args, message] of bad) {
      const result = await cli([...base, ...args]);
      expect(result.status, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
    }
  });
});
