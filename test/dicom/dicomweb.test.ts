/**
 * The DICOMweb pieces that need no server: resource URLs as users type them, and reading STOW-RS
 * answers instance by instance (the forms PS3.18 allows and servers send).
 */
import { describe, expect, it } from 'vitest';
import { readStowResponse, reasonText, stowRequestBody } from '../../src/dicom/dicomweb/stow.ts';
import {
  instanceUrl,
  parseInstanceUrl,
  parseSeriesUrl,
  parseServiceRoot,
  parseStowTarget,
  seriesUrl,
} from '../../src/dicom/dicomweb/urls.ts';
import { UsageError } from '../../src/errors.ts';

describe('DICOMweb URLs', () => {
  it('splits a series or instance URL under any root, and puts it back together', () => {
    const url = 'https://pacs.example.org/dcm4chee-arc/aets/DCM4CHEE/rs/studies/1.2.3/series/4.5.6';
    const ref = parseSeriesUrl(url);
    expect(ref).toEqual({
      root: 'https://pacs.example.org/dcm4chee-arc/aets/DCM4CHEE/rs',
      studyInstanceUID: '1.2.3',
      seriesInstanceUID: '4.5.6',
    });
    expect(seriesUrl(ref)).toBe(url);
    const instance = parseInstanceUrl(
      'http://127.0.0.1:8042/dicom-web/studies/1.2/series/3.4/instances/5.6/',
    );
    expect(instance.sopInstanceUID).toBe('5.6');
    expect(instanceUrl(instance)).toBe(
      'http://127.0.0.1:8042/dicom-web/studies/1.2/series/3.4/instances/5.6',
    );
    expect(parseServiceRoot('http://h:1/dicom-web/')).toBe('http://h:1/dicom-web');
    expect(parseServiceRoot('http://h:1/dicom-web/studies/1.2/series/3.4')).toBe('http://h:1/dicom-web');
    expect(parseStowTarget('http://h/dicom-web/studies/1.2/series/3', '--to')).toEqual({
      root: 'http://h/dicom-web',
      studyInstanceUID: '1.2',
    });
    expect(parseStowTarget('http://h/dicom-web', '--to')).toEqual({ root: 'http://h/dicom-web' });
  });

  it.each([
    ['not a URL', 'pacs/studies/1/series/2', 'is not a URL'],
    ['another scheme', 'ftp://h/studies/1/series/2', 'not an http(s) URL'],
    ['a study only', 'http://h/dicom-web/studies/1.2', 'does not name a DICOMweb series'],
    ['a UID with letters', 'http://h/studies/1.2a/series/3', 'does not name a DICOMweb series'],
    ['a query', 'http://h/studies/1/series/2?x=1', 'has a query or fragment'],
    ['credentials', 'http://u:p@h/studies/1/series/2', 'carries credentials'],
  ])('refuses %s with a usage error that says what a series URL is', (_, url, said) => {
    let error: unknown;
    try {
      parseSeriesUrl(url, '--series');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(said);
    expect((error as UsageError).message).not.toContain(':p@');
  });
});

const item = (uid: string, extra: Record<string, unknown> = {}) => ({
  '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.66.4'] },
  '00081155': { vr: 'UI', Value: [uid] },
  ...extra,
});
const sent = ['1.1', '1.2', '1.3'].map((sopInstanceUID) => ({ sopInstanceUID, bytes: new Uint8Array(4) }));

describe('STOW-RS answers', () => {
  it('tells stored, stored with a warning, failed (with its reason) and unmentioned instances apart', () => {
    const answer = {
      '00081199': {
        vr: 'SQ',
        Value: [item('1.1'), item('1.2', { '00081196': { vr: 'US', Value: [0xb000] } })],
      },
      '00081198': { vr: 'SQ', Value: [item('9.9', { '00081197': { vr: 'US', Value: [0xa700] } })] },
    };
    const result = readStowResponse(202, answer, sent);
    expect(result.instances.map((i) => i.outcome)).toEqual(['stored', 'stored-with-warning', 'failed']);
    expect(result.instances[1].reason).toBe('coercion of data elements (0xB000)');
    expect(result.instances[2].reason).toContain('not acknowledged');
  });

  it('reads a failure answer (409) with FailedSOPSequence reasons', () => {
    const answer = [
      {
        '00081198': {
          vr: 'SQ',
          Value: sent.map((s) => item(s.sopInstanceUID, { '00081197': { vr: 'US', Value: [0x0110] } })),
        },
      },
    ];
    const result = readStowResponse(409, answer, sent);
    expect(result.instances.every((i) => i.outcome === 'failed' && i.reasonCode === 0x0110)).toBe(true);
    expect(result.instances[0].reason).toBe('processing failure (0x0110)');
  });

  it('counts a 200 without a body as stored, and a 400 without a listing as failed', () => {
    expect(readStowResponse(200, undefined, sent).instances.every((i) => i.outcome === 'stored')).toBe(true);
    expect(readStowResponse(400, {}, sent).instances.every((i) => i.outcome === 'failed')).toBe(true);
    expect(reasonText(0x1234)).toBe('reason 0x1234');
  });

  it('writes each file as one application/dicom part of a multipart/related body', async () => {
    const files = [new Uint8Array([1, 2, 3]), new Uint8Array([13, 10, 45, 45])];
    const { body, contentType } = stowRequestBody(
      files.map((bytes, k) => ({ sopInstanceUID: `${k}`, bytes })),
    );
    const boundary = /boundary=(.+)$/.exec(contentType)?.[1] ?? '';
    expect(contentType).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    const text = Buffer.from(await body.arrayBuffer()).toString('latin1');
    const parts = text.split(`--${boundary}`);
    expect(parts).toHaveLength(4);
    expect(parts[3]).toBe('--\r\n');
    expect(parts[1]).toBe('\r\nContent-Type: application/dicom\r\n\r\n\x01\x02\x03\r\n');
    expect(parts[2]).toBe('\r\nContent-Type: application/dicom\r\n\r\n\r\n--\r\n');
  });
});
