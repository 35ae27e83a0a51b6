#!/usr/bin/env node
// `npm run pacs`: a private Orthanc PACS (Debian's orthanc + orthanc-dicomweb) on 127.0.0.1, seeded with
// the bundled samples (each image series under sample-dicom/ and its ground-truth SEG), until Ctrl+C.
// Prints its DICOMweb root and one series URL per series: what the CLI's --series takes (and --truth,
// for the SEGs), and what an OHIF dicomweb data source points at.
// Options: --port N (default 8042, Orthanc's own; 0 picks a free one), --no-truth (leave the SEGs out).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let options;
try {
  ({ values: options } = parseArgs({
    options: { port: { type: 'string', default: '8042' }, 'no-truth': { type: 'boolean', default: false } },
  }));
} catch (error) {
  console.error(`pacs: ${error.message}. Options: --port N, --no-truth.`);
  process.exit(2);
}
const port = Number(options.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`pacs: --port ${options.port} is not a port number (0-65535; 0 picks a free one).`);
  process.exit(2);
}

const { register } = await import('tsx/esm/api');
register();
const { orthancInstalled } = await import('../extension/pacs/orthanc.ts');
const { describeSamplePacs, portFree, startSamplePacs } = await import('../extension/pacs/sample-pacs.ts');
if (!orthancInstalled()) {
  console.error(
    'pacs: Orthanc with its DICOMweb plugin is not installed; install it: apt-get install orthanc orthanc-dicomweb',
  );
  process.exit(3);
}
if (!(await portFree(port))) {
  console.error(`pacs: port ${port} is in use. Choose another with --port N (--port 0 picks a free one).`);
  process.exit(3);
}
let pacs;
try {
  pacs = await startSamplePacs({ samples: resolve(repo, 'sample-dicom'), port, truth: !options['no-truth'] });
} catch (error) {
  console.error(`pacs: ${error.message}${error.hint ? ` ${error.hint}` : ''}`);
  process.exit(error.code === 'orthanc-missing' ? 3 : 1);
}
for (const line of describeSamplePacs(pacs)) console.log(line);
const first = pacs.series[0];
if (first) {
  console.log(
    `Try: npx robustmedsam segment --series ${first.url} --slice 20 --box 60,130,290,340 --out liver.seg.dcm --stow`,
  );
}
console.log('Ctrl+C stops it (its storage is a temporary folder, removed then).');
const stop = () => pacs.orthanc.stop().then(() => process.exit(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
// However this process ends, its Orthanc does not outlive it.
process.on('exit', () => {
  try {
    process.kill(pacs.orthanc.pid, 'SIGTERM');
  } catch {
    // already stopped
  }
});
