/**
 * How a binary mask lands in one labelmap slice. Pure and DOM-free: it runs in the segmenter's Web
 * Worker, so the main thread never loops over pixels; it only copies the arrays made here.
 */

/** Label value the preview is painted with (Cornerstone's own labelmap tools use 255 too). */
export const PREVIEW_LABEL_VALUE = 255;

/** The typed arrays Cornerstone uses for labelmap pixel data. */
export type LabelmapArray = Uint8Array | Uint16Array | Int16Array | Float32Array;

export interface ComposeRequest {
  /** The labelmap slice as it is now (label values of one layer). Not modified. */
  before: LabelmapArray;
  /** rows x columns, 1 inside. */
  mask: Uint8Array;
  /** Label value of the active segment on this layer. */
  labelValue: number;
  /** Label values that must not be overwritten (locked segments on this layer). */
  lockedLabelValues: number[];
  /** Label value the preview is painted with (shown in a lighter colour until accepted). */
  previewLabelValue: number;
}

export interface ComposedSlice {
  /** The slice to display while the preview is pending. */
  preview: LabelmapArray;
  /** The slice once the preview is accepted. */
  accepted: LabelmapArray;
  /** Pixels that changed (the mask minus locked pixels). */
  changed: number;
}

function emptyLike(a: LabelmapArray): LabelmapArray {
  return new (a.constructor as { new (n: number): LabelmapArray })(a.length);
}

export function composeMaskIntoLabelmap(req: ComposeRequest): ComposedSlice {
  const { before, mask, labelValue, previewLabelValue } = req;
  if (mask.length !== before.length) {
    throw new RangeError(`mask has ${mask.length} pixels but the labelmap slice has ${before.length}`);
  }
  const locked = new Set(req.lockedLabelValues);
  locked.delete(0);
  const preview = emptyLike(before);
  const accepted = emptyLike(before);
  preview.set(before);
  accepted.set(before);
  let changed = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    const current = before[i];
    if (current !== 0 && locked.has(current)) continue;
    preview[i] = previewLabelValue;
    accepted[i] = labelValue;
    if (current !== labelValue) changed++;
  }
  return { preview, accepted, changed };
}
