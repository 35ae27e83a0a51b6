/**
 * DICOMweb against a local Orthanc (Debian's, with its DICOMweb plugin, started here on loopback):
 * a 300-slice 512x512 CT read with our client's WADO-RS (series metadata, then each instance as Part
 * 10, 4 requests at a time: what `--series URL` does), beside Orthanc's own REST download of the same
 * instances (`/instances/{id}/file`, same concurrency); and the STOW-RS of its 300-frame SEG (with the
 * QIDO-RS confirmation our client makes) beside Orthanc's REST upload of the same file.
 */

import { orthancInstalled, startOrthanc } from '../extension/pacs/orthanc.ts';
import { DicomWebClient } from '../src/dicom/dicomweb/client.ts';
import { parseSegmentation } from '../src/dicom/seg-reader.ts';
import { Segmentation } from '../src/dicom/seg-writer.ts';
import { readSeries } from '../src/dicom/series.ts';
import {
  largeSeriesImages,
  largeSeriesSegments,
  largeSeriesSource,
  organMasks,
  PIXELS,
  SLICES,
} from './large-series.ts';
import type { BenchReport } from './report.ts';

const RUNS = 3;
const CONCURRENCY = 4;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Fetches `count` things `concurrency` at a time; returns ms to the first and to the last. */
async function timedParallel(
  count: number,
  fetchOne: (k: number) => Promise<number>,
): Promise<{ first: number; all: number; bytes: number }> {
  const t0 = performance.now();
  let first = 0;
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      bytes += await fetchOne(next++);
      if (!first) first = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { first, all: performance.now() - t0, bytes };
}

export default async function (): Promise<BenchReport> {
  const title = `DICOMweb with a local Orthanc: ${SLICES}-slice 512x512 CT read, its SEG stored`;
  const columns = ['operation', 'path', 'first image ms (median)', 'whole ms (median)', 'MB', 'MB/s'];
  if (!orthancInstalled()) {
    return {
      title,
      columns,
      rows: [],
      notes: [
        'not measured: Orthanc and its DICOMweb plugin are not installed (apt-get install orthanc orthanc-dicomweb)',
      ],
    };
  }
  const src = largeSeriesSource();
  // Not blank images: a gradient plus the slice index, so the files are like real ones in size (512 KiB).
  const images = largeSeriesImages(src, (z) => {
    const pixels = new Int16Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) pixels[i] = ((i * 7 + z * 13) % 2000) - 1000;
    return pixels;
  });
  const segBytes = new Segmentation({
    source: src,
    segments: largeSeriesSegments(),
    masks: organMasks(),
  }).toBytes();
  const pacs = await startOrthanc();
  const rows: BenchReport['rows'] = [];
  try {
    const seedStart = performance.now();
    await pacs.seed(images.map((i) => i.bytes));
    const seedMs = performance.now() - seedStart;
    const ref = {
      root: pacs.dicomWebRoot,
      studyInstanceUID: src.study.studyInstanceUID,
      seriesInstanceUID: src.seriesInstanceUID,
    };
    const client = new DicomWebClient({ root: pacs.dicomWebRoot });

    // WADO-RS, as the CLI reads a series: metadata, then instances.
    const wado = {
      first: [] as number[],
      all: [] as number[],
      parse: [] as number[],
      metadata: [] as number[],
      bytes: 0,
    };
    for (let r = 0; r < RUNS; r++) {
      const m0 = performance.now();
      await client.seriesMetadata(ref);
      wado.metadata.push(performance.now() - m0);
      const t0 = performance.now();
      let first = 0;
      const files = await client.retrieveSeries(ref, {
        concurrency: CONCURRENCY,
        onProgress: ({ done }) => {
          if (done === 1 && !first) first = performance.now() - t0;
        },
      });
      wado.all.push(performance.now() - t0);
      wado.first.push(first);
      wado.bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
      const p0 = performance.now();
      const series = readSeries(files);
      wado.parse.push(performance.now() - p0);
      if (series.slices.length !== SLICES)
        throw new Error(`read ${series.slices.length} slices, not ${SLICES}`);
    }
    const mb = wado.bytes / 1e6;
    rows.push({
      operation: 'read series',
      path: 'our client: WADO-RS metadata + Part 10 instances',
      'first image ms (median)': median(wado.first),
      'whole ms (median)': median(wado.all),
      MB: mb,
      'MB/s': mb / (median(wado.all) / 1000),
    });

    // Orthanc's own REST API: the instance list, then each file.
    const rest = { first: [] as number[], all: [] as number[] };
    const seriesId = (
      (await (
        await pacs.rest('/tools/lookup', { method: 'POST', body: src.seriesInstanceUID })
      ).json()) as Array<{ ID: string }>
    )[0].ID;
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      const ids = ((await (await pacs.rest(`/series/${seriesId}`)).json()) as { Instances: string[] })
        .Instances;
      const timed = await timedParallel(
        ids.length,
        async (k) => (await (await pacs.rest(`/instances/${ids[k]}/file`)).arrayBuffer()).byteLength,
      );
      rest.first.push(performance.now() - t0 - (timed.all - timed.first));
      rest.all.push(performance.now() - t0);
    }
    rows.push({
      operation: 'read series',
      path: 'Orthanc REST: /series/{id} + /instances/{id}/file',
      'first image ms (median)': median(rest.first),
      'whole ms (median)': median(rest.all),
      MB: mb,
      'MB/s': mb / (median(rest.all) / 1000),
    });

    // STOW-RS of the SEG (then removed, so each run stores anew), beside Orthanc's REST upload.
    const segMb = segBytes.byteLength / 1e6;
    const stow: number[] = [];
    const upload: number[] = [];
    const remove = async () => {
      const found = (await (
        await pacs.rest('/tools/find', {
          method: 'POST',
          body: JSON.stringify({ Level: 'Instance', Query: { Modality: 'SEG' } }),
        })
      ).json()) as string[];
      for (const id of found) await pacs.rest(`/instances/${id}`, { method: 'DELETE' });
    };
    const seg = parseSegmentation(segBytes, 'bench SEG');
    for (let r = 0; r < RUNS; r++) {
      await remove();
      const t0 = performance.now();
      const result = await client.store([
        {
          sopInstanceUID: seg.sopInstanceUID,
          studyInstanceUID: seg.studyInstanceUID,
          seriesInstanceUID: seg.seriesInstanceUID,
          bytes: segBytes,
        },
      ]);
      stow.push(performance.now() - t0);
      if (result.instances[0].outcome !== 'stored') throw new Error(`STOW: ${result.instances[0].reason}`);
      await remove();
      const t1 = performance.now();
      const response = await pacs.rest('/instances', {
        method: 'POST',
        body: segBytes as Uint8Array<ArrayBuffer>,
      });
      await response.arrayBuffer();
      upload.push(performance.now() - t1);
      if (!response.ok) throw new Error(`REST upload: ${response.status}`);
    }
    rows.push({
      operation: `store SEG (${seg.frames.length} frames)`,
      path: 'our client: STOW-RS + QIDO-RS confirmation',
      'first image ms (median)': '',
      'whole ms (median)': median(stow),
      MB: segMb,
      'MB/s': segMb / (median(stow) / 1000),
    });
    rows.push({
      operation: `store SEG (${seg.frames.length} frames)`,
      path: 'Orthanc REST: POST /instances',
      'first image ms (median)': '',
      'whole ms (median)': median(upload),
      MB: segMb,
      'MB/s': segMb / (median(upload) / 1000),
    });

    return {
      title,
      columns,
      rows,
      notes: [
        `${SLICES} CT images of 512x512 int16 (Explicit VR Little Endian, ${(wado.bytes / SLICES / 1024).toFixed(0)} KiB each), seeded through Orthanc's REST API in ${(seedMs / 1000).toFixed(1)} s; Orthanc 1.10 with DICOMweb plugin 1.7 (Debian bookworm) on loopback, its default SQLite index and file storage.`,
        `Medians of ${RUNS} runs, ${CONCURRENCY} requests at a time for both reads. "first image": from the first request (metadata for WADO-RS, the instance list for REST) until the first instance's bytes are in.`,
        `Of WADO-RS's time to the first image, the series metadata request alone takes ${median(wado.metadata).toFixed(0)} ms (median): Orthanc's DICOMweb plugin 1.7 builds it from every stored file on each request.`,
        `Parsing the ${SLICES} downloaded files into a sorted series (readSeries, same as from a folder) took ${median(wado.parse).toFixed(0)} ms more (median), not counted above.`,
        'The SEG is the 3-segment, 300-slice BINARY SEG of the SEG benchmark; the STOW time includes the QIDO-RS lookup that confirms the server kept it.',
        'Shared 2-core machine: Orthanc and the client share the cores, so the figures are what a workstation with the PACS on the same machine sees, not a network figure.',
      ],
    };
  } finally {
    await pacs.stop();
  }
}
