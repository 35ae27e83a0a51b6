#!/usr/bin/env node
// `npm run demo`: the main job on the bundled samples, then the real OHIF Viewer on them.
// 1. `robustmedsam evaluate` on the bundled CT: boxes from its ground truth -> masks -> a Dice table and
//    a DICOM SEG under out/demo.
// 2. The extension built for OHIF (`npm run build:ohif` -> dist/ohif), then OHIF Viewer 3.13 (the
//    prebuilt @ohif/app that `npm install` put in vendor/ohif-app) served with it and the bundled samples
//    as OHIF's dicomjson data source, until Ctrl+C.
//    With --pacs: a private Orthanc PACS seeded with the bundled samples (as `npm run pacs` starts it),
//    and OHIF on it through its own dicomweb data source (the server proxies /dicom-web to Orthanc), so
//    Export SEG stores to the PACS. Ctrl+C stops both.
// Options: --no-viewer (stop after step 1), --port N (default 3000, 0 for any free port),
//          --model DIR (a model folder, as `npm run export -- onnx` writes it, for the main job and the viewer;
//          default: the classical engine),
//          --pacs (OHIF on a local Orthanc), --pacs-port N (Orthanc's HTTP port; default 0, a free one).
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
      pacs: { type: 'boolean', default: false },
      'pacs-port': { type: 'string', default: '0' },
    },
  }));
} catch (error) {
  console.error(
    `demo: ${error.message}. Options: --no-viewer, --port N, --model DIR, --pacs, --pacs-port N.`,
  );
  process.exit(2);
}
const portOption = (flag) => {
  const value = Number(options[flag]);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`demo: --${flag} ${options[flag]} is not a port number (0-65535; 0 picks a free one).`);
    process.exit(2);
  }
  return value;
};
const port = portOption('port');
const pacsPort = portOption('pacs-port');
if (options.pacs && options['no-viewer']) {
  console.error('demo: --pacs serves OHIF on a PACS, --no-viewer serves nothing: give one of them.');
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
    // The main job segments with the model the viewer gets, when there is one.
    ...(options.model ? ['--model', resolve(options.model)] : []),
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

// --pacs: the seeded Orthanc first; OHIF reads from and stores to it through the server's proxy.
let pacs = null;
if (options.pacs) {
  const { orthancInstalled } = await import('../extension/pacs/orthanc.ts');
  const { describeSamplePacs, portFree, startSamplePacs } = await import('../extension/pacs/sample-pacs.ts');
  if (!orthancInstalled()) {
    console.error(
      'demo: --pacs needs Orthanc with its DICOMweb plugin, which is not installed; install it: apt-get install orthanc orthanc-dicomweb',
    );
    process.exit(3);
  }
  if (!(await portFree(pacsPort))) {
    console.error(
      `demo: port ${pacsPort} is in use. Choose another with --pacs-port N (0 picks a free one).`,
    );
    process.exit(3);
  }
  try {
    pacs = await startSamplePacs({ samples: resolve(repo, 'sample-dicom'), port: pacsPort });
  } catch (error) {
    console.error(`demo: ${error.message}${error.hint ? ` ${error.hint}` : ''}`);
    process.exit(error.code === 'orthanc-missing' ? 3 : 1);
  }
  console.log('');
  for (const line of describeSamplePacs(pacs)) console.log(line);
  // However this process ends, its Orthanc does not outlive it.
  process.on('exit', () => {
    try {
      process.kill(pacs.orthanc.pid, 'SIGTERM');
    } catch {
      // already stopped
    }
  });
}

let server;
try {
  server = await startOhifServer({
    appDir: resolve(repo, 'vendor/ohif-app'),
    extensionDir: resolve(repo, 'dist/ohif'),
    samples: pacs ? null : resolve(repo, 'sample-dicom'),
    pacs: pacs
      ? { dicomWebRoot: pacs.orthanc.dicomWebRoot, friendlyName: 'Local Orthanc (npm run pacs)' }
      : null,
    models: model ? dirname(model) : null,
    modelUrl: model ? `/models/${encodeURIComponent(basename(model))}/` : null,
    host: '127.0.0.1',
    port,
  });
} catch (error) {
  await pacs?.orthanc.stop();
  if (error.code === 'EADDRINUSE') {
    console.error(`demo: port ${port} is in use. Choose another with --port N (--port 0 picks a free one).`);
    process.exit(3);
  }
  console.error(`demo: ${error.message}${error.hint ? ` ${error.hint}` : ''}`);
  process.exit(error.code === 'missing-build' ? 3 : 1);
}
console.log(
  `\nOHIF Viewer 3.13 with RobustMedSAM (${model ? `model ${model}` : 'classical engine, no model'})` +
    (pacs ? ', on the Orthanc above through its dicomweb data source:' : ':'),
);
for (const study of server.studies) console.log(`  ${study.id}: ${server.url}${study.segmentationPath}`);
console.log(
  'In the Segmentation mode: "Add segmentation" in the right panel, then the box button on the toolbar; drag a box around an organ, then click to add to the mask, Shift+click to take away, Backspace to undo a click, Enter to accept.',
);
if (pacs)
  console.log(
    'Export SEG stores the SEG in Orthanc (STOW-RS); reload the page to see it in the study browser.',
  );
console.log(pacs ? 'Ctrl+C stops OHIF and Orthanc.' : 'Ctrl+C stops it.');
const stop = async () => {
  await server.close();
  await pacs?.orthanc.stop();
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
