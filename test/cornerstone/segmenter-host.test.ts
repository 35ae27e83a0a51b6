/**
 * The worker half of the viewer, run in Node over a MessageChannel with the real classical engine:
 * replies, priorities (a box before queued background encodes), cancellation, composed labelmaps, and
 * SEG export and load with their arrays transferred.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import {
  type SegComposed,
  type SegOnSeries,
  type SegWritten,
  segSeries,
} from '../../src/cornerstone/seg-compose.ts';
import type { SegmentReply, WorkerReply, WorkerRequest } from '../../src/cornerstone/worker/protocol.ts';
import {
  type EncodingsControl,
  type EngineFactories,
  serveSegmenter,
} from '../../src/cornerstone/worker/segmenter-host.ts';
import { segmentFromOrgan } from '../../src/dicom/seg-writer.ts';
import { readSeries } from '../../src/dicom/series.ts';
import type { SliceImage } from '../../src/dicom/slice-image.ts';
import type { Segmenter } from '../../src/model/segmenter.ts';
import { asFiles, smallCtSpec } from '../dicom/synthetic.ts';

/** A 64x64 CT slice: a 200 HU disc in -100 HU fat. */
function disc(): SliceImage {
  const n = 64;
  const values = new Float32Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) values[y * n + x] = (x - 32) ** 2 + (y - 30) ** 2 < 12 ** 2 ? 200 : -100;
  return {
    rows: n,
    columns: n,
    values,
    modality: 'CT',
    photometric: 'MONOCHROME2',
    sopInstanceUID: '1.2.3',
    frame: 0,
    pixelSpacing: [1, 1],
  };
}

class RecordingSegmenter extends ClassicalSegmenter {
  readonly log: string[] = [];
  override async encode(slice: SliceImage): Promise<void> {
    this.log.push(`encode ${slice.sopInstanceUID}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  override async segment(...args: Parameters<Segmenter['segment']>) {
    this.log.push('segment');
    return super.segment(...args);
  }
}

let ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports) p.close();
  ports = [];
});

function start(
  segmenter: RecordingSegmenter,
  encodings?: EncodingsControl,
  model: EngineFactories['model'] = async () => {
    throw new Error('no model in this test');
  },
) {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serveSegmenter(
    {
      postMessage: (m, t) => port2.postMessage(m, t as never),
      addEventListener: (_type, listener) =>
        port2.on('message', (data) => listener({ data } as MessageEvent<WorkerRequest>)),
    },
    {
      classical: async () => segmenter,
      model,
      encodings,
    },
  );
  const replies = new Map<number, WorkerReply>();
  const waiters = new Map<number, (r: WorkerReply) => void>();
  const progress: WorkerReply[] = [];
  port1.on('message', (reply: WorkerReply) => {
    if (reply.type === 'progress') {
      progress.push(reply);
      return;
    }
    replies.set(reply.id, reply);
    waiters.get(reply.id)?.(reply);
  });
  const send = (request: WorkerRequest, transfer: ArrayBuffer[] = []) => {
    const done = new Promise<WorkerReply>((resolve) => waiters.set(request.id, resolve));
    port1.postMessage(request, transfer);
    return done;
  };
  return { send, progress };
}

describe('serveSegmenter', () => {
  it("a model load passes the URL, threads and allowFallbackAdapter to the worker's model factory", async () => {
    const seen: unknown[] = [];
    const segmenter = new RecordingSegmenter();
    const { send } = start(segmenter, undefined, async (url, { threads, allowFallbackAdapter }) => {
      seen.push({ url, threads, allowFallbackAdapter });
      return { segmenter, status: undefined };
    });
    const engine = { kind: 'model', url: 'http://x/m/', allowFallbackAdapter: true } as const;
    expect(await send({ id: 1, type: 'load', engine, threads: 2 })).toMatchObject({ type: 'result' });
    expect(await send({ id: 2, type: 'load', engine: { kind: 'model', url: 'http://x/m/' } })).toMatchObject({
      type: 'result',
    });
    expect(seen).toEqual([
      { url: 'http://x/m/', threads: 2, allowFallbackAdapter: true },
      { url: 'http://x/m/', threads: undefined, allowFallbackAdapter: undefined },
    ]);
  });

  it('remembered encodings: clear, bound and stats reach the store; its notice comes as progress (id 0)', async () => {
    const calls: string[] = [];
    let notify: Parameters<EncodingsControl['onNotice']>[0] = () => undefined;
    const stats = { stored: null, memory: null, encoderRuns: 4, remembered: 2 };
    const { send, progress } = start(new RecordingSegmenter(), {
      clear: async () => {
        calls.push('clear');
        return 3;
      },
      setMaxBytes: async (n) => {
        calls.push(`bound ${n}`);
      },
      stats: async () => stats,
      onNotice: (listener) => {
        notify = listener;
      },
    });
    expect(await send({ id: 1, type: 'configure-encodings', maxBytes: 1234 })).toMatchObject({ value: null });
    expect(await send({ id: 2, type: 'clear-encodings' })).toMatchObject({ value: { removed: 3 } });
    expect(await send({ id: 3, type: 'encodings-stats' })).toMatchObject({ value: stats });
    expect(calls).toEqual(['bound 1234', 'clear']);
    notify({ stage: 'encodings', state: 'memory-only', reason: 'quota', message: 'off' });
    await new Promise((r) => setTimeout(r, 20));
    expect(progress).toEqual([
      {
        id: 0,
        type: 'progress',
        event: { stage: 'encodings', state: 'memory-only', reason: 'quota', message: 'off' },
      },
    ]);
  });

  it('without a store: stats say none, clear removes nothing', async () => {
    const { send } = start(new RecordingSegmenter());
    expect(await send({ id: 1, type: 'encodings-stats' })).toMatchObject({
      value: { stored: null, memory: null, encoderRuns: 0, remembered: 0 },
    });
    expect(await send({ id: 2, type: 'clear-encodings' })).toMatchObject({ value: { removed: 0 } });
    expect(await send({ id: 3, type: 'configure-encodings', maxBytes: 0 })).toMatchObject({ type: 'result' });
  });

  it('estimates the image quality around the box only when the job asks (once per box, not per click)', async () => {
    const { send } = start(new RecordingSegmenter());
    await send({ id: 1, type: 'load', engine: { kind: 'classical' } });
    const box = { x0: 48, y0: 46, x1: 16, y1: 14 };
    const asked = await send({
      id: 2,
      type: 'segment',
      job: { slice: disc(), prompt: { box }, assessQuality: true },
    });
    const value = (asked as { value: SegmentReply }).value;
    // A clean synthetic disc: every measure made, none warns.
    expect(value.imageQuality?.noise.severity).toBe(0);
    expect(value.imageQuality?.warning).toBeUndefined();
    expect(value.timings.quality).toBeGreaterThanOrEqual(0);
    const click = { box, points: [{ x: 32, y: 30, label: 1 as const }] };
    const notAsked = await send({ id: 3, type: 'segment', job: { slice: disc(), prompt: click } });
    expect((notAsked as { value: SegmentReply }).value.imageQuality).toBeUndefined();
  });

  it('runs a box before queued background encodes and composes the mask into the labelmap', async () => {
    const segmenter = new RecordingSegmenter();
    const { send } = start(segmenter);
    const loaded = await send({ id: 1, type: 'load', engine: { kind: 'classical' } });
    expect(loaded.type).toBe('result');
    const slice = disc();
    const background = [2, 3, 4].map((id) =>
      send({ id, type: 'encode', slice: { ...slice, sopInstanceUID: `bg${id}` }, background: true }),
    );
    const before = new Uint8Array(64 * 64);
    before[0] = 9; // another segment, locked
    const reply = await send({
      id: 5,
      type: 'segment',
      job: {
        slice,
        prompt: { box: { x0: 48, y0: 46, x1: 16, y1: 14 } },
        compose: { before, labelValue: 1, lockedLabelValues: [9], previewLabelValue: 255 },
      },
    });
    await Promise.all(background);
    expect(reply.type).toBe('result');
    const value = (reply as { value: SegmentReply }).value;
    // The box came in after three background encodes but ran after at most the one already running.
    expect(segmenter.log.indexOf('segment')).toBeLessThanOrEqual(1);
    expect(value.box).not.toBeNull();
    const area = value.mask.reduce((a, v) => a + v, 0);
    expect(area).toBeGreaterThan(300);
    expect(value.preview!.filter((v) => v === 255).length).toBe(area);
    expect(value.accepted!.filter((v) => v === 1).length).toBe(area);
    expect(value.accepted![0]).toBe(9);
    expect(value.timings.queued).toBeGreaterThanOrEqual(0);
  });

  it('drops queued background encodes on cancel and answers each of them', async () => {
    const segmenter = new RecordingSegmenter();
    const { send } = start(segmenter);
    await send({ id: 1, type: 'load', engine: { kind: 'classical' } });
    const slice = disc();
    const encodes = [2, 3, 4].map((id) =>
      send({ id, type: 'encode', slice: { ...slice, sopInstanceUID: `bg${id}` }, background: true }),
    );
    await send({ id: 5, type: 'cancel-background' });
    const results = await Promise.all(encodes);
    const skipped = results.filter((r) => r.type === 'result' && (r.value as { skipped: boolean }).skipped);
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(segmenter.log.filter((l) => l.startsWith('encode')).length).toBe(3 - skipped.length);
  });

  it('reports engine errors with their code and hint, and work before a load as an error', async () => {
    const { send } = start(new RecordingSegmenter());
    const early = await send({
      id: 1,
      type: 'segment',
      job: { slice: disc(), prompt: { box: { x0: 1, y0: 1, x1: 9, y1: 9 } } },
    });
    expect(early.type).toBe('error');
    expect((early as { error: { code?: string } }).error.code).toBe('no-engine');
    await send({ id: 2, type: 'load', engine: { kind: 'classical' } });
    const bad = await send({
      id: 3,
      type: 'segment',
      job: { slice: disc(), prompt: { box: { x0: 5, y0: 5, x1: 5, y1: 5 } } },
    });
    expect(bad.type).toBe('error');
    expect((bad as { error: { code?: string } }).error.code).toBe('box-zero-area');
  });

  it('writes a SEG from labelmap slices and loads it back into empty ones, without an engine', async () => {
    const { send } = start(new RecordingSegmenter());
    const series = segSeries(readSeries(asFiles(smallCtSpec({}, 3, 8, 8))));
    const pixels = 64;
    // Liver (label 1) on the middle slice only.
    const labelSlices = [0, 1, 2].map((z) => {
      const slice = new Uint8Array(pixels);
      if (z === 1) slice.fill(1, 8, 24);
      return slice;
    });
    const liver = segmentFromOrgan('liver', { type: 'SEMIAUTOMATIC', name: 'RobustMedSAM' });
    const places = labelSlices.map((_, z) => ({ labelSlice: z, labelValue: 1 }));
    const written = await send(
      {
        id: 1,
        type: 'seg-write',
        job: { series, labelSlices, segments: [{ description: liver, places }], writer: {} },
      },
      labelSlices.map((s) => s.buffer),
    );
    expect(written.type).toBe('result');
    // Handed over to the worker, as the viewer does with its copies.
    expect(labelSlices[0].byteLength).toBe(0);
    const { bytes, segmentsWritten } = (written as { value: SegWritten }).value;
    expect(segmentsWritten).toBe(1);

    const read = await send({ id: 2, type: 'seg-read', job: { bytes, name: 'liver.seg.dcm', series } });
    const placed = (read as { value: SegOnSeries }).value;
    expect(placed.segments.map((x) => x.label)).toEqual(['Liver']);
    expect(placed.slices).toEqual([1]);

    const composeReply = await send({
      id: 3,
      type: 'seg-compose',
      job: { masks: placed.masks, slices: [{ index: 1, before: new Uint8Array(pixels), labelValues: [4] }] },
    });
    const composed = (composeReply as { value: SegComposed }).value;
    expect(composed.overlappingPixels).toBe(0);
    expect(composed.slices).toHaveLength(1);
    const { after } = composed.slices[0];
    expect(after.filter((v) => v === 4)).toHaveLength(16);
    expect(Array.from(after.subarray(8, 24))).toEqual(new Array(16).fill(4));

    // An empty segmentation reaches the caller with its code and hint.
    const empty = await send({
      id: 4,
      type: 'seg-write',
      job: {
        series,
        labelSlices: [new Uint8Array(pixels)],
        segments: [{ description: liver, places: places.map((p) => ({ ...p, labelSlice: 0 })) }],
        writer: {},
      },
    });
    expect(empty.type).toBe('error');
    expect((empty as { error: { code?: string; hint?: string } }).error).toMatchObject({
      code: 'empty-segmentation',
      hint: 'Segment something before exporting.',
    });
  });
});
