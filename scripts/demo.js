#!/usr/bin/env node
// `npm run demo`: the main job on the bundled samples, then the demo viewer on them.
// 1. `robustmedsam evaluate` on the bundled CT: boxes from its ground truth -> masks -> a Dice table and
//    a DICOM SEG under out/demo.
// 2. The Vite demo viewer (the same server as `npm run viewer`), which opens the bundled samples, until
//    Ctrl+C. `npm run demo -- --no-viewer` stops after step 1 (for scripts and CI).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--no-viewer');
if (unknown.length > 0) {
  console.error(`demo: unknown option ${unknown[0]}; the only option is --no-viewer.`);
  process.exit(2);
}

const evaluate = spawnSync(
  process.execPath,
  [
    resolve(repo, 'bin/robustmedsam.js'),
    'evaluate',
    '--series',
    'sample-dicom/ct-abdomen',
    '--truth',
    'sample-dicom/ct-abdomen-truth.seg.dcm',
    '--out',
    'out/demo',
  ],
  { cwd: repo, stdio: 'inherit' },
);
if (evaluate.status !== 0) process.exit(evaluate.status ?? 1);
if (args.includes('--no-viewer')) process.exit(0);

const { createServer } = await import('vite');
const server = await createServer({
  configFile: resolve(repo, 'extension/demo/vite.config.ts'),
});
await server.listen();
console.log('\nDemo viewer (bundled CT and MR samples; drop your own DICOM files on it):');
server.printUrls();
console.log('Ctrl+C stops it.');
