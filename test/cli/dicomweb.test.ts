/**
 * The CLI against a real PACS: a private Orthanc with its DICOMweb plugin, started here on a loopback
 * port, seeded through its REST API and stopped by pid. Series and truth come from DICOMweb URLs, SEGs
 * go back with STOW-RS, and every fault a user meets (server down, wrong password, unknown series, a
 * server that never answers, a refused or dropped instance, a download failing halfway) gives its
 * exit code and message, with the SEG still on disk.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DICOMWEB_PLUGIN,
  filesUnder,
  ORTHANC_BINARY,
  type Orthanc,
  startOrthanc,
} from '../../extension/pacs/orthanc.ts';
import { readSeriesForCommand } from '../../src/cli/series-input.ts';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import { readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { runCli } from './run-cli.ts';

const SAMPLES = join(REPO_ROOT, 'sample-dicom');
const CT = join(SAMPLES, 'ct-abdomen');
const MR = join(SAMPLES, 'mr-brain');
const CT_TRUTH = join(SAMPLES, 'ct-abdomen-truth.seg.dcm');
const LIVER_BOX = '60,130,290,340';

const work = mkdtempSync(join(tmpdir(), 'robustmedsam-dicomweb-'));

/** `robustmedsam segment` of the liver on slice 20 of `series` (a folder or a URL) into `out`. */
function segmentLiver(series: string, out: string, ...more: string[]) {
  return runCli(['segment', '--series', series, '--slice', '20', '--box', LIVER_BOX, '--out', out, ...more]);
}

type Json = Record<string, { Value?: unknown[] } | undefined>;
const uidOf = (ds: Json, tag: string) => String(ds[tag]?.Value?.[0] ?? '');

async function qido(pacs: Orthanc, path: string): Promise<Json[]> {
  const response = await pacs.rest(`/dicom-web${path}`, { headers: { accept: 'application/dicom+json' } });
  expect(response.status, path).toBeLessThan(300);
  const text = await response.text();
  return text.trim() ? (JSON.parse(text) as Json[]) : [];
}

/** The one series URL of `modality` in the PACS. */
async function seriesUrl(pacs: Orthanc, modality: string): Promise<string> {
  for (const study of await qido(pacs, '/studies')) {
    const studyUid = uidOf(study, '0020000D');
    const series = await qido(pacs, `/studies/${studyUid}/series?Modality=${modality}`);
    if (series.length)
      return `${pacs.dicomWebRoot}/studies/${studyUid}/series/${uidOf(series[0], '0020000E')}`;
  }
  throw new Error(`no ${modality} series in the PACS`);
}

/** The file Orthanc keeps for a SOP Instance UID, through its own REST API (not DICOMweb, not our client). */
async function storedFile(pacs: Orthanc, sopInstanceUID: string): Promise<Uint8Array[]> {
  const found = (await (
    await pacs.rest('/tools/find', {
      method: 'POST',
      body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: sopInstanceUID } }),
    })
  ).json()) as string[];
  return Promise.all(
    found.map(async (id) => new Uint8Array(await (await pacs.rest(`/instances/${id}/file`)).arrayBuffer())),
  );
}

function storedUid(stdout: string): string {
  const match = /SOP Instance UID ([0-9.]+)\n/.exec(stdout.slice(stdout.indexOf('stored ')));
  expect(match, stdout).not.toBeNull();
  return match?.[1] ?? '';
}

/** Runs `fn` with these environment variables set (undefined: unset), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(before);
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.skipIf(missingTools({ paths: [ORTHANC_BINARY, DICOMWEB_PLUGIN] }))(
  'the CLI with a DICOMweb PACS (Orthanc)',
  () => {
    let pacs: Orthanc;
    let ctUrl: string;
    let truthUrl: string;
    const servers: Server[] = [];

    beforeAll(async () => {
      pacs = await startOrthanc();
      // The MR goes in shuffled: the server lists it in that order, not by position.
      const mr = filesUnder(MR);
      await pacs.seed(mr.map((_, k) => mr[(k * 7) % mr.length]));
      await pacs.seed(filesUnder(CT));
      await pacs.seed([CT_TRUTH]);
      ctUrl = await seriesUrl(pacs, 'CT');
      const segSeries = await seriesUrl(pacs, 'SEG');
      const segInstance = (await qido(pacs, `${segSeries.slice(pacs.dicomWebRoot.length)}/instances`))[0];
      truthUrl = `${segSeries}/instances/${uidOf(segInstance, '00080018')}`;
    }, 60_000);

    afterAll(async () => {
      await pacs?.stop();
      for (const server of servers) server.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('segment reads the series from its URL, and --stow stores the SEG in its study: byte for byte the --out file', async () => {
      const out = join(work, 'liver.seg.dcm');
      const run = await runCli([
        'segment',
        '--series',
        ctUrl,
        '--slice',
        '20',
        '--box',
        LIVER_BOX,
        '--label',
        'liver',
        '--out',
        out,
        '--mask-out',
        join(work, 'liver-web.npy'),
        '--stow',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const uid = storedUid(run.stdout);
      const local = new Uint8Array(readFileSync(out));
      expect(parseSegmentation(local, out).sopInstanceUID).toBe(uid);

      // QIDO-RS in the CT's study finds the SEG series, and Orthanc keeps exactly the bytes of --out.
      const studyPath = ctUrl.slice(pacs.dicomWebRoot.length).replace(/\/series\/.*$/, '');
      const segSeries = await qido(pacs, `${studyPath}/series?Modality=SEG`);
      const instances = await Promise.all(
        segSeries.map((s) => qido(pacs, `${studyPath}/series/${uidOf(s, '0020000E')}/instances`)),
      );
      expect(instances.flat().map((i) => uidOf(i, '00080018'))).toContain(uid);
      const stored = await storedFile(pacs, uid);
      expect(stored).toHaveLength(1);
      expect(Buffer.compare(Buffer.from(stored[0]), Buffer.from(local))).toBe(0);

      // The same mask as from the files.
      const fromFiles = await segmentLiver(
        CT,
        join(work, 'liver-files.seg.dcm'),
        '--mask-out',
        join(work, 'liver-files.npy'),
      );
      expect(fromFiles.code, fromFiles.stderr).toBe(0);
      expect(
        readFileSync(join(work, 'liver-web.npy')).equals(readFileSync(join(work, 'liver-files.npy'))),
      ).toBe(true);
    }, 60_000);

    it('evaluate from DICOMweb URLs (series and truth SEG) equals evaluate from the files', async () => {
      const fromWeb = await runCli([
        'evaluate',
        '--series',
        ctUrl,
        '--truth',
        truthUrl,
        '--slices',
        '15-24',
        '--out',
        join(work, 'eval-web'),
      ]);
      const fromFiles = await runCli([
        'evaluate',
        '--series',
        CT,
        '--truth',
        CT_TRUTH,
        '--slices',
        '15-24',
        '--out',
        join(work, 'eval-files'),
      ]);
      expect(fromWeb.code, fromWeb.stderr).toBe(0);
      expect(fromFiles.code, fromFiles.stderr).toBe(0);
      // Every column but the time per box.
      const rows = (dir: string) =>
        readFileSync(join(work, dir, 'dice.csv'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(',').slice(0, -1).join(','));
      expect(rows('eval-web')).toEqual(rows('eval-files'));
      expect(rows('eval-web').length).toBeGreaterThan(5);
      const series = readSeriesFromDirectory(CT);
      const masks = (dir: string) =>
        masksForSeries(parseSegmentation(readFileSync(join(work, dir, 'predicted.seg.dcm')), dir), series)
          .masks;
      const [web, files] = [masks('eval-web'), masks('eval-files')];
      expect(web).toHaveLength(files.length);
      // Byte comparison: a deep equal of 10 million elements takes minutes.
      for (const [k, mask] of web.entries()) {
        expect(Buffer.compare(Buffer.from(mask), Buffer.from(files[k]))).toBe(0);
      }
    }, 120_000);

    it('the MR arrives in slice order, whatever order the server lists it in', async () => {
      const mrUrl = await seriesUrl(pacs, 'MR');
      const listed = (await qido(pacs, `${mrUrl.slice(pacs.dicomWebRoot.length)}/instances`)).map((i) =>
        uidOf(i, '00080018'),
      );
      const fromFolder = readSeriesFromDirectory(MR).slices.map((s) => s.sopInstanceUID);
      expect(listed).toHaveLength(30);
      expect(listed).not.toEqual(fromFolder);
      const fromWeb = await readSeriesForCommand(mrUrl, {});
      expect(fromWeb.slices.map((s) => s.sopInstanceUID)).toEqual(fromFolder);
    }, 60_000);

    it('a store to a stopped server keeps the SEG on disk (exit 6), and `stow` retries it into one instance', async () => {
      const other = await startOrthanc();
      const downRoot = other.dicomWebRoot;
      await other.stop();
      const out = join(work, 'kept.seg.dcm');
      const run = await segmentLiver(CT, out, '--stow', downRoot);
      expect(run.code).toBe(6);
      expect(run.stderr).toContain('Not stored in the PACS: Cannot reach the DICOMweb server');
      expect(run.stderr).toContain(`Then retry: robustmedsam stow ${out} --to ${downRoot}`);
      const uid = parseSegmentation(readFileSync(out), out).sopInstanceUID;

      for (let attempt = 0; attempt < 2; attempt++) {
        const retry = await runCli(['stow', out, '--to', pacs.dicomWebRoot]);
        expect(retry.code, retry.stderr).toBe(0);
        expect(storedUid(retry.stdout)).toBe(uid);
      }
      const stored = await storedFile(pacs, uid);
      expect(stored).toHaveLength(1);
      expect(Buffer.compare(Buffer.from(stored[0]), readFileSync(out))).toBe(0);
    }, 60_000);

    it('a STOW the server answers with a failure (another study) or drops keeps the file and says why', async () => {
      const out = join(work, 'refused.seg.dcm');
      const made = await segmentLiver(CT, out);
      expect(made.code, made.stderr).toBe(0);
      // Into the MR's study: the server refuses the CT's SEG in FailedSOPSequence.
      const mrStudy = (await seriesUrl(pacs, 'MR')).replace(/\/series\/.*$/, '');
      const refused = await runCli(['stow', out, '--to', mrStudy]);
      expect(refused.code).toBe(6);
      expect(refused.stderr).toMatch(/did not store 1 of 1 \(HTTP 409\).*processing failure \(0x0110\)/);
      expect(refused.stderr).toContain('Kept on disk');

      // A server whose own filter drops SEGs while answering "stored": caught by looking it up.
      const dropping = await startOrthanc({ refuseModality: 'SEG' });
      try {
        const dropped = await runCli(['stow', out, '--to', dropping.dicomWebRoot]);
        expect(dropped.code).toBe(6);
        expect(dropped.stderr).toContain('QIDO-RS does not find it there');
        expect(existsSync(out)).toBe(true);
      } finally {
        await dropping.stop();
      }
    }, 60_000);

    it('credentials come from the environment: missing or wrong is a clear 401, right ones read and store', async () => {
      const secured = await startOrthanc({ user: { name: 'radiologist', password: 's3cret' } });
      try {
        await secured.seed(filesUnder(CT));
        const url = await seriesUrl(secured, 'CT');
        const args = [
          'segment',
          '--series',
          url,
          '--slice',
          '20',
          '--box',
          LIVER_BOX,
          '--out',
          join(work, 'auth.seg.dcm'),
        ];
        const none = await withEnv(
          { ROBUSTMEDSAM_DICOMWEB_USER: undefined, ROBUSTMEDSAM_DICOMWEB_PASSWORD: undefined },
          () => runCli(args),
        );
        expect(none.code).toBe(7);
        expect(none.stderr).toContain('401 Unauthorized');
        expect(none.stderr).toContain('ROBUSTMEDSAM_DICOMWEB_USER');
        const wrong = await withEnv(
          { ROBUSTMEDSAM_DICOMWEB_USER: 'radiologist', ROBUSTMEDSAM_DICOMWEB_PASSWORD: 'guess' },
          () => runCli(args),
        );
        expect(wrong.code).toBe(7);
        expect(wrong.stderr).toContain('401 Unauthorized');
        const half = await withEnv(
          { ROBUSTMEDSAM_DICOMWEB_USER: 'radiologist', ROBUSTMEDSAM_DICOMWEB_PASSWORD: undefined },
          () => runCli(args),
        );
        expect(half.code).toBe(2);
        expect(half.stderr).toContain('ROBUSTMEDSAM_DICOMWEB_PASSWORD is not set');
        const right = await withEnv(
          { ROBUSTMEDSAM_DICOMWEB_USER: 'radiologist', ROBUSTMEDSAM_DICOMWEB_PASSWORD: 's3cret' },
          () => runCli([...args, '--stow']),
        );
        expect(right.code, right.stderr).toBe(0);
        expect(await storedFile(secured, storedUid(right.stdout))).toHaveLength(1);
        // Credentials in the URL are refused before anything is sent.
        const inUrl = await runCli([
          ...args.slice(0, 2),
          url.replace('http://', 'http://radiologist:s3cret@'),
          ...args.slice(3),
        ]);
        expect(inUrl.code).toBe(2);
        expect(inUrl.stderr).toContain('carries credentials');
      } finally {
        await secured.stop();
      }
    }, 60_000);

    it('a series URL the server does not hold, or a malformed one, is a clear error', async () => {
      const missing = ctUrl.replace(/\/series\/([0-9.]+)$/, '/series/1.2.3.4');
      const run = await runCli([
        'segment',
        '--series',
        missing,
        '--slice',
        '0',
        '--box',
        '1,1,9,9',
        '--out',
        join(work, 'x.seg.dcm'),
      ]);
      expect(run.code).toBe(7);
      expect(run.stderr).toContain('Not found on the server');
      expect(run.stderr).toContain('1.2.3.4');
      const malformed = await runCli([
        'segment',
        '--series',
        `${pacs.dicomWebRoot}/studies/1.2`,
        '--slice',
        '0',
        '--box',
        '1,1,9,9',
        '--out',
        join(work, 'x.seg.dcm'),
      ]);
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain('does not name a DICOMweb series');
      expect(existsSync(join(work, 'x.seg.dcm'))).toBe(false);
    });

    it('a server that never answers is given up after --dicomweb-timeout, reading (exit 7) or storing (exit 6)', async () => {
      const silent = createServer(() => {
        // accepts, never answers
      });
      servers.push(silent);
      const root = `${await listen(silent)}/dicom-web`;
      const started = performance.now();
      const reading = await runCli([
        'segment',
        '--series',
        `${root}/studies/1.2/series/3.4`,
        '--slice',
        '0',
        '--box',
        '1,1,9,9',
        '--out',
        join(work, 'y.seg.dcm'),
        '--dicomweb-timeout',
        '1',
      ]);
      expect(reading.code).toBe(7);
      expect(reading.stderr).toContain('within 1 s');
      const out = join(work, 'silent.seg.dcm');
      const storing = await segmentLiver(CT, out, '--stow', root, '--dicomweb-timeout', '1');
      expect(storing.code).toBe(6);
      expect(storing.stderr).toContain('within 1 s');
      expect(existsSync(out)).toBe(true);
      // Bounded: two one-second waits and the work, not the default minute.
      expect(performance.now() - started).toBeLessThan(30_000);
    }, 60_000);

    it('a series whose download fails halfway is an error naming the instance, never a shorter series', async () => {
      const listed = await qido(pacs, `${ctUrl.slice(pacs.dicomWebRoot.length)}/instances`);
      const broken = uidOf(listed[17], '00080018');
      // Passes everything to Orthanc but one instance, which fails as an overloaded server would.
      const proxy = createServer((req, res) => {
        if (req.url?.endsWith(`/instances/${broken}`)) {
          res.writeHead(503).end('busy');
          return;
        }
        const upstream = request(
          `${pacs.url}${req.url}`,
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        req.pipe(upstream);
      });
      servers.push(proxy);
      const base = await listen(proxy);
      const run = await runCli([
        'segment',
        '--series',
        ctUrl.replace(pacs.url, base),
        '--slice',
        '20',
        '--box',
        LIVER_BOX,
        '--out',
        join(work, 'half.seg.dcm'),
      ]);
      expect(run.code).toBe(7);
      expect(run.stderr).toContain(`/instances/${broken}`);
      expect(run.stderr).toContain('503');
      expect(existsSync(join(work, 'half.seg.dcm'))).toBe(false);
    }, 60_000);
  },
);

describe('files the CLI stores or reads must be files', () => {
  it('refuses a device (read forever) or a folder in place of a DICOM file, at once, with exit 3', async () => {
    for (const args of [
      ['stow', '/dev/zero', '--to', 'http://127.0.0.1:9/dicom-web'],
      ['seg-info', '/dev/zero'],
      ['stow', tmpdir(), '--to', 'http://127.0.0.1:9/dicom-web'],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(3);
      expect(run.stderr).toMatch(/it is (a device, FIFO or socket, not a file|a folder)/);
    }
  });
});
