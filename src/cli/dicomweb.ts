/**
 * How the commands talk to a DICOMweb server: credentials from the environment only (never flags,
 * which end up in shell history and process lists), one time-out flag, a progress bar for series
 * downloads, and STOW with the answer reported per instance. A store that fails after the files were
 * written is a NotStoredError (exit 6): the files are safe on disk and `robustmedsam stow` retries.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { parseDicom } from '../dicom/dataset.ts';
import { type DicomWebAuth, DicomWebClient } from '../dicom/dicomweb/client.ts';
import type { StowInstance, StowResult } from '../dicom/dicomweb/stow.ts';
import { parseStowTarget } from '../dicom/dicomweb/urls.ts';
import type { DicomFileBytes } from '../dicom/series.ts';
import { DicomError, DicomWebError, RobustMedSamError, UsageError } from '../errors.ts';
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

/** Where a command stores: a PACS, and the study when the user named one (the server then checks it). */
export interface StowTarget {
  client: DicomWebClient;
  studyInstanceUID?: string;
}

/** The target of a --stow or --to URL (a DICOMweb root, or a study URL under it). */
export function stowTarget(url: string, flag: string, flags: DicomWebFlags): StowTarget {
  const { root, studyInstanceUID } = parseStowTarget(url, flag);
  return { client: dicomWebClients(flags)(root), studyInstanceUID };
}

/** A file to store with the UIDs the server's answer and the check afterwards need. */
function stowInstanceOf(path: string, bytes: Uint8Array): StowInstance {
  const { dataset } = parseDicom(bytes, path);
  const uid = (keyword: string) => (typeof dataset[keyword] === 'string' ? (dataset[keyword] as string) : '');
  if (!uid('SOPInstanceUID')) {
    throw new DicomError('missing-sop-instance-uid', `${path} has no SOP Instance UID: it cannot be stored.`);
  }
  return {
    sopInstanceUID: uid('SOPInstanceUID'),
    studyInstanceUID: uid('StudyInstanceUID') || undefined,
    seriesInstanceUID: uid('SeriesInstanceUID') || undefined,
    bytes,
  };
}

/**
 * Stores `files` (already on disk) in the PACS and prints what it said of each. Every file is read
 * and checked before anything is sent. Any instance not stored, or any failure of the request, is a
 * NotStoredError naming the files and how to retry; warnings are printed and count as stored.
 */
export async function storeFiles(
  target: StowTarget,
  files: Array<{ path: string; bytes: Uint8Array }>,
  /** Where the "stored ..." lines go (stderr when stdout carries JSON). */
  report: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const { client } = target;
  const instances = files.map((f) => stowInstanceOf(f.path, f.bytes));
  const names = new Map<string, string>();
  for (const [k, instance] of instances.entries()) {
    const other = names.get(instance.sopInstanceUID);
    if (other) {
      throw new UsageError(
        'duplicate-instance',
        `${other} and ${files[k].path} hold the same SOP Instance UID ${instance.sopInstanceUID}.`,
        'Store one of them.',
      );
    }
    names.set(instance.sopInstanceUID, files[k].path);
  }
  const where = target.studyInstanceUID ? `${client.root}/studies/${target.studyInstanceUID}` : client.root;
  const retry = `robustmedsam stow ${files.map((f) => quoteArg(f.path)).join(' ')} --to ${where}`;
  let result: StowResult;
  try {
    result = await client.store(instances, target.studyInstanceUID);
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
    if (instance.outcome === 'failed') continue;
    const warning = instance.outcome === 'stored-with-warning' ? ` (warning: ${instance.reason})` : '';
    report.write(
      `stored ${names.get(instance.sopInstanceUID)} in ${where}: SOP Instance UID ${instance.sopInstanceUID}${warning}\n`,
    );
  }
  const failed = result.instances
    .filter((i) => i.outcome === 'failed')
    .map((i) => `${names.get(i.sopInstanceUID)} (SOP Instance UID ${i.sopInstanceUID}): ${i.reason}`);
  if (failed.length) {
    throw new NotStoredError(
      'not-stored-failed',
      `The PACS did not store ${failed.length} of ${files.length} (HTTP ${result.httpStatus}): ${failed.join('; ')}. Kept on disk.`,
      `Fix the cause the server gave, then retry: ${retry}`,
    );
  }
}

function quoteArg(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
