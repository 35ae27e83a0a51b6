/**
 * `npm run demo` (scripts/demo.js), the README's main command: the main job on the bundled CT, then the
 * real OHIF Viewer with the extension, served cross-origin isolated on the bundled samples. The URL it
 * prints is opened in chromium: OHIF shows the CT with our buttons on its toolbar.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { CHROMIUM, openViewer } from '../e2e/viewer-harness.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';

const DEMO = join(REPO_ROOT, 'scripts/demo.js');
const OUT = join(REPO_ROOT, 'out/demo');
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGTERM');
});

const missing = missingTools({ paths: [CHROMIUM, join(REPO_ROOT, 'vendor/ohif-app/index.html')] });

/** Resolves with the CT's OHIF URL once the demo prints it; rejects if the demo exits first. */
function viewerUrl(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = (chunk: Buffer) => {
      output.push(chunk.toString());
      const url = /ct-abdomen:\s+(http:\/\/\S+)/.exec(stripVTControlCharacters(output.join('')))?.[1];
      if (url) resolve(url);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => reject(new Error(`demo exited (${code}) first:\n${output.join('')}`)));
  });
}

describe.skipIf(missing)('npm run demo', () => {
  it('runs the main job, then serves OHIF with the extension on the bundled samples, cross-origin isolated', async () => {
    const output: string[] = [];
    server = spawn(process.execPath, [DEMO, '--port', '0'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await viewerUrl(server, output);

    const text = output.join('');
    expect(text).toMatch(/ALL\s+235\s/); // the Dice table over all 235 boxes
    const seg = parseSegmentation(readFileSync(join(OUT, 'predicted.seg.dcm')), 'predicted.seg.dcm');
    expect(seg.segments.map((s) => s.label)).toContain('Liver');
    expect(existsSync(join(OUT, 'dice.csv'))).toBe(true);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const config = await (await fetch(new URL('/app-config.js', url))).text();
    expect(config).toContain('/robustmedsam/robustmedsam-ohif.js');
    const manifest = await (await fetch(new URL('/samples/ct-abdomen.json', url))).json();
    expect(manifest.studies[0].series[0].instances).toHaveLength(40);

    const viewer = await openViewer(url, '[data-cy="RobustMedSamBoxPrompt-btn"]');
    try {
      await viewer.page.waitForSelector('[data-cy="addSegmentation"]', { timeout: 60_000 });
      expect(await viewer.page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(viewer.consoleErrors.filter((e) => /robustmedsam/i.test(e))).toEqual([]);
    } finally {
      await viewer.close();
    }
  }, 240_000);

  it('with --model, the main job segments with that model (the one the viewer gets)', () => {
    const model = join(REPO_ROOT, 'test/fixtures/models/tiny-robust');
    const run = spawnSync(process.execPath, [DEMO, '--no-viewer', '--model', model], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^engine: tiny-robust \(random weights, test fixture\) .*\[onnxruntime-node cpu\]/m,
    );
    expect(run.stdout).not.toContain('no model configured');
    expect(run.stdout).toMatch(/ALL\s+235\s/);
  }, 120_000);

  it('refuses an unknown option with exit 2 and says which options exist', () => {
    const run = spawnSync(process.execPath, [DEMO, '--viewer-port=1'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--no-viewer');
    const port = spawnSync(process.execPath, [DEMO, '--port', 'x'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(port.status).toBe(2);
    expect(port.stderr).toContain('--port x is not a port number');
  });
});
