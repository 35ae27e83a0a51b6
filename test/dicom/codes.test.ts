import { describe, expect, it } from 'vitest';
import { ALGORITHM_FAMILY, ANATOMICAL_STRUCTURE, ORGANS, organ } from '../../src/dicom/codes.ts';

// The SNOMED CT (SCT) codes a SEG carries for its organs and categories, checked against published SNOMED CT / DCM tables.
const EXPECTED: Record<string, string> = {
  liver: '10200004',
  kidney: '64033007',
  spleen: '78961009',
  lung: '39607008',
  heart: '80891009',
  brain: '12738006',
  pancreas: '15776009',
  prostate: '41216001',
  aorta: '15825003',
  stomach: '69695003',
  gallbladder: '28231008',
  bladder: '89837001',
  spine: '421060004',
  body: '38266002',
  muscle: '91727004',
  fat: '55603005',
  lesion: '52988006',
};

describe('organ code table', () => {
  it('uses the SCT codes of the organ table, scheme SCT, never SRT', () => {
    for (const [name, value] of Object.entries(EXPECTED)) {
      expect(ORGANS[name].type.value, name).toBe(value);
    }
    for (const entry of Object.values(ORGANS)) {
      expect(entry.type.scheme).toBe('SCT');
      expect(entry.category.scheme).toBe('SCT');
    }
    expect(ANATOMICAL_STRUCTURE.value).toBe('91723000');
    expect(ORGANS.lesion.category.value).toBe('49755003');
    expect(ORGANS.fat.category.value).toBe('85756007');
  });

  it('gives kidneys a laterality modifier and finds organs by loose names', () => {
    expect(organ('Left_Kidney')?.typeModifier?.value).toBe('7771000');
    expect(organ(' right kidney ')?.typeModifier?.value).toBe('24028007');
    expect(organ('Liver')?.label).toBe('Liver');
    expect(organ('appendix')).toBeUndefined();
  });

  it('names algorithm families with their CID 7162 codes', () => {
    expect(ALGORITHM_FAMILY.artificialIntelligence.value).toBe('123110');
    expect(ALGORITHM_FAMILY.manualProcessing.value).toBe('123109');
  });
});
