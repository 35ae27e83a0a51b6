/**
 * The server `npm run demo` runs OHIF with (extension/ohif/server.ts), over HTTP: the app config names
 * the extension and its buttons, the samples come as dicomjson manifests on the page's own origin,
 * paths stay inside their roots, isolation headers are sent or not, and a missing build is a typed
 * error that says how to get it. PACS mode, against a stand-in DICOMweb server: OHIF's dicomweb data
 * source on the proxy, every method and body forwarded with the server's credentials, 502 and 504 for a
 * PACS that is down or silent. The browser side is test/e2e/ohif.test.ts and ohif-pacs.test.ts.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
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

describe('the OHIF demo server in PACS mode (a proxy to the PACS on the page’s origin)', () => {
  /** A stand-in DICOMweb server: answers QIDO for one study and series, and echoes anything else. */
  const upstreamRequests: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> =
    [];
  let upstream: HttpServer;
  let upstreamRoot = '';
  let hang = false;
  const study = '1.2.3';
  const dataset = (tags: Record<string, [string, unknown]>) =>
    Object.fromEntries(Object.entries(tags).map(([t, [vr, v]]) => [t, { vr, Value: [v] }]));

  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      upstreamRequests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (hang) return; // never answers
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      res.setHeader('content-type', 'application/dicom+json');
      if (path === '/pacs/rs/studies' && req.method === 'GET')
        return res.end(
          JSON.stringify([dataset({ '0020000D': ['UI', study], '00081030': ['LO', 'Phantom'] })]),
        );
      if (path === `/pacs/rs/studies/${study}/series`)
        return res.end(
          JSON.stringify([
            dataset({
              '0020000E': ['UI', '1.2.3.4'],
              '00080060': ['CS', 'CT'],
              '0008103E': ['LO', 'Abdomen'],
            }),
            dataset({ '0020000E': ['UI', '1.2.3.5'], '00080060': ['CS', 'SEG'] }),
          ]),
        );
      res.statusCode = req.method === 'POST' ? 200 : 404;
      res.end(JSON.stringify({ echoed: body.length }));
    });
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
    upstreamRoot = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/pacs/rs`;
  });

  afterAll(() => {
    upstream.closeAllConnections();
    upstream.close();
  });

  const startPacsMode = (timeoutMs?: number) =>
    startOhifServer({
      appDir: join(root, 'app'),
      extensionDir: join(root, 'bundle'),
      samples: null,
      pacs: { dicomWebRoot: upstreamRoot, authorization: 'Basic dTpw', friendlyName: 'Test PACS', timeoutMs },
    });

  it("makes OHIF's dicomweb data source the default, on the page's own origin, and lists the PACS's image series", async () => {
    const pacsServer = await startPacsMode();
    try {
      expect(pacsServer.studies).toEqual([
        {
          id: 'CT Abdomen',
          source: 'dicomweb',
          studyInstanceUID: study,
          seriesInstanceUID: '1.2.3.4',
          segmentationPath: `/segmentation/dicomweb?StudyInstanceUIDs=${study}`,
          viewerPath: `/viewer/dicomweb?StudyInstanceUIDs=${study}`,
        },
      ]);
      const config = await (await fetch(`${pacsServer.url}/app-config.js`)).text();
      const window: {
        config?: {
          defaultDataSourceName: string;
          dataSources: Array<{ namespace: string; configuration: Record<string, unknown> }>;
        };
      } = {};
      new Function('window', config)(window);
      expect(window.config?.defaultDataSourceName).toBe('dicomweb');
      expect(window.config?.dataSources).toHaveLength(1);
      const [source] = window.config?.dataSources ?? [];
      expect(source.namespace).toBe('@ohif/extension-default.dataSourcesModule.dicomweb');
      expect(source.configuration).toMatchObject({
        friendlyName: 'Test PACS',
        qidoRoot: `${pacsServer.url}/dicom-web`,
        wadoRoot: `${pacsServer.url}/dicom-web`,
        wadoUriRoot: `${pacsServer.url}/dicom-web`,
        supportsStow: true,
        imageRendering: 'wadors',
        thumbnailRendering: 'wadors',
        enableStudyLazyLoad: true,
        supportsFuzzyMatching: false,
      });
      // The credentials stay on the server: the page never sees them.
      expect(config).not.toContain('dTpw');
      const viaLocalhost = pacsServer.url.replace('127.0.0.1', 'localhost');
      expect(await (await fetch(`${viaLocalhost}/app-config.js`)).text()).toContain(
        `"qidoRoot": "${viaLocalhost}/dicom-web"`,
      );
    } finally {
      await pacsServer.close();
    }
  });

  it('forwards every method with its body, query and headers, adds the credentials, and answers isolated', async () => {
    const pacsServer = await startPacsMode();
    try {
      upstreamRequests.length = 0;
      const body = 'x'.repeat(200_000);
      const stow = await fetch(`${pacsServer.url}/dicom-web/studies`, {
        method: 'POST',
        headers: {
          'content-type': 'multipart/related; type="application/dicom"; boundary=b',
          accept: 'application/dicom+json',
        },
        body,
      });
      expect(stow.status).toBe(200);
      expect(await stow.json()).toEqual({ echoed: body.length });
      expect(stow.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      const [seen] = upstreamRequests;
      expect(seen).toMatchObject({ method: 'POST', url: '/pacs/rs/studies', body });
      expect(seen.headers['content-type']).toBe('multipart/related; type="application/dicom"; boundary=b');
      expect(seen.headers.authorization).toBe('Basic dTpw');
      expect(seen.headers.host).toBe(new URL(upstreamRoot).host);
      expect(seen.headers.forwarded).toBe(`host=${new URL(pacsServer.url).host};proto=http`);
      const missing = await fetch(`${pacsServer.url}/dicom-web/studies/9/series?Modality=SEG&limit=2`);
      expect(missing.status).toBe(404);
      expect(upstreamRequests.at(-1)?.url).toBe('/pacs/rs/studies/9/series?Modality=SEG&limit=2');
      expect((await fetch(`${pacsServer.url}/dicom-web/studies/1`, { method: 'DELETE' })).status).toBe(404);
      expect(upstreamRequests.at(-1)?.method).toBe('DELETE');
      // Outside /dicom-web the server stays read-only.
      expect((await fetch(`${pacsServer.url}/dicom-webx`, { method: 'POST' })).status).toBe(405);
    } finally {
      await pacsServer.close();
    }
  });

  it('answers 504 when the PACS stays silent and 502 when it is down, in one line, and keeps serving', async () => {
    const pacsServer = await startPacsMode(500);
    try {
      hang = true;
      const silent = await fetch(`${pacsServer.url}/dicom-web/studies`);
      expect(silent.status).toBe(504);
      expect(await silent.text()).toMatch(
        /^The PACS at http:\/\/127\.0\.0\.1:\d+ did not answer within 1 s\.\n$/,
      );
      hang = false;
      upstream.closeAllConnections();
      await new Promise<void>((done) => upstream.close(() => done()));
      const down = await fetch(`${pacsServer.url}/dicom-web/studies`, { method: 'POST', body: 'x' });
      expect(down.status).toBe(502);
      expect(await down.text()).toMatch(
        /^The PACS at http:\/\/127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\)\.\n$/,
      );
      expect((await fetch(`${pacsServer.url}/app-config.js`)).status).toBe(200);
      // A server started on a PACS that is down refuses to start, saying so.
      await expect(startPacsMode()).rejects.toMatchObject({
        code: 'pacs-unreachable',
        hint: expect.stringContaining('npm run pacs'),
      });
    } finally {
      await pacsServer.close();
    }
  });
});
