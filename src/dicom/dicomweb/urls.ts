/**
 * DICOMweb resource URLs as users give them: `http(s)://HOST/ROOT/studies/S/series/R` for a series and
 * `.../series/R/instances/I` for one instance (a SEG). The service root is everything before
 * `/studies/`, so servers mounted under any path (Orthanc's /dicom-web, dcm4chee's /dcm4chee-arc/aets/X/rs)
 * work alike.
 */
import { UsageError } from '../../errors.ts';

export interface DicomWebSeriesRef {
  /** The service root, without a trailing slash: http://127.0.0.1:8042/dicom-web */
  root: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
}

export interface DicomWebInstanceRef extends DicomWebSeriesRef {
  sopInstanceUID: string;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

/** Whether a command-line value names a DICOMweb resource rather than a file or folder. */
export function isDicomWebUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/** The service root of any DICOMweb URL (a root itself, or a resource under /studies/). */
export function parseServiceRoot(value: string, what = 'DICOMweb URL'): string {
  const url = checkedUrl(value, what);
  const cut = url.pathname.search(/\/studies(\/|$)/);
  const path = (cut >= 0 ? url.pathname.slice(0, cut) : url.pathname).replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

/** Where to store: a service root, and the study when the URL names one (`.../studies/UID[/...]`). */
export function parseStowTarget(value: string, what: string): { root: string; studyInstanceUID?: string } {
  const root = parseServiceRoot(value, what);
  const study = /\/studies\/([^/]+)/.exec(new URL(value).pathname)?.[1];
  if (study !== undefined && (!UID.test(study) || study.length > 64)) {
    throw new UsageError(
      'bad-dicomweb-url',
      `${what} "${value}" names a study UID that is not a UID.`,
      urlHint(),
    );
  }
  return study ? { root, studyInstanceUID: study } : { root };
}

function checkedUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('bad-dicomweb-url', `${what} "${value}" is not a URL.`, urlHint());
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('bad-dicomweb-url', `${what} "${value}" is not an http(s) URL.`, urlHint());
  }
  if (url.username || url.password) {
    throw new UsageError(
      'credentials-in-url',
      `${what} carries credentials (user:password@); they would be kept in shell history and process lists.`,
      'Remove them from the URL and set ROBUSTMEDSAM_DICOMWEB_USER and ROBUSTMEDSAM_DICOMWEB_PASSWORD (or ROBUSTMEDSAM_DICOMWEB_TOKEN) instead.',
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(
      'bad-dicomweb-url',
      `${what} "${value}" has a query or fragment; give the resource URL alone.`,
      urlHint(),
    );
  }
  return url;
}

function urlHint(): string {
  return 'A series is http(s)://HOST/ROOT/studies/STUDY_UID/series/SERIES_UID; a SEG adds /instances/SOP_INSTANCE_UID.';
}

function parseResource(value: string, what: string, withInstance: boolean): DicomWebInstanceRef {
  const url = checkedUrl(value, what);
  const segments = url.pathname.split('/');
  const at = segments.lastIndexOf('studies');
  const tail = at >= 0 ? segments.slice(at) : [];
  while (tail.length && tail[tail.length - 1] === '') tail.pop();
  const shapeOk =
    tail.length === (withInstance ? 6 : 4) &&
    tail[2] === 'series' &&
    (!withInstance || tail[4] === 'instances');
  const uids = withInstance ? [tail[1], tail[3], tail[5]] : [tail[1], tail[3]];
  if (!shapeOk || uids.some((uid) => !uid || !UID.test(uid) || uid.length > 64)) {
    throw new UsageError(
      'bad-dicomweb-url',
      `${what} "${value}" does not name a DICOMweb ${withInstance ? 'instance' : 'series'}.`,
      urlHint(),
    );
  }
  return {
    root: `${url.origin}${segments.slice(0, at).join('/')}`,
    studyInstanceUID: uids[0],
    seriesInstanceUID: uids[1],
    sopInstanceUID: withInstance ? uids[2] : '',
  };
}

export function parseSeriesUrl(value: string, what = 'series URL'): DicomWebSeriesRef {
  const { sopInstanceUID: _, ...series } = parseResource(value, what, false);
  return series;
}

export function parseInstanceUrl(value: string, what = 'instance URL'): DicomWebInstanceRef {
  return parseResource(value, what, true);
}

export function seriesUrl(ref: DicomWebSeriesRef): string {
  return `${ref.root}/studies/${ref.studyInstanceUID}/series/${ref.seriesInstanceUID}`;
}

export function instanceUrl(ref: DicomWebInstanceRef): string {
  return `${seriesUrl(ref)}/instances/${ref.sopInstanceUID}`;
}
