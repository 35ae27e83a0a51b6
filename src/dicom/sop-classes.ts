export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
/** Label Map Segmentation Storage (Supplement 243). */
export const LABELMAP_SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.7';

export const SEG_SOP_CLASS_UIDS = new Set([SEGMENTATION_STORAGE, LABELMAP_SEGMENTATION_STORAGE]);

/** Enhanced and legacy-converted enhanced CT/MR: multi-frame with functional groups. */
export const ENHANCED_IMAGE_SOP_CLASS_UIDS = new Set([
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT
  '1.2.840.10008.5.1.4.1.1.2.2', // Legacy Converted Enhanced CT
  '1.2.840.10008.5.1.4.1.1.4.1', // Enhanced MR
  '1.2.840.10008.5.1.4.1.1.4.3', // Enhanced MR Color
  '1.2.840.10008.5.1.4.1.1.4.4', // Legacy Converted Enhanced MR
]);

/** CT and MR image storage classes: a file of one of these without pixel data is a damaged image. */
export const IMAGE_SOP_CLASS_UIDS = new Set([
  CT_IMAGE_STORAGE,
  MR_IMAGE_STORAGE,
  ...ENHANCED_IMAGE_SOP_CLASS_UIDS,
]);
