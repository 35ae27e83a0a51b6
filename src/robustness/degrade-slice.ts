import type { SliceImage } from '../dicom/slice-image.ts';
import { InputError } from '../errors.ts';
import type { Window } from '../model/segmenter.ts';
import { resolveWindow, windowTo8Bit } from '../model/window.ts';
import {
  type CorruptionParameters,
  type CorruptionRequest,
  corruptImage8,
  corruption,
  corruptModality,
  type ModalityContext,
} from './catalogue.ts';
import type { Image8 } from './corruptions/image8.ts';

/**
 * One slice in modality units through one corruption, back in modality units: the step the `degrade`
 * command, the robustness benchmark and a viewer preview share.
 *
 * The paper's corruptions act on the 8-bit image the model sees (the window of src/model/window.ts);
 * the result goes back to modality units through the inverse of that window. Grey level g maps to the
 * centre of its window bin, low + (g + 0.5) / 255 · (high - low), with 0 and 255 mapped to the window's
 * ends, so that windowing the degraded slice again with the same window gives back exactly the degraded
 * 8-bit image (and survives rounding to whole HU when the window is wider than 255 HU). Values outside
 * the window are clipped to its ends, as the 8-bit image already did. Physically modelled corruptions
 * act on modality values directly.
 *
 * A degraded slice is another image: its `sopInstanceUID` gets a suffix naming the degradation
 * (in memory only; the `degrade` command writes real new UIDs), so that a cache keyed by instance, as
 * the model's embedding cache is, never serves the clean slice's encoding for it.
 */
export interface DegradedSlice {
  slice: SliceImage;
  parameters: CorruptionParameters;
  /** The window the 8-bit corruption was applied in (undefined for modality-domain corruptions). */
  window?: Window;
}

/** 8-bit grey levels -> modality values, the inverse of windowTo8Bit (see the module comment). */
export function modalityValuesFrom8Bit(
  grey: Uint8Array,
  window: Window,
  photometric: SliceImage['photometric'],
): Float32Array {
  const span = window.high - window.low;
  const out = new Float32Array(grey.length);
  for (let i = 0; i < grey.length; i++) {
    // windowTo8Bit inverts MONOCHROME1 after windowing; undo that first.
    const g = photometric === 'MONOCHROME1' ? 255 - grey[i] : grey[i];
    out[i] = g === 0 ? window.low : g === 255 ? window.high : window.low + ((g + 0.5) / 255) * span;
  }
  return out;
}

/** The slice as the model would see it: windowed to 8 bits. */
export function image8Of(slice: SliceImage, window: Window): Image8 {
  return { rows: slice.rows, columns: slice.columns, data: windowTo8Bit(slice, window) };
}

function degradedIdentity(slice: SliceImage, request: CorruptionRequest): string {
  return `${slice.sopInstanceUID}#${request.name}/${request.severity}/${request.seed}`;
}

export function degradeSlice(
  slice: SliceImage,
  request: CorruptionRequest,
  options: { window?: Window; context?: ModalityContext } = {},
): DegradedSlice {
  const definition = corruption(request.name);
  if (definition.domain === 'modality') {
    const modality = slice.modality.trim().toUpperCase();
    if (definition.modality !== modality) {
      throw new InputError(
        'corruption-modality-mismatch',
        `${definition.name} models a ${definition.modality} acquisition; this slice is ${modality || 'of no modality'}.`,
        'Choose one of the paper corruptions or a physical one of this modality.',
      );
    }
    const { values, parameters } = corruptModality(slice, request, options.context);
    return { slice: { ...slice, values, sopInstanceUID: degradedIdentity(slice, request) }, parameters };
  }
  const window = resolveWindow(slice, options.window);
  const { image, parameters } = corruptImage8(image8Of(slice, window), request);
  return {
    slice: {
      ...slice,
      values: modalityValuesFrom8Bit(image.data, window, slice.photometric),
      sopInstanceUID: degradedIdentity(slice, request),
    },
    parameters,
    window,
  };
}
