/**
 * A loaded Cornerstone image -> the shared SliceImage (modality values + geometry + identity), the
 * hand-off to the segmenter. Cornerstone's loader may already have applied the modality LUT
 * (preScale); otherwise slope and intercept are applied here, once per slice.
 */
import type { Types } from '@cornerstonejs/core';
import type { SliceImage } from '../dicom/slice-image.ts';
import { InputError } from '../errors.ts';
import { core } from './libraries.ts';

function first(value: number | number[] | undefined): number | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * 0-based frame number from a wadouri `...?frame=N` / `...&frame=N` or a wadors `.../frames/N` image id
 * (N is 1-based there); 0 for an image id that names no frame.
 */
export function frameFromImageId(imageId: string): number {
  const match = /[?&]frame=(\d+)|\/frames\/(\d+)(?=[/?#]|$)/.exec(imageId);
  return match ? Math.max(0, Number(match[1] ?? match[2]) - 1) : 0;
}

export function sliceImageFromCornerstone(image: Types.IImage): SliceImage {
  const { imageId } = image;
  if (image.color || image.numberOfComponents > 1) {
    throw new InputError(
      'unsupported-samples-per-pixel',
      `Image ${imageId} is a colour image; only greyscale CT and MR slices can be segmented.`,
      'Choose a CT or MR series.',
    );
  }
  const { metaData } = core();
  const plane = metaData.get('imagePlaneModule', imageId) ?? {};
  const series = metaData.get('generalSeriesModule', imageId) ?? {};
  const sop = metaData.get('sopCommonModule', imageId) ?? {};
  const pixel = metaData.get('imagePixelModule', imageId) ?? {};
  const voi = metaData.get('voiLutModule', imageId) ?? {};
  const photometric = String(
    image.photometricInterpretation ?? pixel.photometricInterpretation ?? 'MONOCHROME2',
  );
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new InputError(
      'unsupported-photometric-interpretation',
      `Image ${imageId} has PhotometricInterpretation ${photometric}; only MONOCHROME1/2 can be segmented.`,
      'Choose a greyscale CT or MR series.',
    );
  }

  const pixels = image.voxelManager?.getScalarData?.() ?? image.getPixelData();
  const values = Float32Array.from(pixels as ArrayLike<number>);
  const alreadyScaled = image.preScale?.scaled === true || image.isPreScaled === true;
  const slope = image.slope ?? 1;
  const intercept = image.intercept ?? 0;
  if (!alreadyScaled && (slope !== 1 || intercept !== 0)) {
    for (let i = 0; i < values.length; i++) values[i] = values[i] * slope + intercept;
  }

  const center = first(voi.windowCenter);
  const width = first(voi.windowWidth);
  return {
    rows: image.rows,
    columns: image.columns,
    values,
    modality: String(series.modality ?? image.preScale?.scalingParameters?.modality ?? ''),
    photometric,
    sopInstanceUID: String(sop.sopInstanceUID ?? imageId),
    frame: frameFromImageId(imageId),
    pixelSpacing: [
      plane.rowPixelSpacing ?? image.rowPixelSpacing ?? 1,
      plane.columnPixelSpacing ?? image.columnPixelSpacing ?? 1,
    ],
    imagePositionPatient: plane.imagePositionPatient
      ? (Array.from(plane.imagePositionPatient) as SliceImage['imagePositionPatient'])
      : undefined,
    imageOrientationPatient:
      plane.rowCosines && plane.columnCosines
        ? ([...plane.rowCosines, ...plane.columnCosines] as SliceImage['imageOrientationPatient'])
        : undefined,
    voi: center !== undefined && width !== undefined ? { center, width } : undefined,
  };
}
