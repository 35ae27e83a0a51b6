/**
 * How the commands talk to a DICOMweb server: credentials from the environment only (never flags,
 * which end up in shell history and process lists), one time-out flag, a progress bar for series
 * downloads, and STOW with the answer reported per instance. A store that fails after the files were
 * written is a NotStoredError (exit 6): the files are safe on disk and `robustmedsam stow` retries.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { type DicomWebAuth, DicomWebClient } from '../dicom/dicomweb/client.ts';
import type { StowInstance, StowResult } from '../dicom/dicomweb/stow.ts';
import type { DicomFileBytes } from '../dicom/series.ts';
import { DicomWebError, RobustMedSamError, UsageError } from '../errors.ts';
import { parseInteger } from './options.ts';

export const CREDENTIALS_HINT =
  'Set ROBUSTMEDSAM_DICOMWEB_TOKEN (a bearer token), or ROBUSTMEDSAM_DICOMWEB_USER and ROBUSTMEDSAM_DICOMWEB_PASSWORD (basic authentication), to credentials the server accepts.';

/** Files were written locally but are not (all) in the PACS. */
export class NotStoredError extends RobustMedSamError {}

export interface DicomWebFlags {
  dicomwebTimeout?: string;
}

/** Adds --dicomweb-timeout to a command that may talk to a DICOMweb server. */
export function withDicomWebTimeout(command: Command): Command {
  return command.option(
    '--dicomweb-timeout <seconds>',
    'longest wait for one DICOMweb request (credentials: ROBUSTMEDSAM_DICOMWEB_TOKEN, or _USER and _PASSWORD)',
    '60',
  );
}

function credentialsFromEnvironment(env: NodeJS.ProcessEnv): DicomWebAuth | undefined {
  const token = env.ROBUSTMEDSAM_DICOMWEB_TOKEN;
  const user = env.ROBUSTMEDSAM_DICOMWEB_USER;
  const password = env.ROBUSTMEDSAM_DICOMWEB_PASSWORD;
  if (token && (user || password)) {
    throw new UsageError(
      'ambiguous-credentials',
      'Both ROBUSTMEDSAM_DICOMWEB_TOKEN and ROBUSTMEDSAM_DICOMWEB_USER/PASSWORD are set.',
      'Set either the token or the user and password, not both.',
    );
  }
  if (token) return { token };
  if (user === undefined && password === undefined) return undefined;
  if (!user || password === undefined) {
    throw new UsageError(
      'incomplete-credentials',
      `ROBUSTMEDSAM_DICOMWEB_${user ? 'PASSWORD' : 'USER'} is not set, but ROBUSTMEDSAM_DICOMWEB_${user ? 'USER' : 'PASSWORD'} is.`,
      'Set both for basic authentication.',
    );
  }
  return { user, password };
}

/** Checks the DICOMweb flags and credentials (before any work) and returns a client maker. */
export function dicomWebClients(flags: DicomWebFlags, env = process.env): (root: string) => DicomWebClient {
  const seconds = parseInteger(flags.dicomwebTimeout ?? '60', '--dicomweb-timeout');
  if (seconds < 1) throw new UsageError('invalid-timeout', '--dicomweb-timeout must be at least 1 second.');
  const auth = credentialsFromEnvironment(env);
  return (root) =>
    new DicomWebClient({ root, auth, timeoutMs: seconds * 1000, credentialsHint: CREDENTIALS_HINT });
}

/** Downloads a series' instances with a progress bar on stderr (only when stderr is a terminal). */
export async function downloadSeries(
  client: DicomWebClient,
  ref: Parameters<DicomWebClient['retrieveSeries']>[0],
): Promise<DicomFileBytes[]> {
  const bar = process.stderr.isTTY
    ? new SingleBar({
        stream: process.stderr,
        format: 'download series [{bar}] {value}/{total} instances | {megabytes} MB | {eta_formatted} left',
        hideCursor: true,
      })
    : undefined;
  let started = false;
  try {
    return await client.retrieveSeries(ref, {
      onProgress: ({ done, total, bytes }) => {
        const megabytes = (bytes / 1e6).toFixed(1);
        if (!started) bar?.start(total, done, { megabytes });
        started = true;
        bar?.update(done, { megabytes });
      },
    });
  } finally {
    bar?.stop();
  }
}

/** The instances of a STOW result that the server did not store, in words. */
function failures(result: StowResult, names: Map<string, string>): string[] {
  return result.instances
    .filter((i) => i.outcome === 'failed')
    .map((i) => `${names.get(i.sopInstanceUID) ?? i.sopInstanceUID}: ${i.reason}`);
}

/**
 * Stores `files` (already on disk) in the server at `root` and prints what it said of each. Any
 * instance not stored, or any failure of the request, is a NotStoredError naming the files and how to
 * retry; warnings are printed and count as stored.
 */
export async function storeFiles(
  client: DicomWebClient,
  files: Array<{ path: string; sopInstanceUID: string; bytes: Uint8Array }>,
): Promise<void> {
  const names = new Map(files.map((f) => [f.sopInstanceUID, f.path]));
  const retry = `robustmedsam stow ${files.map((f) => quoteArg(f.path)).join(' ')} --to ${client.root}`;
  const instances: StowInstance[] = files.map((f) => ({ sopInstanceUID: f.sopInstanceUID, bytes: f.bytes }));
  let result: StowResult;
  try {
    result = await client.store(instances);
  } catch (error) {
    if (!(error instanceof DicomWebError)) throw error;
    throw new NotStoredError(
      `not-stored-${error.failure}`,
      `Not stored in the PACS: ${error.message} ${files.length === 1 ? 'The file is' : 'The files are'} kept: ${files.map((f) => f.path).join(', ')}.`,
      `${error.hint ? `${error.hint} ` : ''}Then retry: ${retry}`,
      { cause: error },
    );
  }
  for (const instance of result.instances) {
    const name = names.get(instance.sopInstanceUID);
    if (instance.outcome === 'stored') {
      process.stdout.write(`stored ${name} in ${client.root}: SOP Instance UID ${instance.sopInstanceUID}\n`);
    } else if (instance.outcome === 'stored-with-warning') {
      process.stdout.write(
        `stored ${name} in ${client.root}: SOP Instance UID ${instance.sopInstanceUID} (warning: ${instance.reason})\n`,
      );
    }
  }
  const failed = failures(result, names);
  if (failed.length) {
    throw new NotStoredError(
      'not-stored-failed',
      `The PACS did not store ${failed.length} of ${files.length} (HTTP ${result.httpStatus}): ${failed.join('; ')}. The files are kept on disk.`,
      `Fix the cause the server gave, then retry: ${retry}`,
    );
  }
}

function quoteArg(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
