/**
 * One case of the SEG benchmark, run in its own process by seg-export.bench.ts so that memory
 * measurements do not mix: `node --expose-gc --import tsx bench/seg-export-case.ts CASE`.
 * Prints one JSON line: median time over the runs, peak RSS growth during a run, and whether the
 * result holds exactly the input voxels.
 */
import { Worker } from 'node:worker_threads';
import dcmjs from 'dcmjs';
import { stackPositions, writeImageSeries } from '../src/dicom/image-series-writer.ts';
import type { SeriesLayout } from '../src/dicom/seg-reader.ts';
import { masksForSeries, parseSegmentation } from '../src/dicom/seg-reader.ts';
import { Segmentation, type SegmentationSource, segmentFromOrgan } from '../src/dicom/seg-writer.ts';
import { CT_IMAGE_STORAGE } from '../src/dicom/sop-classes.ts';
import { uidFromSeed } from '../src/dicom/uid.ts';

export const SLICES = 300;
export const SIZE = 512;
const RUNS = 5;
const PIXELS = SIZE * SIZE;
const ORIENTATION: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
const ORGANS = ['liver', 'spleen', 'left kidney'] as const;

/** Three non-overlapping ellipsoids (liver, spleen, kidney) over parts of the 300 slices. */
function organMasks(): Uint8Array[] {
  const shapes = [
    { cx: 180, cy: 260, rx: 110, ry: 90, z0: 40, z1: 200 },
    { cx: 380, cy: 230, rx: 50, ry: 60, z0: 90, z1: 190 },
    { cx: 360, cy: 340, rx: 35, ry: 45, z0: 150, z1: 260 },
  ];
  return shapes.map(({ cx, cy, rx, ry, z0, z1 }) => {
    const mask = new Uint8Array(SLICES * PIXELS);
    for (let z = z0; z <= z1; z++) {
      const t = (2 * (z - z0)) / (z1 - z0) - 1;
      const scale = Math.sqrt(Math.max(0, 1 - t * t));
      for (let y = 0; y < SIZE; y++)
        for (let x = 0; x < SIZE; x++)
          if (((x - cx) / (rx * scale + 1e-9)) ** 2 + ((y - cy) / (ry * scale + 1e-9)) ** 2 <= 1)
            mask[z * PIXELS + y * SIZE + x] = 1;
    }
    return mask;
  });
}

function source(): SegmentationSource & SeriesLayout {
  const positions = stackPositions([-200, -200, -300], ORIENTATION, 1, SLICES);
  return {
    seriesInstanceUID: uidFromSeed('bench/series'),
    frameOfReferenceUID: uidFromSeed('bench/for'),
    patient: { patientName: 'Bench^Mark', patientID: 'B1', patientBirthDate: '', patientSex: 'O' },
    study: {
      studyInstanceUID: uidFromSeed('bench/study'),
      studyDate: '20240101',
      studyTime: '120000',
      studyID: '1',
      accessionNumber: '',
      referringPhysicianName: '',
      studyDescription: 'SEG benchmark',
    },
    geometry: {
      rows: SIZE,
      columns: SIZE,
      pixelSpacing: [0.78, 0.78],
      orientation: ORIENTATION,
      normal: [0, 0, 1],
      sliceThickness: 1,
      spacingBetweenSlices: 1,
    },
    slices: positions.map((p, z) => ({
      sopClassUID: CT_IMAGE_STORAGE,
      sopInstanceUID: uidFromSeed(`bench/sop/${z}`),
      imagePositionPatient: p,
      positionAlongNormal: p[2],
    })),
  };
}

function segments() {
  return ORGANS.map((o) =>
    segmentFromOrgan(o, { type: 'SEMIAUTOMATIC', name: 'RobustMedSAM', version: '1.0.0' }),
  );
}

function writeOurs(masks: Uint8Array[], src: SegmentationSource): Uint8Array {
  return new Segmentation({ source: src, segments: segments(), masks }).toBytes();
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
  const written = writeImageSeries({
    modality: 'CT',
    patient: src.patient,
    study: src.study,
    frameOfReferenceUID: src.frameOfReferenceUID,
    seriesInstanceUID: src.seriesInstanceUID,
    sopInstanceUIDs: src.slices.map((s) => s.sopInstanceUID),
    geometry: {
      ...src.geometry,
      positions: src.slices.map((s) => s.imagePositionPatient),
      sliceThickness: 1,
    },
    stored: { data: Array.from({ length: SLICES }, () => new Int16Array(PIXELS)), slope: 1, intercept: 0 },
    seriesDescription: 'bench',
    seriesNumber: 1,
  });
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
    ...segments().map((s, k) => ({
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
  const src = source();
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
