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
import type { DicomDataset } from '../dicom/dataset.ts';
import { assembleSeries } from '../dicom/series-assembly.ts';
import { InputError } from '../errors.ts';
import { core } from './libraries.ts';
import type { SegSeries } from './seg-compose.ts';
import { frameFromImageId } from './slice-from-image.ts';

export interface SeriesFromMetadata {
  /** Slices sorted along the normal, ascending, as src/dicom sorts a series read from files. */
  series: SegSeries;
  /** The image ids in `series.slices` order. */
  imageIds: string[];
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

/**
 * The SegSeries of the images `imageIds` (any order) from Cornerstone's metadata, and the image ids
 * in its slice order, by the same rules as a series read from files (src/dicom/series-assembly.ts).
 */
export function segSeriesFromMetadata(imageIds: readonly string[]): SeriesFromMetadata {
  if (imageIds.length === 0) {
    throw new InputError('empty-series', 'No images were given for the SEG.', 'Show a series first.');
  }
  const { images, frameOfReferenceUID, seriesInstanceUID, patient, study, geometry, inherited } =
    assembleSeries(
      imageIds.map((imageId) => ({
        name: `Image ${imageId}`,
        attributes: instanceOf(imageId),
        frame: frameFromImageId(imageId),
        imageId,
      })),
    );
  return {
    series: {
      seriesInstanceUID,
      frameOfReferenceUID,
      patient,
      study,
      geometry,
      slices: images.map((i) => ({
        sopClassUID: i.sopClassUID,
        sopInstanceUID: i.sopInstanceUID,
        frame: i.frame,
        imagePositionPatient: i.imagePositionPatient,
        positionAlongNormal: i.positionAlongNormal,
      })),
      inherited,
    },
    imageIds: images.map((i) => i.header.imageId),
  };
}
