/**
 * The README's PACS commands as a user runs them: `npm run pacs` (scripts/pacs.js) starts a private
 * Orthanc seeded with the bundled samples and prints the URLs the CLI takes; the CLI segments from the
 * printed URL and stores its SEG there; Ctrl+C stops Orthanc. `npm run demo -- --pacs` serves the real
 * OHIF on such an Orthanc through OHIF's dicomweb data source, and chromium opens the printed link.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DICOMWEB_PLUGIN, ORTHANC_BINARY } from '../../extension/pacs/orthanc.ts';
import { DicomWebClient } from '../../src/dicom/dicomweb/client.ts';
import { CHROMIUM, openViewer } from '../e2e/viewer-harness.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { runCli } from './run-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'robustmedsam-pacs-scripts-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Starts `node script args`, collecting its output; resolves once `pattern` appears in it. */
function startScript(script: string, args: string[], pattern: RegExp) {
  const child = spawn(process.execPath, [join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(stripVTControlCharacters(output))) resolve(stripVTControlCharacters(output));
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => reject(new Error(`${script} exited (${code}) first:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

const missing = missingTools({
  paths: [ORTHANC_BINARY, DICOMWEB_PLUGIN, CHROMIUM, join(REPO_ROOT, 'vendor/ohif-app/index.html')],
});

describe.skipIf(missing)('the PACS commands of the README', () => {
  it('npm run pacs: seeded Orthanc, URLs the CLI segments from and stores to, stopped by Ctrl+C', async () => {
    const pacs = startScript('scripts/pacs.js', ['--port', '0'], /Ctrl\+C stops it/);
    const output = await pacs.ready;
    const root = /DICOMweb root: (\S+)/.exec(output)?.[1] ?? '';
    const ctUrl = /ct-abdomen \(CT, 40 instances\): (\S+)/.exec(output)?.[1] ?? '';
    expect(ctUrl.startsWith(`${root}/studies/`)).toBe(true);
    expect(output).toMatch(/mr-brain \(MR, 30 instances\): http/);
    expect(output).toMatch(/ground-truth SEG: http\S+\/instances\//);

    const run = await runCli([
      'segment',
      '--series',
      ctUrl,
      '--slice',
      '20',
      '--box',
      '60,130,290,340',
      '--out',
      join(work, 'liver.seg.dcm'),
      '--stow',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const sop = /SOP Instance UID ([0-9.]+)\n/.exec(run.stdout.slice(run.stdout.indexOf('stored ')))?.[1];
    const client = new DicomWebClient({ root });
    const study = /\/studies\/([0-9.]+)\//.exec(ctUrl)?.[1] ?? '';
    const segs = await client.searchSeries(study, { Modality: 'SEG' });
    const instances = (
      await Promise.all(
        segs.map((s) =>
          client.searchInstances({ root, studyInstanceUID: study, seriesInstanceUID: s.seriesInstanceUID }),
        ),
      )
    ).flat();
    expect(instances).toContain(sop);

    pacs.child.kill('SIGINT');
    expect(await pacs.exited).toBe(0);
    expect(await answers(root)).toBe(false);
  }, 120_000);

  it('npm run demo -- --pacs: OHIF on the seeded Orthanc through its dicomweb data source; Ctrl+C stops both', async () => {
    const demo = startScript('scripts/demo.js', ['--pacs', '--port', '0'], /Ctrl\+C stops OHIF and Orthanc/);
    const output = await demo.ready;
    const root = /DICOMweb root: (\S+)/.exec(output)?.[1] ?? '';
    const link = /^\s+\S.*: (http:\/\/\S+\/segmentation\S*)$/m.exec(output)?.[1] ?? '';
    expect(link).not.toBe('');
    const config = await (await fetch(new URL('/app-config.js', link))).text();
    expect(config).toContain('dicomweb');
    expect(config).toContain('supportsStow');

    const viewer = await openViewer(link, '[data-cy="RobustMedSamBoxPrompt-btn"]');
    try {
      // The study's images come through the proxy (WADO-RS), and the segmentation panel is ready.
      await viewer.page.waitForSelector('[data-cy="addSegmentation"]', { timeout: 90_000 });
      expect(viewer.consoleErrors.filter((e) => /robustmedsam/i.test(e))).toEqual([]);
    } finally {
      await viewer.close();
    }

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(await answers(link)).toBe(false);
    expect(await answers(root)).toBe(false);
  }, 300_000);
});
