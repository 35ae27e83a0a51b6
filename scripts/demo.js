#!/usr/bin/env node
// `npm run demo`: the main job on the bundled samples, then the real OHIF Viewer on them.
// 1. `robustmedsam evaluate` on the bundled CT: boxes from its ground truth -> masks -> a Dice table and
//    a DICOM SEG under out/demo.
// 2. The extension built for OHIF (`npm run build:ohif` -> dist/ohif), then OHIF Viewer 3.13 (the
//    prebuilt @ohif/app that `npm install` put in vendor/ohif-app) served with it and the bundled samples
//    as OHIF's dicomjson data source, until Ctrl+C.
// Options: --no-viewer (stop after step 1), --port N (default 3000, 0 for any free port),
//          --model DIR (a model folder, as `npm run export -- onnx` writes it; default: the classical engine).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let options;
try {
  ({ values: options } = parseArgs({
    options: {
      'no-viewer': { type: 'boolean', default: false },
      port: { type: 'string', default: '3000' },
      model: { type: 'string' },
    },
  }));
} catch (error) {
  console.error(`demo: ${error.message}. Options: --no-viewer, --port N, --model DIR.`);
  process.exit(2);
}
const port = Number(options.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo: --port ${options.port} is not a port number (0-65535; 0 picks a free one).`);
  process.exit(2);
}

if (options.model && !existsSync(resolve(options.model, 'model.json'))) {
  console.error(
    `demo: --model ${options.model} is not a model folder (no model.json there). Give the folder \`npm run export -- onnx --out DIR\` wrote.`,
  );
  process.exit(3);
}

const step = (args, what) => {
  const run = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`demo: ${what} failed.`);
    process.exit(run.status ?? 1);
  }
};
step(
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
  'the main job (evaluate)',
);
if (options['no-viewer']) process.exit(0);

step(
  [resolve(repo, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'extension/ohif/vite.config.ts'],
  'npm run build:ohif',
);

const { register } = await import('tsx/esm/api');
register();
const { startOhifServer } = await import('../extension/ohif/server.ts');
const model = options.model ? resolve(options.model) : null;
let server;
try {
  server = await startOhifServer({
    appDir: resolve(repo, 'vendor/ohif-app'),
    extensionDir: resolve(repo, 'dist/ohif'),
    samples: resolve(repo, 'sample-dicom'),
    models: model ? dirname(model) : null,
    modelUrl: model ? `/models/${encodeURIComponent(basename(model))}/` : null,
    host: '127.0.0.1',
    port,
  });
} catch (error) {
  if (error.code === 'EADDRINUSE') {
    console.error(`demo: port ${port} is in use. Choose another with --port N (--port 0 picks a free one).`);
    process.exit(3);
  }
  console.error(`demo: ${error.message}${error.hint ? ` ${error.hint}` : ''}`);
  process.exit(error.code === 'missing-build' ? 3 : 1);
}
console.log(
  `\nOHIF Viewer 3.13 with RobustMedSAM (${model ? `model ${model}` : 'classical engine, no model'}):`,
);
for (const study of server.studies) console.log(`  ${study.id}: ${server.url}${study.segmentationPath}`);
console.log(
  'In the Segmentation mode: "Add segmentation" in the right panel, then the box button on the toolbar; drag a box around an organ.',
);
console.log('Ctrl+C stops it.');
const stop = () => server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
