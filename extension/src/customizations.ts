/**
 * What an integrator may change, through OHIF's customizationService: the extension registers the
 * defaults below (getCustomizationModule) and reads each id back from the service. Nothing is read from
 * the page's URL.
 */
import { InputError } from '../../src/errors.ts';

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
  /**
   * Bytes of encodings remembered across page loads (the browser's origin-private file system, float16,
   * least recently used out first); 0 remembers nothing.
   */
  rememberedEncodingsBytes: number;
  /** The key held while clicking to add an exclude point (a plain click adds an include point). */
  excludeModifier: ExcludeModifier;
}

/** Modifier keys an exclude click may use (Cornerstone's KeyboardBindings of the same names). */
export type ExcludeModifier = 'Shift' | 'Ctrl' | 'Alt' | 'Meta';
const EXCLUDE_MODIFIERS: ExcludeModifier[] = ['Shift', 'Ctrl', 'Alt', 'Meta'];

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
  rememberedEncodingsBytes: 2 ** 30,
  excludeModifier: 'Shift',
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
  rememberedEncodingsBytes: 'robustmedsam.rememberedEncodingsBytes',
  excludeModifier: 'robustmedsam.excludeModifier',
};

/** What the extension asks of OHIF's customizationService: the value registered under an id, if any. */
export interface CustomizationSource {
  getCustomization(customizationId: string): unknown;
}

/**
 * The customisations in force: for each id in CUSTOMIZATION_IDS the value `source` holds, else the
 * default. A value of the wrong type or range is refused (InputError `bad-customization`) instead of
 * reaching the engine, where it would fail far from its cause.
 */
export function resolveCustomizations(source?: CustomizationSource): RobustMedSamCustomizations {
  const resolved = { ...DEFAULT_CUSTOMIZATIONS };
  for (const key of Object.keys(CUSTOMIZATION_IDS) as Array<keyof RobustMedSamCustomizations>) {
    const id = CUSTOMIZATION_IDS[key];
    const value = source?.getCustomization(id);
    if (value === undefined) continue;
    const problem = CHECKS[key](value);
    if (problem) {
      throw new InputError(
        'bad-customization',
        `Customisation ${id} is ${describeValue(value)}; ${problem}.`,
        `Fix the value set for ${id} (the mode's customizationService.setCustomizations, or the app ` +
          `config's customizationService), or remove it to use the default (${describeValue(DEFAULT_CUSTOMIZATIONS[key])}).`,
      );
    }
    (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}

/** Each check returns what the value must be, or '' when it is acceptable. */
const CHECKS: Record<keyof RobustMedSamCustomizations, (value: unknown) => string> = {
  modelUrl: (v) => (v === null || (typeof v === 'string' && v.length > 0) ? '' : 'it must be a URL or null'),
  windowPresets: (v) => {
    if (!Array.isArray(v)) return 'it must be an array of { id, label, low, high }';
    for (const [i, p] of v.entries()) {
      const preset = p as Partial<WindowPreset> | null;
      if (typeof preset?.id !== 'string' || typeof preset.label !== 'string')
        return `entry ${i} must have a string id and label`;
      if (!Number.isFinite(preset.low) || !Number.isFinite(preset.high) || preset.low! >= preset.high!)
        return `entry ${i} must have finite numbers low < high`;
    }
    return '';
  },
  segmentWithViewportWindow: (v) => (typeof v === 'boolean' ? '' : 'it must be true or false'),
  slicesToPreEncode: (v) => (isWhole(v, 0) ? '' : 'it must be a whole number >= 0'),
  exportMode: (v) => (v === 'BINARY' || v === 'LABELMAP' ? '' : "it must be 'BINARY' or 'LABELMAP'"),
  propagationMargin: (v) => (isWhole(v, 0) ? '' : 'it must be a whole number of pixels >= 0'),
  propagationLimit: (v) => (isWhole(v, 1) ? '' : 'it must be a whole number of slices >= 1'),
  threads: (v) => (isWhole(v, 1) ? '' : 'it must be a whole number >= 1'),
  rememberedEncodingsBytes: (v) => (isWhole(v, 0) ? '' : 'it must be a whole number of bytes >= 0'),
  excludeModifier: (v) =>
    EXCLUDE_MODIFIERS.includes(v as ExcludeModifier)
      ? ''
      : `it must be one of ${EXCLUDE_MODIFIERS.join(', ')}`,
};

function isWhole(value: unknown, min: number): boolean {
  return Number.isInteger(value) && (value as number) >= min;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'none';
  if (typeof value === 'string') return `'${value}'`;
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
