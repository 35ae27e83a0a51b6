/**
 * A DICOMweb client on `fetch` alone, so the browser and Node share it: QIDO-RS searches, WADO-RS
 * series metadata and Part 10 instances, STOW-RS stores. Every failure is a DicomWebError that says
 * which request failed and why (server unreachable, no answer in time, 401/403/404/409/413/5xx, an
 * answer that is not what DICOMweb promises); nothing is retried behind the caller's back.
 * Multipart answers are parsed by @remix-run/multipart-parser.
 */
import { getMultipartBoundary, parseMultipart } from '@remix-run/multipart-parser';
import { DicomWebError } from '../../errors.ts';
import type { DicomFileBytes } from '../series.ts';
import { readStowResponse, type StowInstance, type StowResult, stowRequestBody } from './stow.ts';
import type { DicomWebInstanceRef, DicomWebSeriesRef } from './urls.ts';

/** Credentials for the server: a bearer token or HTTP basic authentication. */
export type DicomWebAuth = { token: string } | { user: string; password: string };

export interface DicomWebClientOptions {
  /** The service root, e.g. http://127.0.0.1:8042/dicom-web (no trailing slash needed). */
  root: string;
  auth?: DicomWebAuth;
  /** More request headers (a host app's own Authorization header, say). */
  headers?: Record<string, string>;
  /** Longest wait for one request, answer included (default 60 s). */
  timeoutMs?: number;
  /** Where the caller's user sets credentials, for 401/403 messages (CLI: environment variables). */
  credentialsHint?: string;
  fetch?: typeof fetch;
}

/** One DICOM JSON dataset (PS3.18 F.2): tag "GGGGEEEE" -> { vr, Value }. */
export type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

export interface StudySummary {
  studyInstanceUID: string;
  patientName: string;
  patientID: string;
  studyDate: string;
  studyDescription: string;
  modalities: string[];
}

export interface SeriesSummary {
  seriesInstanceUID: string;
  modality: string;
  seriesDescription: string;
  seriesNumber?: number;
  instances?: number;
}

export interface RetrieveProgress {
  done: number;
  total: number;
  bytes: number;
}

const DICOM_JSON = 'application/dicom+json';
const PART10_ANY_SYNTAX = 'multipart/related; type="application/dicom"; transfer-syntax=*';

/** The first value of `tag` as a string ('' when absent); person names as their alphabetic group. */
export function jsonText(ds: DicomJson, tag: string): string {
  const value = ds[tag]?.Value?.[0];
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return String((value as { Alphabetic?: string }).Alphabetic ?? '');
  return String(value);
}

function jsonTexts(ds: DicomJson, tag: string): string[] {
  return (ds[tag]?.Value ?? []).map(String);
}

function jsonNumber(ds: DicomJson, tag: string): number | undefined {
  const value = Number(ds[tag]?.Value?.[0]);
  return Number.isFinite(value) ? value : undefined;
}

export class DicomWebClient {
  readonly root: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #credentialsHint: string;
  readonly #fetch: typeof fetch;

  constructor(options: DicomWebClientOptions) {
    this.root = options.root.replace(/\/+$/, '');
    this.#headers = { ...options.headers };
    if (options.auth && 'token' in options.auth) {
      this.#headers.authorization = `Bearer ${options.auth.token}`;
    } else if (options.auth) {
      const pair = new TextEncoder().encode(`${options.auth.user}:${options.auth.password}`);
      this.#headers.authorization = `Basic ${btoa(String.fromCharCode(...pair))}`;
    }
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#credentialsHint = options.credentialsHint ?? 'Give the server credentials it accepts.';
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** QIDO-RS: studies matching `query` (DICOM keywords or tags as keys, e.g. { PatientID: 'X' }). */
  async searchStudies(query: Record<string, string> = {}): Promise<StudySummary[]> {
    const found = await this.#json(`${this.root}/studies${queryString(query)}`, 'search studies').catch(
      (error: unknown) => {
        // /studies is the one resource every DICOMweb service has: not there means a wrong root.
        if (
          error instanceof DicomWebError &&
          (error.failure === 'not-found' || error.failure === 'bad-response')
        ) {
          throw new DicomWebError(
            error.failure,
            error.url,
            `No DICOMweb service answers at ${this.root} (${error.message})`,
            'The root is the part of a DICOMweb URL before /studies, e.g. http://HOST:8042/dicom-web for Orthanc.',
            { status: error.status, cause: error },
          );
        }
        throw error;
      },
    );
    return found.map((ds) => ({
      studyInstanceUID: jsonText(ds, '0020000D'),
      patientName: jsonText(ds, '00100010'),
      patientID: jsonText(ds, '00100020'),
      studyDate: jsonText(ds, '00080020'),
      studyDescription: jsonText(ds, '00081030'),
      modalities: jsonTexts(ds, '00080061'),
    }));
  }

  /** QIDO-RS: series of a study matching `query` (e.g. { Modality: 'SEG' }). */
  async searchSeries(studyInstanceUID: string, query: Record<string, string> = {}): Promise<SeriesSummary[]> {
    const url = `${this.root}/studies/${studyInstanceUID}/series${queryString(query)}`;
    const found = await this.#json(url, 'search series');
    return found.map((ds) => ({
      seriesInstanceUID: jsonText(ds, '0020000E'),
      modality: jsonText(ds, '00080060'),
      seriesDescription: jsonText(ds, '0008103E'),
      seriesNumber: jsonNumber(ds, '00200011'),
      instances: jsonNumber(ds, '00201209'),
    }));
  }

  /** QIDO-RS: the SOP Instance UIDs of a series. */
  async searchInstances(ref: DicomWebSeriesRef): Promise<string[]> {
    const url = `${this.root}/studies/${ref.studyInstanceUID}/series/${ref.seriesInstanceUID}/instances`;
    return (await this.#json(url, 'search instances')).map((ds) => jsonText(ds, '00080018'));
  }

  /** WADO-RS: the metadata of every instance of a series (bulk data left out by the server). */
  async seriesMetadata(ref: DicomWebSeriesRef): Promise<DicomJson[]> {
    const url = `${this.root}/studies/${ref.studyInstanceUID}/series/${ref.seriesInstanceUID}/metadata`;
    return this.#json(url, 'read series metadata');
  }

  /** WADO-RS: one instance as its stored Part 10 file (any transfer syntax, bytes as the server keeps them). */
  async retrieveInstance(ref: DicomWebInstanceRef): Promise<Uint8Array> {
    const url = `${this.root}/studies/${ref.studyInstanceUID}/series/${ref.seriesInstanceUID}/instances/${ref.sopInstanceUID}`;
    const response = await this.#request(
      url,
      { headers: { accept: PART10_ANY_SYNTAX } },
      'retrieve instance',
    );
    const bytes = new Uint8Array(await this.#body(response, url));
    const boundary = getMultipartBoundary(response.headers.get('content-type') ?? '');
    if (!boundary) {
      if ((response.headers.get('content-type') ?? '').startsWith('application/dicom')) return bytes;
      throw this.#badResponse(
        url,
        `its Content-Type "${response.headers.get('content-type')}" is not multipart/related`,
      );
    }
    let parts: Uint8Array[];
    try {
      parts = [
        ...parseMultipart(bytes, { boundary, maxFileSize: 4 * 2 ** 30, maxTotalSize: 4 * 2 ** 30 }),
      ].map((part) => part.bytes);
    } catch (error) {
      throw this.#badResponse(url, `its multipart body is malformed (${(error as Error).message})`);
    }
    if (parts.length !== 1) throw this.#badResponse(url, `it holds ${parts.length} parts, not one instance`);
    return parts[0];
  }

  /**
   * WADO-RS: every instance of a series as Part 10 files, `concurrency` requests at a time. The
   * instances are those the series metadata lists; any that fails ends the whole retrieval with an
   * error naming it, so a series is never silently shorter than the server's.
   */
  async retrieveSeries(
    ref: DicomWebSeriesRef,
    options: { concurrency?: number; onProgress?: (progress: RetrieveProgress) => void } = {},
  ): Promise<DicomFileBytes[]> {
    const metadata = await this.seriesMetadata(ref);
    const uids = metadata.map((ds) => jsonText(ds, '00080018'));
    if (uids.length === 0 || uids.some((uid) => !uid)) {
      throw this.#badResponse(
        `${this.root}/studies/${ref.studyInstanceUID}/series/${ref.seriesInstanceUID}/metadata`,
        uids.length === 0 ? 'the series has no instances' : 'an instance has no SOP Instance UID',
      );
    }
    const files: DicomFileBytes[] = new Array(uids.length);
    const progress: RetrieveProgress = { done: 0, total: uids.length, bytes: 0 };
    options.onProgress?.({ ...progress });
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < uids.length && !failed) {
        const index = next++;
        const sopInstanceUID = uids[index];
        const bytes = await this.retrieveInstance({ ...ref, sopInstanceUID }).catch((error: unknown) => {
          failed = true; // the other workers start no new request
          throw error;
        });
        files[index] = { name: `instance ${sopInstanceUID}`, bytes };
        progress.done += 1;
        progress.bytes += bytes.byteLength;
        options.onProgress?.({ ...progress });
      }
    };
    const workers = Math.max(1, Math.min(options.concurrency ?? 4, uids.length));
    await Promise.all(Array.from({ length: workers }, worker));
    return files;
  }

  /**
   * STOW-RS of Part 10 files, under the study when `studyInstanceUID` is given (the server then refuses
   * files of another study). Returns what the server says of each instance; a refusal of the whole
   * request without a per-instance answer (401, 413, 5xx, ...) is a DicomWebError. Each instance the
   * server calls stored, and whose study and series UIDs were given, is then looked up with QIDO-RS:
   * some servers answer "stored" for an instance they dropped (Orthanc 1.10 does so for one its own
   * filter refused), and a user told "saved" must find it there.
   */
  async store(instances: StowInstance[], studyInstanceUID?: string): Promise<StowResult> {
    const url = `${this.root}/studies${studyInstanceUID ? `/${studyInstanceUID}` : ''}`;
    const { body, contentType } = stowRequestBody(instances);
    const response = await this.#request(
      url,
      { method: 'POST', headers: { 'content-type': contentType, accept: DICOM_JSON }, body },
      'store (STOW-RS)',
      // 409 and 400 often carry the per-instance answer (FailedSOPSequence): read it rather than throw.
      (status) => status === 409 || status === 400,
    );
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    if (text.trim()) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (response.ok) throw this.#badResponse(url, 'its STOW answer is not DICOM JSON');
      }
    }
    if (!response.ok && parsed === undefined) {
      throw this.#statusError(url, 'store (STOW-RS)', response.status, text);
    }
    const result = readStowResponse(response.status, parsed, instances);
    for (const [k, outcome] of result.instances.entries()) {
      const { studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID } = instances[k];
      if (outcome.outcome === 'failed' || !study || !series) continue;
      const found = await this.#json(
        `${this.root}/studies/${study}/series/${series}/instances${queryString({ SOPInstanceUID: sopInstanceUID })}`,
        'confirm a stored instance',
      ).catch((error: unknown) => {
        // Not found (404) means not there; any other fault leaves the server's word standing.
        if (error instanceof DicomWebError && error.failure === 'not-found') return [];
        throw error;
      });
      if (!found.some((ds) => jsonText(ds, '00080018') === sopInstanceUID)) {
        result.instances[k] = {
          sopInstanceUID,
          outcome: 'failed',
          reason: 'the server answered "stored", but QIDO-RS does not find it there (dropped by the server)',
        };
      }
    }
    return result;
  }

  async #json(url: string, what: string): Promise<DicomJson[]> {
    const response = await this.#request(url, { headers: { accept: DICOM_JSON } }, what);
    // QIDO-RS answers 204 No Content when nothing matches.
    if (response.status === 204) return [];
    const text = new TextDecoder().decode(await this.#body(response, url));
    if (!text.trim()) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.#badResponse(url, 'its answer is not JSON');
    }
    if (!Array.isArray(parsed)) throw this.#badResponse(url, 'its answer is not a JSON array of datasets');
    return parsed as DicomJson[];
  }

  /** The body, with a time-out or a dropped connection while reading it told apart from other faults. */
  async #body(response: Response, url: string): Promise<ArrayBuffer> {
    try {
      return await response.arrayBuffer();
    } catch (error) {
      throw this.#transportError(url, 'read the answer', error);
    }
  }

  async #request(
    url: string,
    init: RequestInit,
    what: string,
    acceptStatus: (status: number) => boolean = () => false,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetch(url, {
        ...init,
        headers: { ...this.#headers, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw this.#transportError(url, what, error);
    }
    if (response.ok || acceptStatus(response.status)) return response;
    const text = await response.text().catch(() => '');
    throw this.#statusError(url, what, response.status, text);
  }

  #transportError(url: string, what: string, error: unknown): DicomWebError {
    const name = (error as { name?: string })?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new DicomWebError(
        'timeout',
        url,
        `No answer to "${what}" from ${url} within ${Math.round(this.#timeoutMs / 1000)} s.`,
        'The server may be overloaded or hung; try again, or raise the time-out.',
        { cause: error },
      );
    }
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
    return new DicomWebError(
      'unreachable',
      url,
      `Cannot reach the DICOMweb server for "${what}" at ${url} (${detail}).`,
      'Check that the server is running and the URL (host, port, path) is right.',
      { cause: error },
    );
  }

  #statusError(url: string, what: string, status: number, body: string): DicomWebError {
    const detail = errorDetail(body);
    const said = detail ? `: ${detail}` : '';
    const fail = (failure: ConstructorParameters<typeof DicomWebError>[0], message: string, hint: string) =>
      new DicomWebError(failure, url, message, hint, { status });
    if (status === 401)
      return fail(
        'unauthorized',
        `The server refused "${what}" at ${url}: 401 Unauthorized (no valid credentials).`,
        this.#credentialsHint,
      );
    if (status === 403)
      return fail(
        'forbidden',
        `The server refused "${what}" at ${url}: 403 Forbidden (these credentials may not do this).`,
        this.#credentialsHint,
      );
    if (status === 404)
      return fail(
        'not-found',
        `Not found on the server: ${url} (404)${said}.`,
        'Check the study and series UIDs: QIDO-RS (/studies, /studies/UID/series) lists what the server holds.',
      );
    if (status === 409)
      return fail(
        'conflict',
        `The server refused "${what}" at ${url}: 409 Conflict${said}.`,
        'The object conflicts with what the server holds (another study, a duplicate); see the reason above.',
      );
    if (status === 413)
      return fail(
        'too-large',
        `The server refused "${what}" at ${url}: 413 Payload Too Large.`,
        "Raise the server's upload limit, or store fewer instances at a time.",
      );
    if (status === 502 || status === 504)
      return fail(
        'server-error',
        `A gateway could not get an answer to "${what}" from the PACS behind ${url}: ${status}${said}.`,
        'A proxy in front of the PACS answered: the PACS behind it is down, unreachable or too slow. Check it, then try again.',
      );
    if (status >= 500)
      return fail(
        'server-error',
        `The server failed "${what}" at ${url}: ${status}${said}.`,
        'A fault on the server: see its log, and try again.',
      );
    return fail(
      'bad-response',
      `The server answered "${what}" at ${url} with ${status}${said}.`,
      'Check the URL and the server.',
    );
  }

  #badResponse(url: string, why: string): DicomWebError {
    return new DicomWebError(
      'bad-response',
      url,
      `The server's answer from ${url} is unusable: ${why}.`,
      'Check that the URL is a DICOMweb service root or resource.',
    );
  }
}

/** What an error answer says, short: a JSON error's Details or Message (Orthanc, dcm4chee), else its text. */
function errorDetail(body: string): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as { Details?: unknown; Message?: unknown; errorMessage?: unknown };
    const said = parsed.Details ?? parsed.errorMessage ?? parsed.Message;
    if (typeof said === 'string' && said) text = said;
  } catch {
    // not JSON: its text, without the markup of an HTML error page
    if (/^\s*</.test(text))
      text = text.replace(/<(head|style|script)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function queryString(query: Record<string, string>): string {
  const entries = Object.entries(query);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}
