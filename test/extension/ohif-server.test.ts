/**
 * The server `npm run demo` runs OHIF with (extension/ohif/server.ts), over HTTP: the app config names
 * the extension and its buttons, the samples come as dicomjson manifests on the page's own origin,
 * paths stay inside their roots, isolation headers are sent or not, and a missing build is a typed
 * error that says how to get it. The browser side is test/e2e/ohif.test.ts.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OhifServer, startOhifServer } from '../../extension/ohif/server.ts';
import { REPO_ROOT } from '../helpers/tools.ts';

let root = '';
let server: OhifServer;
const get = (path: string) => fetch(`${server.url}${path}`);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'robustmedsam-ohif-server-'));
  // Stand-ins for OHIF's files and our bundle: this suite is about what the server does with them.
  mkdirSync(join(root, 'app'));
  writeFileSync(join(root, 'app/index.html'), '<!doctype html><title>OHIF</title>');
  mkdirSync(join(root, 'bundle'));
  writeFileSync(join(root, 'bundle/robustmedsam-ohif.js'), 'export default {};');
  mkdirSync(join(root, 'samples'));
  cpSync(resolve(REPO_ROOT, 'sample-dicom/mr-brain'), join(root, 'samples/mr-brain'), { recursive: true });
  // A folder whose only file is not DICOM: left out with a warning, the others still served.
  mkdirSync(join(root, 'samples/broken'));
  writeFileSync(join(root, 'samples/broken/x.dcm'), 'not dicom');
  server = await startOhifServer({
    appDir: join(root, 'app'),
    extensionDir: join(root, 'bundle'),
    samples: join(root, 'samples'),
    modelUrl: '/models/m/',
    customizations: { 'robustmedsam.slicesToPreEncode': 0 },
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the OHIF demo server', () => {
  it('writes an app config that loads the extension, places its buttons and sets its customisations', async () => {
    const config = await (await get('/app-config.js')).text();
    expect(config).toContain('"extensions": [\n    "/robustmedsam/robustmedsam-ohif.js"\n  ]');
    expect(config).toContain('"$reference": "robustmedsam.toolbarButtons"');
    expect(config).toContain('"cornerstone.segmentationModeToolbarSections"');
    expect(config).toContain('"robustmedsam.modelUrl": {\n        "$set": "/models/m/"');
    expect(config).toContain('"robustmedsam.slicesToPreEncode": {\n        "$set": 0');
    expect((await get('/robustmedsam/robustmedsam-ohif.js')).headers.get('content-type')).toBe(
      'text/javascript',
    );
  });

  it('serves each series as a dicomjson study on the origin the browser used, and leaves out what it cannot read', async () => {
    expect(server.studies.map((s) => s.id)).toEqual(['mr-brain']);
    const manifest = await (await get('/samples/mr-brain.json')).json();
    const instances = manifest.studies[0].series[0].instances;
    expect(instances).toHaveLength(30);
    expect(instances[0].url).toBe(`dicomweb:${server.url}/samples/mr-brain/MR0001.dcm`);
    expect(instances[0].metadata.PixelData).toBeUndefined();
    expect(instances[0].metadata.SOPInstanceUID).toMatch(/^[\d.]+$/);
    const viaLocalhost = await fetch(`${server.url.replace('127.0.0.1', 'localhost')}/samples/mr-brain.json`);
    expect((await viaLocalhost.json()).studies[0].series[0].instances[0].url).toContain('//localhost:');
    expect(server.studies[0].segmentationPath).toBe(
      `/segmentation/dicomjson?url=%2Fsamples%2Fmr-brain.json&StudyInstanceUIDs=${server.studies[0].studyInstanceUID}`,
    );
  });

  it('keeps paths inside their roots, answers OHIF routes with its page, and is cross-origin isolated', async () => {
    for (const path of [
      '/samples/../../package.json',
      '/samples/%2e%2e/%2e%2e/package.json',
      '/robustmedsam/%E0%A4%A',
      '/x.js',
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
    const route = await get('/segmentation/dicomjson?url=x');
    expect(await route.text()).toContain('<title>OHIF</title>');
    expect(route.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await fetch(`${server.url}/app-config.js`, { method: 'POST' })).status).toBe(405);
  });

  it('sends no isolation headers when asked not to, as OHIF is usually deployed', async () => {
    const plain = await startOhifServer({
      appDir: join(root, 'app'),
      extensionDir: join(root, 'bundle'),
      samples: join(root, 'samples'),
      isolation: false,
    });
    try {
      const page = await fetch(`${plain.url}/`);
      expect(page.headers.get('cross-origin-opener-policy')).toBeNull();
    } finally {
      await plain.close();
    }
  });

  it('refuses to start without the OHIF app or the extension bundle, saying how to get them', async () => {
    await expect(
      startOhifServer({ appDir: join(root, 'nothing'), extensionDir: join(root, 'bundle'), samples: root }),
    ).rejects.toMatchObject({ code: 'missing-build', hint: expect.stringContaining('npm install') });
    await expect(
      startOhifServer({ appDir: join(root, 'app'), extensionDir: join(root, 'nothing'), samples: root }),
    ).rejects.toMatchObject({ code: 'missing-build', hint: expect.stringContaining('npm run build:ohif') });
  });
});
