/**
 * A private Orthanc PACS with its DICOMweb plugin (Debian's `orthanc` and `orthanc-dicomweb`), for the
 * tests, `npm run pacs` and `npm run demo -- --pacs`: its own configuration and storage in a temporary
 * folder, HTTP on a loopback port, seeded through Orthanc's REST API, stopped by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancOptions {
  /** HTTP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Require HTTP basic authentication with this user. */
  user?: { name: string; password: string };
  /** Give up waiting for Orthanc to answer after this long (default 20 s). */
  startTimeoutMs?: number;
  /** Refuse to store instances of this modality (Orthanc's ReceivedInstanceFilter), e.g. 'SEG' to test failed stores. */
  refuseModality?: string;
}

export interface Orthanc {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The DICOMweb root: http://127.0.0.1:PORT/dicom-web */
  dicomWebRoot: string;
  pid: number;
  /** Stores Part 10 files through the REST API (POST /instances); returns Orthanc's instance ids. */
  seed(files: Array<Uint8Array | string>): Promise<string[]>;
  /** Orthanc's own REST API, with the configured credentials. */
  rest(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its storage. */
  stop(): Promise<void>;
}

/** Whether this machine has Orthanc and its DICOMweb plugin (`apt-get install orthanc orthanc-dicomweb`). */
export function orthancInstalled(): boolean {
  return existsSync(ORTHANC_BINARY) && existsSync(DICOMWEB_PLUGIN);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Every regular file under `dir`, recursively, sorted by path. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

export async function startOrthanc(options: OrthancOptions = {}): Promise<Orthanc> {
  if (!orthancInstalled()) {
    throw new InputError(
      'orthanc-missing',
      `Orthanc with its DICOMweb plugin is not installed (${ORTHANC_BINARY}, ${DICOMWEB_PLUGIN}).`,
      'Install it: apt-get install orthanc orthanc-dicomweb',
    );
  }
  const port = options.port || (await freePort());
  const dicomPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'robustmedsam-orthanc-'));
  const config = {
    Name: 'robustmedsam-test-pacs',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    HttpPort: port,
    DicomPort: dicomPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: options.user !== undefined,
    RegisteredUsers: options.user ? { [options.user.name]: options.user.password } : {},
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    // Answers must not wait on a background job queue the tests never see.
    ConcurrentJobs: 2,
  };
  if (options.refuseModality) {
    // Orthanc's Lua hook: returning false refuses the instance, which STOW-RS reports as failed.
    const script = join(dir, 'filter.lua');
    writeFileSync(
      script,
      `function ReceivedInstanceFilter(dicom, origin, info)\n  return dicom.Modality ~= ${JSON.stringify(options.refuseModality)}\nend\n`,
    );
    Object.assign(config, { LuaScripts: [script] });
  }
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(ORTHANC_BINARY, [join(dir, 'orthanc.json')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = options.user
    ? { authorization: `Basic ${btoa(`${options.user.name}:${options.user.password}`)}` }
    : {};
  const rest = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new InputError(
        'orthanc-failed',
        `Orthanc exited at start (code ${child.exitCode}): ${log.trim()}`,
      );
    }
    try {
      const response = await rest('/system', { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new InputError('orthanc-failed', `Orthanc did not answer on ${url} in time: ${log.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const seed = async (files: Array<Uint8Array | string>) => {
    const ids: string[] = [];
    for (const file of files) {
      const bytes = typeof file === 'string' ? readFileSync(file) : file;
      const response = await rest('/instances', { method: 'POST', body: new Uint8Array(bytes) });
      if (!response.ok) {
        throw new InputError(
          'orthanc-seed-failed',
          `Orthanc refused ${typeof file === 'string' ? file : 'an instance'}: ${response.status} ${await response.text()}`,
        );
      }
      ids.push(((await response.json()) as { ID: string }).ID);
    }
    return ids;
  };

  return { url, dicomWebRoot: `${url}/dicom-web`, pid: child.pid ?? -1, seed, rest, stop };
}
