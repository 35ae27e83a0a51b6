import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/cli/npy.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { dciodvfyErrors } from '../helpers/validators.ts';
import { runCli } from './run-cli.ts';

const CT = join(REPO_ROOT, 'sample-dicom', 'ct-abdomen');
const TINY_MODEL = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-robust');
const work = mkdtempSync(join(tmpdir(), 'robustmedsam-segment-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The liver on slice 20 of the bundled CT, with a margin.
const LIVER_BOX = '60,130,290,340';

describe.skipIf(missingTools({ commands: ['dciodvfy'], python: ['numpy'] }))('robustmedsam segment', () => {
  it('writes a SEG that dciodvfy accepts and the mask as a .npy that NumPy reads', async () => {
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
      '--label',
      'liver',
      '--out',
      out,
      '--mask-out',
      npy,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/engine: Classical \(random walker, no model\)/);
    expect(run.stdout).toMatch(/mask: \d+ pixels/);
    expect(run.stdout).toMatch(/time: [\d.]+ ms/);
    expect(dciodvfyErrors(out)).toEqual([]);

    const mask = decodeNpy(new Uint8Array(readFileSync(npy)));
    expect(mask.dtype).toBe('uint8');
    expect(mask.shape).toEqual([512, 512]);
    const area = Array.from(mask.data).reduce((a, b) => a + b, 0);
    expect(Number(/mask: (\d+) pixels/.exec(run.stdout)![1])).toBe(area);
    const numpy = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import numpy; m = numpy.load(${JSON.stringify(npy)}); print(m.dtype, m.shape, int(m.sum()), int(m.max()))`,
      ],
      { encoding: 'utf8' },
    );
    expect(numpy.stdout.trim()).toBe(`uint8 (512, 512) ${area} 1`);

    // The SEG holds the same mask on the same slice, labelled with the organ's codes.
    const series = readSeriesFromDirectory(CT);
    const seg = parseSegmentation(new Uint8Array(readFileSync(out)), out);
    expect(seg.segments.map((s) => [s.label, s.codes.type.value, s.algorithmType, s.algorithmName])).toEqual([
      ['Liver', '10200004', 'SEMIAUTOMATIC', 'Classical (random walker, no model)'],
    ]);
    const { masks } = masksForSeries(seg, series);
    expect(masks[0].subarray(20 * 512 * 512, 21 * 512 * 512)).toEqual(mask.data);
    expect(masks[0].reduce((a, b) => a + b, 0)).toBe(area);
  });

  it('runs the model given with --model and says so', async () => {
    const out = join(work, 'model.seg.dcm');
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
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/engine: tiny-robust .*\[onnxruntime-node/);
    expect(run.stdout).toMatch(/encoder [\d.]+ ms/);
    expect(dciodvfyErrors(out)).toEqual([]);
  });
});

describe('robustmedsam segment with bad input', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    [
      'a missing series folder',
      ['--series', join(work, 'no-such-folder')],
      3,
      /Cannot read the series folder/,
    ],
    [
      'a slice index past the end',
      ['--slice', '40'],
      3,
      /--slice 40 is outside the series, which has 40 slices/,
    ],
    ['a negative slice index', ['--slice', '-1'], 3, /outside the series/],
    ['a non-integer slice index', ['--slice', '2.5'], 2, /--slice must be an integer/],
    ['a malformed box', ['--box', '10,20,30'], 2, /--box must be four numbers/],
    ['a box with text in it', ['--box', '10,20,abc,40'], 2, /--box must be four numbers/],
    ['a box outside the image', ['--box', '600,600,700,700'], 3, /lies wholly outside the 512x512 image/],
    ['a box of zero area', ['--box', '100,100,100,200'], 3, /has no area inside the image/],
    ['a reversed window', ['--window', '240,-160'], 2, /--window must be low,high/],
    ['a model folder that is not one', ['--model', work], 4, /model\.json does not exist/],
    ['an --out that is a folder', ['--out', work], 3, /--out .* is a folder; it must name the file to write/],
    [
      'a 200-character label',
      ['--label', 'x'.repeat(200)],
      2,
      /cannot be a segment label: it is 200 bytes long; at most 64 fit/,
    ],
    [
      'a label with a backslash',
      ['--label', 'left\\right'],
      2,
      /cannot be a segment label: it holds a backslash/,
    ],
    [
      'a label with a newline',
      ['--label', 'liver\nspleen'],
      2,
      /cannot be a segment label: it holds a backslash or a control character/,
    ],
  ];
  for (const [what, override, code, message] of cases) {
    it(`refuses ${what} with a clear message, exit code ${code} and no output file`, async () => {
      const out = join(work, `bad-${what.replaceAll(' ', '-')}.seg.dcm`);
      const npy = join(work, `bad-${what.replaceAll(' ', '-')}.npy`);
      const args: Record<string, string> = {
        '--series': CT,
        '--slice': '20',
        '--box': LIVER_BOX,
        '--out': out,
        '--mask-out': npy,
      };
      for (let i = 0; i < override.length; i += 2) args[override[i]] = override[i + 1];
      const run = await runCli(['segment', ...Object.entries(args).flat()]);
      expect(run.code).toBe(code);
      expect(run.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(npy)).toBe(false);
    });
  }

  it('writes neither output when the second one cannot be written (all or nothing)', async () => {
    const out = join(work, 'all-or-nothing.seg.dcm');
    const blocker = join(work, 'a-file-not-a-folder');
    writeFileSync(blocker, 'x');
    const run = await runCli([
      'segment',
      '--series',
      CT,
      '--slice',
      '20',
      '--box',
      LIVER_BOX,
      '--out',
      out,
      '--mask-out',
      join(blocker, 'mask.npy'),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Cannot write .*mask\.npy \(--mask-out\)/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('never replaces what is not a regular file: a device node, a symbolic link (and its target)', async () => {
    const target = join(work, 'link-target.seg.dcm');
    writeFileSync(target, 'keep me');
    const link = join(work, 'link.seg.dcm');
    symlinkSync(target, link);
    const base = ['segment', '--series', CT, '--slice', '20', '--box', LIVER_BOX];
    for (const [flag, path, what] of [
      [
        '--out',
        '/dev/null',
        /--out \/dev\/null is a device or special file; outputs only create or replace regular files/,
      ],
      ['--out', link, /--out .*link\.seg\.dcm is a symbolic link[\s\S]*Pass the path the link points to/],
      ['--mask-out', '/dev/null', /--mask-out \/dev\/null is a device or special file/],
    ] as const) {
      const out = flag === '--out' ? path : join(work, 'beside-device.seg.dcm');
      const run = await runCli([
        ...base,
        '--out',
        out,
        ...(flag === '--mask-out' ? ['--mask-out', path] : []),
      ]);
      expect(run.code, path).toBe(3);
      expect(run.stderr).toMatch(what);
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect(existsSync(join(work, 'beside-device.seg.dcm'))).toBe(false);
  });

  it('refuses --out and --mask-out naming one file (bad usage, exit 2), writing nothing', async () => {
    const both = join(work, 'both.out');
    const run = await runCli([
      'segment',
      '--series',
      CT,
      '--slice',
      '20',
      '--box',
      LIVER_BOX,
      '--out',
      both,
      '--mask-out',
      both,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--out and --mask-out both name .*both\.out/);
    expect(existsSync(both)).toBe(false);
  });

  it('refuses a folder that holds no DICOM files, leaving nothing behind', async () => {
    const folder = join(work, 'not-dicom');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'not an image');
    const out = join(work, 'not-dicom.seg.dcm');
    const run = await runCli([
      'segment',
      '--series',
      folder,
      '--slice',
      '0',
      '--box',
      '1,1,5,5',
      '--out',
      out,
    ]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/not a DICOM file/);
    expect(readdirSync(work).filter((f) => f.startsWith('not-dicom.seg'))).toEqual([]);
  });
});

describe('robustmedsam segment on a damaged series folder', () => {
  /** Slices 18-22 of the bundled CT in a folder of their own. */
  const fiveSlices = (name: string): string => {
    const folder = join(work, name);
    mkdirSync(folder);
    for (const k of [19, 20, 21, 22, 23]) {
      const file = `CT00${k}.dcm`;
      writeFileSync(join(folder, file), readFileSync(join(CT, file)));
    }
    return folder;
  };
  const segmentArgs = (series: string, out: string) => [
    'segment',
    '--series',
    series,
    '--slice',
    '2',
    '--box',
    LIVER_BOX,
    '--out',
    out,
  ];

  it('refuses a slice cut short in its header, naming it, unless --skip-unreadable (then says so)', async () => {
    const folder = fiveSlices('cut-header');
    const cut = join(folder, 'CT0021.dcm');
    writeFileSync(cut, readFileSync(cut).subarray(0, 400));
    const out = join(work, 'cut-header.seg.dcm');
    const refused = await runCli(segmentArgs(folder, out));
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('CT0021.dcm');
    expect(existsSync(out)).toBe(false);

    const skipped = await runCli([...segmentArgs(folder, out), '--skip-unreadable']);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/warning: skipped .*CT0021\.dcm/);
    // The gap the missing slice leaves is reported too.
    expect(skipped.stderr).toMatch(/warning: gap of 5\.000 mm/);
  });

  it('leaves out a link loop and a broken link in the folder, with a warning each', async () => {
    const folder = fiveSlices('links');
    symlinkSync(join(folder, 'loop-a'), join(folder, 'loop-b'));
    symlinkSync(join(folder, 'loop-b'), join(folder, 'loop-a'));
    symlinkSync(join(folder, 'nowhere.dcm'), join(folder, 'broken.dcm'));
    const out = join(work, 'links.seg.dcm');
    const run = await runCli(segmentArgs(folder, out));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: skipped .*loop-a: a link that leads to no file \(ELOOP\)/);
    expect(run.stderr).toMatch(/warning: skipped .*broken\.dcm: a link that leads to no file \(ENOENT\)/);
    expect(existsSync(out)).toBe(true);
  });
});
