/**
 * The large case the SEG and DICOMweb benchmarks share: a 300-slice 512x512 CT stack (synthetic
 * geometry, fixed UIDs), three organ masks over parts of it, their segment descriptions, and the
 * stack written as Part 10 CT images.
 */
import { stackPositions, type WrittenInstance, writeImageSeries } from '../src/dicom/image-series-writer.ts';
import type { SeriesLayout } from '../src/dicom/seg-reader.ts';
import { type SegmentationSource, segmentFromOrgan } from '../src/dicom/seg-writer.ts';
import { CT_IMAGE_STORAGE } from '../src/dicom/sop-classes.ts';
import { uidFromSeed } from '../src/dicom/uid.ts';

export const SLICES = 300;
export const SIZE = 512;
export const PIXELS = SIZE * SIZE;
const ORIENTATION: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
const ORGANS = ['liver', 'spleen', 'left kidney'] as const;

/** Three non-overlapping ellipsoids (liver, spleen, kidney) over parts of the 300 slices. */
export function organMasks(): Uint8Array[] {
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

export function largeSeriesSource(): SegmentationSource & SeriesLayout {
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

export function largeSeriesSegments() {
  return ORGANS.map((o) =>
    segmentFromOrgan(o, { type: 'SEMIAUTOMATIC', name: 'RobustMedSAM', version: '1.0.0' }),
  );
}

/** The stack as Part 10 CT images (pixel values `pixel(z)`, default all 0), one per slice. */
export function largeSeriesImages(
  src: SegmentationSource,
  pixel: (z: number) => Int16Array = () => new Int16Array(PIXELS),
): WrittenInstance[] {
  return writeImageSeries({
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
    stored: { data: Array.from({ length: SLICES }, (_, z) => pixel(z)), slope: 1, intercept: 0 },
    seriesDescription: 'bench',
    seriesNumber: 1,
  });
}
