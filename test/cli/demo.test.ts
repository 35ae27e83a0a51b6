/**
 * `npm run demo` (scripts/demo.js), the README's main command: the main job on the bundled CT, then the
 * demo viewer served with cross-origin isolation and the bundled samples.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { REPO_ROOT } from '../helpers/tools.ts';

const DEMO = join(REPO_ROOT, 'scripts/demo.js');
const OUT = join(REPO_ROOT, 'out/demo');
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGTERM');
});

/** Resolves with the viewer's URL once the demo prints it; rejects if the demo exits first. */
function viewerUrl(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = (chunk: Buffer) => {
      output.push(chunk.toString());
      const url = /Local:\s+(http:\/\/\S+)/.exec(stripVTControlCharacters(output.join('')))?.[1];
      if (url) resolve(url);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => reject(new Error(`demo exited (${code}) first:\n${output.join('')}`)));
  });
}

describe('npm run demo', () => {
  it('runs the main job, then serves the viewer with the bundled samples, cross-origin isolated', async () => {
    const output: string[] = [];
    server = spawn(process.execPath, [DEMO], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const samples = (await (await fetch(new URL('samples/index.json', url))).json()) as unknown[];
    expect(JSON.stringify(samples)).toContain('ct-abdomen');
  }, 120_000);

  it('refuses an unknown option with exit 2 and says which options exist', () => {
    const run = spawnSync(process.execPath, [DEMO, '--viewer-port=1'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--no-viewer');
  });
});
