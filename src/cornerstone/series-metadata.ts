/**
 * The SegSeries (what SEG export and load need) of a list of Cornerstone image ids, read from
 * Cornerstone's metadata providers instead of DICOM files: in OHIF images come from DICOMweb and the
 * host only has image ids. Both Cornerstone v5's own providers (the dicom-image-loader registers
 * @cornerstonejs/metadata's, which naturalise the whole dataset) and OHIF's answer the `instance`
 * module with the naturalised attributes of one image, the frame's functional groups merged in for
 * a frame of a multi-frame image. The standard modules (`generalStudyModule`, `patientModule`, ...)
 * lack StudyID, ReferringPhysicianName and the de-identification attributes a SEG repeats, so
 * `instance` is the one source here, read with src/dicom's accessors exactly as readSeries reads a
 * file: the SEG written is the one the file-based path writes.
 */
import { type DicomDataset, number, numbers, text } from '../dicom/dataset.ts';
import {
  checkOneStack,
  checkStackSpacing,
  dot,
  type Orientation,
  sliceNormal,
  type Vec3,
} from '../dicom/geometry.ts';
import { INHERITED_KEYWORDS, patientOf, studyOf } from '../dicom/series.ts';
import { DicomError, InputError } from '../errors.ts';
import { core } from './libraries.ts';
import type { SegSeries } from './seg-compose.ts';
import { frameFromImageId } from './slice-from-image.ts';

export interface SeriesFromMetadata {
  /** Slices sorted along the normal, ascending, as src/dicom sorts a series read from files. */
  series: SegSeries;
  /** The image ids in `series.slices` order. */
  imageIds: string[];
}

/** Where one image sits and what it is, from its metadata. */
interface ImageSlice {
  imageId: string;
  instance: DicomDataset;
  sopClassUID: string;
  sopInstanceUID: string;
  frame: number;
  rows: number;
  columns: number;
  pixelSpacing: [number, number];
  orientation: Orientation;
  imagePositionPatient: Vec3;
  positionAlongNormal: number;
}

const METADATA_HINT =
  'SEG export and load read each image from Cornerstone metadata: load the images (or add their ' +
  'DICOMweb metadata) first, with a metadata provider that answers the "instance" module.';

function instanceOf(imageId: string): DicomDataset {
  const instance: unknown = core().metaData.get('instance', imageId);
  if (!instance || typeof instance !== 'object') {
    throw new InputError(
      'missing-image-metadata',
      `Cornerstone has no metadata ("instance") for image ${imageId}.`,
      METADATA_HINT,
    );
  }
  return instance as DicomDataset;
}

function missing(keyword: string, imageId: string): DicomError {
  return new DicomError(
    'missing-attribute',
    `Image ${imageId} has no ${keyword} in its metadata.`,
    'Only CT and MR images with full patient geometry and identity can have a SEG; if the image has it, ' +
      'the metadata provider leaves it out of the "instance" module (it must give every attribute).',
  );
}

function requiredText(instance: DicomDataset, keyword: string, imageId: string): string {
  const value = text(instance, keyword);
  if (!value) throw missing(keyword, imageId);
  return value;
}

function requiredNumbers(instance: DicomDataset, keyword: string, count: number, imageId: string): number[] {
  const values = numbers(instance, keyword);
  if (values?.length !== count) throw missing(keyword, imageId);
  return values;
}

function readImage(imageId: string): ImageSlice {
  const instance = instanceOf(imageId);
  const rows = number(instance, 'Rows');
  const columns = number(instance, 'Columns');
  if (!rows) throw missing('Rows', imageId);
  if (!columns) throw missing('Columns', imageId);
  const orientation = requiredNumbers(instance, 'ImageOrientationPatient', 6, imageId) as Orientation;
  const imagePositionPatient = requiredNumbers(instance, 'ImagePositionPatient', 3, imageId) as Vec3;
  const [rowSpacing, columnSpacing] = requiredNumbers(instance, 'PixelSpacing', 2, imageId);
  return {
    imageId,
    instance,
    sopClassUID: requiredText(instance, 'SOPClassUID', imageId),
    sopInstanceUID: requiredText(instance, 'SOPInstanceUID', imageId),
    frame: frameFromImageId(imageId),
    rows,
    columns,
    pixelSpacing: [rowSpacing, columnSpacing],
    orientation,
    imagePositionPatient,
    positionAlongNormal: dot(imagePositionPatient, sliceNormal(orientation)),
  };
}

/** One series, study, frame of reference and modality, or an error naming two images that differ. */
function checkOneSeries(images: ImageSlice[]): void {
  const first = images[0];
  for (const keyword of ['SeriesInstanceUID', 'StudyInstanceUID', 'FrameOfReferenceUID', 'Modality']) {
    const expected = requiredText(first.instance, keyword, first.imageId);
    for (const image of images) {
      const value = requiredText(image.instance, keyword, image.imageId);
      if (value === expected) continue;
      throw new DicomError(
        keyword === 'SeriesInstanceUID' ? 'multiple-series' : 'inconsistent-series',
        `Image ${image.imageId} has ${keyword} ${value}, image ${first.imageId} has ${expected}.`,
        'A SEG refers to the images of one series: pass the image ids of one display set only.',
      );
    }
  }
}

/**
 * An attribute as src/dicom's reader holds it (dcmjs' naturalised form): a single value unwrapped
 * from its array, as dcmjs does, where Cornerstone keeps attributes that may hold several values as
 * arrays (ConvolutionKernel ["STANDARD"]).
 */
function asReadFromFile(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

/**
 * The SegSeries of the images `imageIds` (any order) from Cornerstone's metadata, and the image ids
 * in its slice order. Refuses images without metadata or geometry, images of several series and
 * images that are not one stack of parallel slices at distinct positions.
 */
export function segSeriesFromMetadata(imageIds: readonly string[]): SeriesFromMetadata {
  if (imageIds.length === 0) {
    throw new InputError('empty-series', 'No images were given for the SEG.', 'Show a series first.');
  }
  const images = imageIds.map(readImage);
  checkOneSeries(images);
  checkOneStack(images.map((i) => ({ ...i, name: `Image ${i.imageId}` })));
  images.sort((a, b) => a.positionAlongNormal - b.positionAlongNormal);
  const spacing = checkStackSpacing(
    images.map((i) => i.positionAlongNormal),
    images.map((i) => `image ${i.imageId}`),
  );
  const { instance: first, rows, columns, pixelSpacing, orientation } = images[0];
  const inherited: DicomDataset = {};
  for (const keyword of INHERITED_KEYWORDS) {
    const value = first[keyword];
    if (value !== undefined && value !== null) inherited[keyword] = asReadFromFile(value);
  }
  return {
    series: {
      seriesInstanceUID: text(first, 'SeriesInstanceUID'),
      frameOfReferenceUID: text(first, 'FrameOfReferenceUID'),
      patient: patientOf(first),
      study: studyOf(first),
      geometry: {
        rows,
        columns,
        pixelSpacing,
        orientation,
        normal: sliceNormal(orientation),
        sliceThickness: number(first, 'SliceThickness'),
        spacingBetweenSlices: spacing.spacing,
      },
      slices: images.map((i) => ({
        sopClassUID: i.sopClassUID,
        sopInstanceUID: i.sopInstanceUID,
        frame: i.frame,
        imagePositionPatient: i.imagePositionPatient,
        positionAlongNormal: i.positionAlongNormal,
      })),
      inherited,
    },
    imageIds: images.map((i) => i.imageId),
  };
}
