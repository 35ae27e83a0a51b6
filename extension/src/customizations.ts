/**
 * What an integrator may change, OHIF-style (getCustomizationModule). Nothing is read from the page's
 * URL: a deployment sets these in its extension configuration.
 */
export interface WindowPreset {
  id: string;
  label: string;
  /** Modality units (HU for CT). */
  low: number;
  high: number;
}

export interface RobustMedSamCustomizations {
  /**
   * URL of a model folder (model.json + graphs) on the viewer's own origin, or null to run the
   * model-free classical engine.
   */
  modelUrl: string | null;
  /** Windows offered for display and, when `segmentWithViewportWindow`, for the model input. */
  windowPresets: WindowPreset[];
  /** Feed the model the viewport's current window instead of the modality default (CT [-160, 240] HU). */
  segmentWithViewportWindow: boolean;
  /** Slices on each side of the one shown that are encoded ahead in idle time. */
  slicesToPreEncode: number;
  /** SEG written by "Export SEG": BINARY (default, every viewer reads it) or LABELMAP. */
  exportMode: 'BINARY' | 'LABELMAP';
  /** Propagation: margin (pixels) around the previous mask's box, and the most slices per direction. */
  propagationMargin: number;
  propagationLimit: number;
  /** wasm threads for onnxruntime-web (used only when the page is cross-origin isolated). */
  threads?: number;
}

export const DEFAULT_CUSTOMIZATIONS: RobustMedSamCustomizations = {
  modelUrl: null,
  windowPresets: [
    { id: 'abdomen', label: 'Abdomen (MedSAM) [-160, 240]', low: -160, high: 240 },
    { id: 'soft-tissue', label: 'Soft tissue [-125, 225]', low: -125, high: 225 },
    { id: 'liver', label: 'Liver [-25, 175]', low: -25, high: 175 },
    { id: 'lung', label: 'Lung [-1350, 150]', low: -1350, high: 150 },
    { id: 'bone', label: 'Bone [-450, 1050]', low: -450, high: 1050 },
    { id: 'brain', label: 'Brain [0, 80]', low: 0, high: 80 },
  ],
  segmentWithViewportWindow: false,
  slicesToPreEncode: 2,
  exportMode: 'BINARY',
  propagationMargin: 5,
  propagationLimit: 50,
};

/** OHIF customisation ids under which the values above are registered. */
export const CUSTOMIZATION_IDS: Record<keyof RobustMedSamCustomizations, string> = {
  modelUrl: 'robustmedsam.modelUrl',
  windowPresets: 'robustmedsam.windowPresets',
  segmentWithViewportWindow: 'robustmedsam.segmentWithViewportWindow',
  slicesToPreEncode: 'robustmedsam.slicesToPreEncode',
  exportMode: 'robustmedsam.exportMode',
  propagationMargin: 'robustmedsam.propagationMargin',
  propagationLimit: 'robustmedsam.propagationLimit',
  threads: 'robustmedsam.threads',
};

export function resolveCustomizations(
  overrides: Partial<RobustMedSamCustomizations> = {},
): RobustMedSamCustomizations {
  return { ...DEFAULT_CUSTOMIZATIONS, ...overrides };
}
