/**
 * One case of the SEG benchmark, run in its own process by seg-export.bench.ts so that memory
 * measurements do not mix: `node --expose-gc --import tsx bench/seg-export-case.ts CASE`.
 * Prints one JSON line: median time over the runs, peak RSS growth during a run, and whether the
 * result holds exactly the input voxels.
 */
import { Worker } from 'node:worker_threads';
import dcmjs from 'dcmjs';
import { masksForSeries, parseSegmentation } from '../src/dicom/seg-reader.ts';
import { Segmentation, type SegmentationSource } from '../src/dicom/seg-writer.ts';
import {
  largeSeriesImages,
  largeSeriesSegments,
  largeSeriesSource,
  organMasks,
  PIXELS,
  SIZE,
  SLICES,
} from './large-series.ts';

const RUNS = 5;

function writeOurs(masks: Uint8Array[], src: SegmentationSource): Uint8Array {
  return new Segmentation({ source: src, segments: largeSeriesSegments(), masks }).toBytes();
}

function sameMasks(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    if (a[k].length !== b[k].length) return false;
    for (let i = 0; i < a[k].length; i++) if ((a[k][i] !== 0) !== (b[k][i] !== 0)) return false;
  }
  return true;
}

/** A thread that samples the process RSS every 2 ms while the main thread is busy. */
function rssSampler() {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let peak = 0;
     setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 2);
     parentPort.on('message', (m) => {
       if (m === 'reset') peak = process.memoryUsage.rss();
       parentPort.postMessage(peak);
     });`,
    { eval: true },
  );
  const ask = (m: string) =>
    new Promise<number>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(m);
    });
  return { reset: () => ask('reset'), read: () => ask('read'), stop: () => worker.terminate() };
}

/**
 * Runs `run` RUNS times; returns the median wall time, the median CPU time of the process (user +
 * system: robust against other work on a shared machine, though it includes GC threads), and the
 * highest RSS growth during a run.
 */
async function measure(
  run: () => unknown,
): Promise<{ ms: number; cpuMs: number; peakMiB: number; result: unknown }> {
  const sampler = rssSampler();
  const times: number[] = [];
  const cpu: number[] = [];
  let peak = 0;
  let result: unknown;
  for (let r = 0; r < RUNS; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const base = await sampler.reset();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = run();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    peak = Math.max(peak, (await sampler.read()) - base);
  }
  await sampler.stop();
  console.error(
    `runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms wall, ${cpu.map((t) => t.toFixed(0)).join(', ')} ms CPU`,
  );
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return { ms: median(times), cpuMs: median(cpu), peakMiB: peak / 2 ** 20, result };
}

/** dcmjs' Cornerstone (tools v4) adapter inputs: one Part 10 file per slice and a Labelmap3D. */
function dcmjsInputs(masks: Uint8Array[], src: SegmentationSource) {
  const written = largeSeriesImages(src);
  const images = written.map((w, z) => ({ imageId: `bench:${z}`, data: { byteArray: w.bytes } }));
  const labelmaps2D = Array.from({ length: SLICES }, (_, z) => {
    const pixelData = new Uint16Array(PIXELS);
    const segmentsOnLabelmap: number[] = [];
    masks.forEach((m, k) => {
      let any = false;
      for (let i = 0; i < PIXELS; i++)
        if (m[z * PIXELS + i]) {
          pixelData[i] = k + 1;
          any = true;
        }
      if (any) segmentsOnLabelmap.push(k + 1);
    });
    return { pixelData, segmentsOnLabelmap };
  });
  const metadata = [
    undefined,
    ...largeSeriesSegments().map((s, k) => ({
      SegmentNumber: k + 1,
      SegmentLabel: s.label,
      SegmentAlgorithmType: s.algorithmType,
      SegmentAlgorithmName: s.algorithmName,
      SegmentedPropertyCategoryCodeSequence: {
        CodeValue: s.codes.category.value,
        CodingSchemeDesignator: s.codes.category.scheme,
        CodeMeaning: s.codes.category.meaning,
      },
      SegmentedPropertyTypeCodeSequence: {
        CodeValue: s.codes.type.value,
        CodingSchemeDesignator: s.codes.type.scheme,
        CodeMeaning: s.codes.type.meaning,
      },
      RecommendedDisplayCIELabValue: [40000, 30000, 30000],
    })),
  ];
  // The adapter's normaliser re-sorts the images into descending position along the normal but
  // keeps the labelmaps in the order given, so ascending input (our series order) puts every frame
  // on the mirrored slice. Give it the order it assumes, so that it is timed producing a correct SEG.
  images.reverse();
  labelmaps2D.reverse();
  return { images, labelmap3D: { labelmaps2D, metadata } };
}

/** A Cornerstone-style metadata provider over the synthetic series, for dcmjs' importer. */
function metadataProvider(src: SegmentationSource) {
  const index = (imageId: string) => Number(imageId.split(':')[1]);
  return {
    get(type: string, imageId: string) {
      const s = src.slices[index(imageId)];
      switch (type) {
        case 'imagePlaneModule':
          return {
            rowCosines: [1, 0, 0],
            columnCosines: [0, 1, 0],
            imagePositionPatient: s.imagePositionPatient,
            rows: SIZE,
            columns: SIZE,
            frameOfReferenceUID: src.frameOfReferenceUID,
            rowPixelSpacing: 0.78,
            columnPixelSpacing: 0.78,
          };
        case 'generalSeriesModule':
          return { seriesInstanceUID: src.seriesInstanceUID };
        case 'sopCommonModule':
          return { sopInstanceUID: s.sopInstanceUID, sopClassUID: s.sopClassUID };
        case 'imagePixelModule':
          return { rows: SIZE, columns: SIZE };
        case 'instance':
          return { SOPInstanceUID: s.sopInstanceUID, FrameOfReferenceUID: src.frameOfReferenceUID };
        default:
          return undefined;
      }
    },
  };
}

async function main(which: string): Promise<Record<string, unknown>> {
  const masks = organMasks();
  const src = largeSeriesSource();
  const voxels = masks.reduce((n, m) => n + m.reduce((a, b) => a + b, 0), 0);
  switch (which) {
    case 'ours-export': {
      const m = await measure(() => writeOurs(masks, src));
      const bytes = m.result as Uint8Array;
      const ok = sameMasks(masksForSeries(parseSegmentation(bytes, 'ours'), src).masks, masks);
      return { ms: m.ms, cpuMs: m.cpuMs, peakMiB: m.peakMiB, bytes: bytes.length, voxels, exact: ok };
    }
    case 'ours-import': {
      const bytes = writeOurs(masks, src);
      const m = await measure(() => masksForSeries(parseSegmentation(bytes, 'seg'), src).masks);
      return {
        ms: m.ms,
        cpuMs: m.cpuMs,
        peakMiB: m.peakMiB,
        bytes: bytes.length,
        voxels,
        exact: sameMasks(m.result as Uint8Array[], masks),
      };
    }
    case 'dcmjs-export':
    case 'dcmjs-export-rle': {
      const { images, labelmap3D } = dcmjsInputs(masks, src);
      const { Segmentation: Adapter } = dcmjs.adapters.Cornerstone;
      // rleEncode is the adapter's default; without it, it writes a bit-packed BINARY SEG like ours.
      const rleEncode = which === 'dcmjs-export-rle';
      const m = await measure(() =>
        Adapter.generateSegmentation(images, labelmap3D, { includeSliceSpacing: true, rleEncode }),
      );
      const bytes = new Uint8Array(await (m.result as Blob).arrayBuffer());
      let exact: boolean | string;
      let type = '';
      try {
        const parsed = parseSegmentation(bytes, 'dcmjs');
        type = parsed.segmentationType;
        exact = sameMasks(masksForSeries(parsed, src).masks, masks);
      } catch (error) {
        exact = `unreadable: ${(error as Error).message}`;
      }
      return { ms: m.ms, cpuMs: m.cpuMs, peakMiB: m.peakMiB, bytes: bytes.length, voxels, exact, type };
    }
    case 'dcmjs-import': {
      const bytes = writeOurs(masks, src);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const imageIds = src.slices.map((_, z) => `bench:${z}`);
      const { Segmentation: Adapter } = dcmjs.adapters.Cornerstone;
      const provider = metadataProvider(src);
      const m = await measure(() => Adapter.generateToolState(imageIds, buffer, provider));
      const state = m.result as { labelmapBufferArray: ArrayBuffer[] };
      const labels = new Uint16Array(state.labelmapBufferArray[0]);
      const back = masks.map((_, k) => {
        const mask = new Uint8Array(labels.length);
        for (let i = 0; i < labels.length; i++) if (labels[i] === k + 1) mask[i] = 1;
        return mask;
      });
      return {
        ms: m.ms,
        cpuMs: m.cpuMs,
        peakMiB: m.peakMiB,
        bytes: bytes.length,
        voxels,
        exact: sameMasks(back, masks),
      };
    }
    default:
      throw new Error(`unknown case ${which}`);
  }
}

if (process.argv[2]) {
  dcmjs.log.setLevel('error');
  const out = await main(process.argv[2]);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
