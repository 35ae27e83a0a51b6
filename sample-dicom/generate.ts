/**
 * Regenerates the bundled synthetic studies: `npx tsx sample-dicom/generate.ts` (or `npm run samples`).
 * Deterministic: fixed seeds, fixed UIDs (uidFromSeed) and a fixed creation date, so running it again
 * reproduces the committed pixels, UIDs and masks. Writes, for each phantom, a DICOM image series in a
 * folder and its ground truth as a DICOM SEG beside the folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { organ } from '../src/dicom/codes.ts';
import type { Orientation } from '../src/dicom/geometry.ts';
import { stackPositions, writeImageSeries } from '../src/dicom/image-series-writer.ts';
import { Segmentation, type SegmentDescription } from '../src/dicom/seg-writer.ts';
import { readSeries } from '../src/dicom/series.ts';
import { SAMPLES, type Sample, sampleImageUid, sampleUid } from './samples.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const CREATED = new Date('2026-11-28T12:00:00Z');
const AXIAL: Orientation = [1, 0, 0, 0, 1, 0];

/**
 * Re-encodes one image file as RLE Lossless (PS3.5 annex G), in place, with DCMTK's dcmcrle. Why RLE:
 * the pixels are noise-dominated, so any lossless codec gets ~4x on the CT (525 -> 128 KB a slice,
 * the same as Deflated Explicit VR LE), and RLE is the lossless syntax every consumer here decodes
 * natively (src/dicom/rle.ts, Cornerstone's dicom-image-loader, pydicom, dciodvfy), whereas Deflated
 * needs an inflater hook in the browser and dciodvfy cannot read it. Pixel values and UIDs are unchanged.
 */
function compressRle(path: string): void {
  const temporary = `${path}.rle`;
  try {
    execFileSync('dcmcrle', ['--uid-never', path, temporary], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new Error(
      `dcmcrle (DCMTK) failed on ${path}; the generator needs DCMTK (Debian package dcmtk): ${String(error)}`,
    );
  }
  renameSync(temporary, path);
}

function generate(sample: Sample): void {
  const started = Date.now();
  const phantom = sample.define();
  const { rows, columns, slices } = phantom;
  const pixels = rows * columns;
  const rendered = Array.from({ length: slices }, (_, k) => phantom.renderSlice(k));
  const uid = (what: string) => sampleUid(sample.name, what);
  const patient = {
    patientName: sample.patientName,
    patientID: sample.patientID,
    patientBirthDate: '',
    patientSex: 'O',
  };
  const study = {
    studyInstanceUID: uid('study'),
    studyDate: '20261128',
    studyTime: '120000',
    studyID: '1',
    accessionNumber: '',
    referringPhysicianName: '',
    studyDescription: sample.studyDescription,
  };
  const frameOfReferenceUID = uid('frame of reference');
  // Slice 0 is the most superior (head-first supine, z falls towards the feet).
  const origin: [number, number, number] = [
    (-(columns - 1) / 2) * phantom.pixelSpacing[1],
    (-(rows - 1) / 2) * phantom.pixelSpacing[0],
    0,
  ];
  const instances = writeImageSeries({
    modality: phantom.modality,
    patient,
    study,
    frameOfReferenceUID,
    geometry: {
      rows,
      columns,
      pixelSpacing: phantom.pixelSpacing,
      orientation: AXIAL,
      positions: stackPositions(origin, AXIAL, -phantom.sliceThickness, slices),
      sliceThickness: phantom.sliceThickness,
    },
    stored: {
      data: rendered.map((slice) => slice.values),
      slope: 1,
      intercept: 0,
    },
    seriesDescription: phantom.description,
    seriesNumber: 1,
    seriesInstanceUID: uid('series'),
    sopInstanceUIDs: Array.from({ length: slices }, (_, k) => sampleImageUid(sample.name, k)),
    acquisition: sample.acquisition,
    createdAt: CREATED,
  });

  const folder = join(HERE, sample.name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const files = instances.map((instance) => {
    const name = `${phantom.modality}${String(instance.index + 1).padStart(4, '0')}.dcm`;
    const path = join(folder, name);
    writeFileSync(path, instance.bytes);
    compressRle(path);
    return { name, bytes: new Uint8Array(readFileSync(path)) };
  });

  // The SEG refers to the series as a reader sees it (sorted along the normal): read it back.
  const series = readSeries(files);
  const phantomIndex = new Map(instances.map((instance) => [instance.sopInstanceUID, instance.index]));
  const masks = phantom.structures.map((_, s) => {
    const mask = new Uint8Array(slices * pixels);
    series.slices.forEach((slice, z) => {
      const k = phantomIndex.get(slice.sopInstanceUID)!;
      const labels = rendered[k].labels;
      for (let i = 0; i < pixels; i++) mask[z * pixels + i] = (labels[i] >> s) & 1;
    });
    return mask;
  });
  const segments: SegmentDescription[] = phantom.structures.map((structure) => {
    const entry = structure.organ ? organ(structure.organ) : undefined;
    const codes = structure.codes ?? entry;
    if (!codes) throw new Error(`no codes for ${structure.label}`);
    return {
      label: structure.label,
      codes: { category: codes.category, type: codes.type, typeModifier: codes.typeModifier },
      algorithmType: 'MANUAL',
      description: 'Ground truth: the phantom geometry (pixels at least half inside the structure)',
      color: entry?.color,
    };
  });
  const seg = new Segmentation({
    source: series,
    segments,
    masks,
    contentLabel: 'GROUND_TRUTH',
    contentDescription: `Ground truth of the ${sample.studyDescription.toLowerCase()}`,
    contentCreatorName: 'PHANTOM^GENERATOR',
    seriesDescription: 'Ground truth (phantom geometry)',
    seriesNumber: 100,
    seriesInstanceUID: uid('truth series'),
    sopInstanceUID: uid('truth instance'),
    createdAt: CREATED,
  });
  const segPath = join(HERE, `${sample.name}-truth.seg.dcm`);
  writeFileSync(segPath, seg.toBytes());

  const seriesBytes = files.reduce((sum, f) => sum + f.bytes.byteLength, 0);
  console.log(
    `${sample.name}: ${slices} slices ${columns}x${rows} -> ${folder} (${(seriesBytes / 2 ** 20).toFixed(2)} MiB), ` +
      `truth ${segPath} (${seg.frameCount} frames), ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

const wanted = process.argv.slice(2);
for (const sample of SAMPLES) if (wanted.length === 0 || wanted.includes(sample.name)) generate(sample);
// Keep the folder tidy: report anything unexpected left from older layouts.
const known = new Set([
  'README.md',
  'generate.ts',
  'samples.ts',
  'phantom',
  ...SAMPLES.flatMap((s) => [s.name, `${s.name}-truth.seg.dcm`]),
]);
for (const entry of readdirSync(HERE))
  if (!known.has(entry)) console.warn(`note: unexpected ${join(HERE, entry)}`);
