#!/usr/bin/env node
// Runs after `npm install` / `npm ci`: brings what the demo and the tests need beside node_modules.
// 1. The real OHIF Viewer: @ohif/app ships its prebuilt app in dist/, but its own dependency list does
//    not install (it names @ohif/i18n@3.13.2, which npm does not have), so it cannot be a dependency.
//    Its tarball is fetched with `npm pack`, checked against the pinned integrity, and dist/ unpacked to
//    vendor/ohif-app/. `npm run demo` serves it; the real-OHIF tests drive it.
// 2. The low end of the supported Cornerstone3D range (5.6.8, what OHIF 3.13 bundles) in
//    test/compat/cornerstone-5.6, for the type-check and the Cornerstone suites run against it.
// Offline, each step says what is missing and how to get it, and `npm install` still succeeds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export const OHIF_APP = {
  spec: '@ohif/app@3.13.2',
  integrity:
    'sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA==',
  dir: resolve(repo, 'vendor/ohif-app'),
};

function vendorOhifApp() {
  const stamp = join(OHIF_APP.dir, '.integrity');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === OHIF_APP.integrity) return;
  const work = mkdtempSync(join(tmpdir(), 'robustmedsam-ohif-'));
  try {
    const pack = spawnSync(npm, ['pack', OHIF_APP.spec, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
      cwd: work,
    });
    const tarball = join(work, (pack.stdout ?? '').trim().split('\n').pop() ?? '');
    if (pack.status !== 0 || !existsSync(tarball)) {
      throw new Error(`npm pack ${OHIF_APP.spec} failed: ${(pack.stderr ?? '').trim().split('\n').pop()}`);
    }
    const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (digest !== OHIF_APP.integrity) {
      throw new Error(`${OHIF_APP.spec} from the registry has integrity ${digest}, not the pinned one`);
    }
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked, 'package/dist'], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`could not unpack ${tarball}: ${tar.stderr.trim()}`);
    writeFileSync(join(unpacked, 'package/dist/.integrity'), OHIF_APP.integrity);
    // Replace the old copy only once the new one is complete.
    rmSync(OHIF_APP.dir, { recursive: true, force: true });
    mkdirSync(dirname(OHIF_APP.dir), { recursive: true });
    renameSync(join(unpacked, 'package/dist'), OHIF_APP.dir);
    console.log(`postinstall: ${OHIF_APP.spec} (prebuilt viewer) in vendor/ohif-app`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function installCornerstoneCompat() {
  const dir = resolve(repo, 'test/compat/cornerstone-5.6');
  if (existsSync(join(dir, 'node_modules/@cornerstonejs/tools/package.json'))) return;
  const run = spawnSync(npm, ['ci', '--silent', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`npm ci in ${dir} failed`);
  console.log('postinstall: Cornerstone3D 5.6.8 (the oldest supported) in test/compat/cornerstone-5.6');
}

for (const [what, step, retry] of [
  ['the OHIF Viewer app', vendorOhifApp, 'npm run postinstall'],
  ['Cornerstone3D 5.6.8 for the compatibility suites', installCornerstoneCompat, 'npm run postinstall'],
]) {
  try {
    step();
  } catch (error) {
    console.warn(`postinstall: could not install ${what}: ${error.message}. Online, run \`${retry}\`.`);
  }
}
