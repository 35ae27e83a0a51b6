import type { SliceImage } from '../dicom/slice-image.ts';
import { InputError } from '../errors.ts';

/**
 * A SliceImage from JavaScript callers is not type-checked: refuse what the model path cannot honour
 * (colour or unknown photometric interpretations, a pixel array of the wrong length) rather than
 * segment garbage.
 */
export function checkSlice(slice: SliceImage): void {
  const photometric = String(slice.photometric);
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new InputError(
      'unsupported-photometric-interpretation',
      `PhotometricInterpretation is ${photometric || '(empty)'}; only MONOCHROME1 and MONOCHROME2 slices can be segmented.`,
      'Choose a greyscale CT or MR series.',
    );
  }
  if (
    !Number.isInteger(slice.rows) ||
    !Number.isInteger(slice.columns) ||
    slice.rows < 2 ||
    slice.columns < 2
  ) {
    throw new InputError(
      'invalid-slice-size',
      `A slice of ${slice.rows} x ${slice.columns} pixels cannot be segmented.`,
    );
  }
  if (slice.values.length !== slice.rows * slice.columns) {
    throw new InputError(
      'invalid-slice-size',
      `The slice has ${slice.values.length} values for ${slice.rows} x ${slice.columns} pixels.`,
      'The pixel data does not match Rows and Columns.',
    );
  }
}
