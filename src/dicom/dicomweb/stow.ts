/**
 * STOW-RS (PS3.18 10.5): the request body (Part 10 files as multipart/related; type="application/dicom")
 * and the reading of the server's answer, instance by instance. A store is only "stored" for the
 * instances the server lists in ReferencedSOPSequence; an instance it lists in FailedSOPSequence, or
 * does not mention at all, was not stored.
 */

/**
 * What the client sends: the file and the UIDs it holds. The SOP Instance UID matches the server's
 * answer to the file; with the study and series UIDs too, the client can check that an instance the
 * server calls stored is really there.
 */
export interface StowInstance {
  sopInstanceUID: string;
  studyInstanceUID?: string;
  seriesInstanceUID?: string;
  bytes: Uint8Array;
}

export type StowOutcome = 'stored' | 'stored-with-warning' | 'failed';

export interface StowInstanceResult {
  sopInstanceUID: string;
  outcome: StowOutcome;
  /** The Warning Reason (0008,1196) or Failure Reason (0008,1197) code, when the server gave one. */
  reasonCode?: number;
  /** The code in words (PS3.18 Table 10.5.3-1), or why we count the instance as not stored. */
  reason?: string;
  /** Where the server says the instance can be retrieved (0008,1190), when stored. */
  retrieveUrl?: string;
}

export interface StowResult {
  httpStatus: number;
  instances: StowInstanceResult[];
}

/** The multipart/related body and its Content-Type for `instances`. */
export function stowRequestBody(instances: StowInstance[]): { body: Blob; contentType: string } {
  const boundary = `robustmedsam-${globalThis.crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const parts: BlobPart[] = [];
  for (const instance of instances) {
    parts.push(encoder.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`));
    parts.push(instance.bytes as Uint8Array<ArrayBuffer>);
    parts.push(encoder.encode('\r\n'));
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  return {
    body: new Blob(parts),
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}

/** PS3.18 Table 10.5.3-1 (failure) and the Warning Reasons of PS3.4 / PS3.18. */
const REASONS: Record<number, string> = {
  42752: 'refused: out of resources',
  43264: 'error: data set does not match SOP class',
  49152: 'error: cannot understand',
  49442: 'referenced transfer syntax not supported',
  272: 'processing failure',
  290: 'referenced SOP class not supported',
  273: 'duplicate SOP instance',
  274: 'no such object instance',
  292: 'not authorized',
  45056: 'coercion of data elements',
  45062: 'elements discarded',
  45063: 'data set does not match SOP class',
};

/** A reason code in words, with its hexadecimal form (how DICOM standards and logs write it). */
export function reasonText(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return REASONS[code] ? `${REASONS[code]} (${hex})` : `reason ${hex}`;
}

type JsonAttribute = { vr?: string; Value?: unknown[] };
type JsonDataset = Record<string, JsonAttribute | undefined>;

function first<T>(ds: JsonDataset, tag: string): T | undefined {
  return ds[tag]?.Value?.[0] as T | undefined;
}

function items(ds: JsonDataset | undefined, tag: string): JsonDataset[] {
  return ((ds?.[tag]?.Value ?? []) as JsonDataset[]).filter((item) => item && typeof item === 'object');
}

/**
 * Reads the server's STOW answer for `sent` (in the order sent). `response` is the parsed
 * application/dicom+json body, or undefined when the server sent none (then only the HTTP status
 * speaks: a 2xx without a body stores everything, as some servers answer).
 */
export function readStowResponse(httpStatus: number, response: unknown, sent: StowInstance[]): StowResult {
  const ds = (Array.isArray(response) ? response[0] : response) as JsonDataset | undefined;
  const byUid = new Map<string, StowInstanceResult>();
  for (const item of items(ds, '00081199')) {
    const uid = first<string>(item, '00081155');
    if (!uid) continue;
    const warning = first<number>(item, '00081196');
    byUid.set(uid, {
      sopInstanceUID: uid,
      outcome: warning === undefined ? 'stored' : 'stored-with-warning',
      reasonCode: warning,
      reason: warning === undefined ? undefined : reasonText(warning),
      retrieveUrl: first<string>(item, '00081190'),
    });
  }
  for (const item of items(ds, '00081198')) {
    const uid = first<string>(item, '00081155');
    if (!uid) continue;
    const code = first<number>(item, '00081197');
    byUid.set(uid, {
      sopInstanceUID: uid,
      outcome: 'failed',
      reasonCode: code,
      reason: code === undefined ? 'failed (the server gave no reason)' : reasonText(code),
    });
  }
  const noBody = ds === undefined;
  const instances = sent.map((instance): StowInstanceResult => {
    const known = byUid.get(instance.sopInstanceUID);
    if (known) return known;
    if (noBody && httpStatus >= 200 && httpStatus < 300) {
      return { sopInstanceUID: instance.sopInstanceUID, outcome: 'stored' };
    }
    return {
      sopInstanceUID: instance.sopInstanceUID,
      outcome: 'failed',
      reason: `not acknowledged: the server's answer (HTTP ${httpStatus}) does not list it as stored`,
    };
  });
  return { httpStatus, instances };
}
