/**
 * The default SEG host's description of a Cornerstone segment (what Export SEG writes for it), in Node:
 * organ labels carry the organ table's SNOMED codes, other labels the generic Tissue concept, and the
 * colour is the one shown on screen. The host's Cornerstone and DOM half is exercised by test/e2e,
 * whose demo exports and loads through it.
 */
import { describe, expect, it } from 'vitest';
import { describeSegment } from '../../extension/src/default-seg-host.ts';
import { ORGANS, TISSUE } from '../../src/dicom/codes.ts';
import { longStringProblem } from '../../src/dicom/segment-identity.ts';

const algorithm = { name: 'Classical random walker (not RobustMedSAM)', version: '0.1.0' };

describe('describeSegment', () => {
  it('makes a label typed in the viewer a valid SegmentLabel: no backslash or line break, at most 64 bytes', () => {
    const d = describeSegment({ segmentIndex: 4, label: `left\\right\nlesion ${'é'.repeat(60)}` }, algorithm);
    expect(d.label).toMatch(/^left right lesion é+\.\.\.$/);
    expect(new TextEncoder().encode(d.label).length).toBeLessThanOrEqual(64);
    expect(longStringProblem(d.label)).toBeNull();
  });

  it('gives an organ label the organ table codes, and keeps the colour on screen', () => {
    const d = describeSegment({ segmentIndex: 1, label: 'Liver', color: [10, 20, 30] }, algorithm);
    expect(d).toEqual({
      label: 'Liver',
      codes: { category: ORGANS.liver.category, type: ORGANS.liver.type, typeModifier: undefined },
      color: [10, 20, 30],
      algorithmType: 'SEMIAUTOMATIC',
      algorithmName: algorithm.name,
      algorithmVersion: '0.1.0',
    });
  });

  it("knows organs by the table's own labels and by its keys, with laterality", () => {
    expect(describeSegment({ segmentIndex: 2, label: 'Urinary bladder' }, algorithm).codes.type.value).toBe(
      '89837001',
    );
    const left = describeSegment({ segmentIndex: 3, label: 'left_kidney' }, algorithm);
    expect(left.label).toBe('Left kidney');
    expect(left.codes.typeModifier?.meaning).toBe('Left');
    // Without a colour on screen the organ's own colour is used.
    expect(left.color).toEqual(ORGANS['left kidney'].color);
  });

  it('gives any other label the generic Tissue concept, and an unlabelled segment a label', () => {
    const tumour = describeSegment({ segmentIndex: 4, label: ' My ROI ', color: [1, 2, 3] }, algorithm);
    expect(tumour.label).toBe('My ROI');
    expect(tumour.codes).toEqual({ category: TISSUE, type: TISSUE });
    expect(tumour.color).toEqual([1, 2, 3]);
    const unnamed = describeSegment({ segmentIndex: 7, label: '' }, algorithm);
    expect(unnamed.label).toBe('Segment 7');
    expect(unnamed.color).toBeUndefined();
  });

  it('keeps labels and algorithm names within DICOM LO (64 bytes)', () => {
    const d = describeSegment(
      { segmentIndex: 1, label: 'x'.repeat(80) },
      { name: 'y'.repeat(70), version: '1' },
    );
    expect(new TextEncoder().encode(d.label).length).toBeLessThanOrEqual(64);
    expect(new TextEncoder().encode(d.algorithmName ?? '').length).toBeLessThanOrEqual(64);
  });
});
