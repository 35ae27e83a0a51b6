/**
 * Coded concepts for SEG segments: SNOMED CT (scheme SCT, never the deprecated SRT) categories and
 * property types for the organs this product segments, with a display colour for each.
 */

export interface CodedConcept {
  /** CodeValue */
  value: string;
  /** CodingSchemeDesignator, e.g. 'SCT' or 'DCM' */
  scheme: string;
  /** CodeMeaning */
  meaning: string;
}

/** What a segment is: category, type and optional type modifier (laterality). */
export interface SegmentCodes {
  category: CodedConcept;
  type: CodedConcept;
  typeModifier?: CodedConcept;
}

export const ANATOMICAL_STRUCTURE: CodedConcept = {
  value: '91723000',
  scheme: 'SCT',
  meaning: 'Anatomical Structure',
};
/** The older SCT code for the same category, still written by many tools: accepted on read. */
export const ANATOMICAL_STRUCTURE_LEGACY_VALUE = '123037004';
export const ABNORMAL_STRUCTURE: CodedConcept = {
  value: '49755003',
  scheme: 'SCT',
  meaning: 'Morphologically Abnormal Structure',
};
export const TISSUE: CodedConcept = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };

/**
 * SNOMED RT (scheme SRT) codes that many archive SEGs (and dcmqi's examples) still carry, with their
 * SNOMED CT equivalents (PS3.16's SRT to SCT mapping): the categories, the organs of the table below
 * and laterality.
 */
const SRT_TO_SCT: Record<string, CodedConcept> = {
  'T-D000A': ANATOMICAL_STRUCTURE,
  'M-01000': ABNORMAL_STRUCTURE,
  'T-D0050': TISSUE,
  'T-62000': { value: '10200004', scheme: 'SCT', meaning: 'Liver' },
  'T-71000': { value: '64033007', scheme: 'SCT', meaning: 'Kidney' },
  'T-C3000': { value: '78961009', scheme: 'SCT', meaning: 'Spleen' },
  'T-28000': { value: '39607008', scheme: 'SCT', meaning: 'Lung' },
  'T-32000': { value: '80891009', scheme: 'SCT', meaning: 'Heart' },
  'T-A0100': { value: '12738006', scheme: 'SCT', meaning: 'Brain' },
  'T-65000': { value: '15776009', scheme: 'SCT', meaning: 'Pancreas' },
  'T-92000': { value: '41216001', scheme: 'SCT', meaning: 'Prostate' },
  'T-42000': { value: '15825003', scheme: 'SCT', meaning: 'Aorta' },
  'T-57000': { value: '69695003', scheme: 'SCT', meaning: 'Stomach' },
  'T-63000': { value: '28231008', scheme: 'SCT', meaning: 'Gallbladder' },
  'T-74000': { value: '89837001', scheme: 'SCT', meaning: 'Urinary bladder' },
  'G-A101': { value: '7771000', scheme: 'SCT', meaning: 'Left' },
  'G-A100': { value: '24028007', scheme: 'SCT', meaning: 'Right' },
};

/**
 * Segment codes as a SEG written here carries them: SNOMED CT. SRT codes read from another SEG are
 * replaced by their SCT equivalents; one without a known equivalent becomes the generic concept for
 * its role (Anatomical Structure, Tissue; a modifier is dropped). Each replacement is reported.
 */
export function withSctCodes(
  codes: SegmentCodes,
  label: string,
): { codes: SegmentCodes; warnings: string[] } {
  const warnings: string[] = [];
  const convert = (c: CodedConcept | undefined, role: string, fallback: CodedConcept | undefined) => {
    if (c?.scheme !== 'SRT') return c;
    const sct = SRT_TO_SCT[c.value] ?? fallback;
    warnings.push(
      `segment "${label}": its ${role} code SRT ${c.value} (${c.meaning}) is written as ` +
        (sct ? `SCT ${sct.value} (${sct.meaning})` : 'nothing') +
        (SRT_TO_SCT[c.value] ? '' : ': no SNOMED CT equivalent is known here'),
    );
    return sct;
  };
  return {
    codes: {
      category: convert(codes.category, 'category', ANATOMICAL_STRUCTURE) as CodedConcept,
      type: convert(codes.type, 'type', TISSUE) as CodedConcept,
      typeModifier: convert(codes.typeModifier, 'type modifier', undefined),
    },
    warnings,
  };
}

/**
 * Algorithm families (CID 7162) for SegmentationAlgorithmIdentificationSequence. The model is
 * Artificial Intelligence; a classical engine picks the family that describes it.
 */
export const ALGORITHM_FAMILY = {
  artificialIntelligence: { value: '123110', scheme: 'DCM', meaning: 'Artificial Intelligence' },
  manualProcessing: { value: '123109', scheme: 'DCM', meaning: 'Manual Processing' },
  clusterAnalysis: { value: '123107', scheme: 'DCM', meaning: 'Cluster Analysis' },
  edgeDetection: { value: '123103', scheme: 'DCM', meaning: 'Edge Detection' },
  deformableModels: { value: '123111', scheme: 'DCM', meaning: 'Deformable Models' },
} as const satisfies Record<string, CodedConcept>;

export const LEFT: CodedConcept = { value: '7771000', scheme: 'SCT', meaning: 'Left' };
export const RIGHT: CodedConcept = { value: '24028007', scheme: 'SCT', meaning: 'Right' };

export interface OrganEntry extends SegmentCodes {
  /** The label a segment gets by default. */
  label: string;
  /** Recommended display colour, sRGB 0-255. */
  color: [number, number, number];
}

const sct = (value: string, meaning: string): CodedConcept => ({ value, scheme: 'SCT', meaning });
const anatomy = (
  label: string,
  type: CodedConcept,
  color: [number, number, number],
  typeModifier?: CodedConcept,
) => ({
  label,
  category: ANATOMICAL_STRUCTURE,
  type,
  color,
  ...(typeModifier ? { typeModifier } : {}),
});
const kidney = sct('64033007', 'Kidney');

/** The organ table, keyed by a short lower-case name (what the CLI's --label accepts). */
export const ORGANS: Readonly<Record<string, OrganEntry>> = {
  liver: anatomy('Liver', sct('10200004', 'Liver'), [221, 130, 101]),
  spleen: anatomy('Spleen', sct('78961009', 'Spleen'), [157, 108, 162]),
  kidney: anatomy('Kidney', kidney, [185, 102, 83]),
  'left kidney': anatomy('Left kidney', kidney, [185, 102, 83], LEFT),
  'right kidney': anatomy('Right kidney', kidney, [205, 122, 103], RIGHT),
  lung: anatomy('Lung', sct('39607008', 'Lung'), [197, 165, 145]),
  heart: anatomy('Heart', sct('80891009', 'Heart'), [206, 110, 84]),
  brain: anatomy('Brain', sct('12738006', 'Brain'), [250, 250, 225]),
  pancreas: anatomy('Pancreas', sct('15776009', 'Pancreas'), [249, 180, 111]),
  prostate: anatomy('Prostate', sct('41216001', 'Prostate'), [230, 158, 140]),
  aorta: anatomy('Aorta', sct('15825003', 'Aorta'), [224, 97, 76]),
  stomach: anatomy('Stomach', sct('69695003', 'Stomach'), [216, 132, 105]),
  gallbladder: anatomy('Gallbladder', sct('28231008', 'Gallbladder'), [139, 150, 98]),
  bladder: anatomy('Urinary bladder', sct('89837001', 'Urinary bladder'), [222, 154, 132]),
  spine: anatomy('Spine', sct('421060004', 'Vertebral column'), [241, 214, 145]),
  body: anatomy('Body', sct('38266002', 'Entire body'), [177, 122, 101]),
  muscle: { label: 'Muscle', category: TISSUE, type: sct('91727004', 'Muscle'), color: [192, 104, 88] },
  fat: { label: 'Fat', category: TISSUE, type: sct('55603005', 'Adipose tissue'), color: [230, 220, 70] },
  lesion: {
    label: 'Lesion',
    category: ABNORMAL_STRUCTURE,
    type: sct('52988006', 'Lesion'),
    color: [255, 64, 64],
  },
};

/**
 * The organ entry for a name ('Liver', 'left kidney', ...) or an entry's own label ('Urinary bladder'),
 * or undefined when not in the table.
 */
export function organ(name: string): OrganEntry | undefined {
  const key = name.trim().toLowerCase().replaceAll('_', ' ');
  return ORGANS[key] ?? Object.values(ORGANS).find((entry) => entry.label.toLowerCase() === key);
}
