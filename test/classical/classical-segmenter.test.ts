import { describe, expect, it } from 'vitest';
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import { InputError } from '../../src/errors.ts';
import { boxAroundMask } from '../../src/model/mask-box.ts';
import { dice } from '../../src/robustness/metrics.ts';
import { loadPhantom, sliceTruth } from './phantom-truth.ts';

const engine = new ClassicalSegmenter();

describe('classical engine on the bundled CT phantom', () => {
  const { series, truth } = loadPhantom('ct-abdomen');
  const { rows, columns } = series.geometry;

  it('says it is the model-free engine, never RobustMedSAM', () => {
    expect(engine.info.engine).toBe('classical');
    expect(engine.info.label).toMatch(/classical/i);
    expect(engine.info.label).not.toMatch(/robust|sam/i);
  });

  for (const [structure, index] of [
    ['Liver', 8],
    ['Spleen', 20],
    ['Left kidney', 30],
    ['Aorta', 15],
  ] as const) {
    it(`segments the ${structure.toLowerCase()} on slice ${index} from a box with a 5-pixel margin (Dice >= 0.85)`, async () => {
      const target = sliceTruth(series, truth.get(structure)!, index);
      const box = boxAroundMask(target, rows, columns, 5)!;
      const result = await engine.segment(series.slices[index], { box });
      expect(result.mask.length).toBe(rows * columns);
      expect(dice(target, result.mask)).toBeGreaterThanOrEqual(0.85);
      // Nothing outside the box.
      for (let i = 0; i < result.mask.length; i++) {
        if (!result.mask[i]) continue;
        const x = i % columns;
        const y = Math.floor(i / columns);
        expect(x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1).toBe(true);
      }
    });
  }

  it('gives the same mask for a box dragged in any direction, run after run', async () => {
    const target = sliceTruth(series, truth.get('Right kidney')!, 25);
    const b = boxAroundMask(target, rows, columns, 5)!;
    const slice = series.slices[25];
    const reference = (await engine.segment(slice, { box: b })).mask;
    const flipped = (await engine.segment(slice, { box: { x0: b.x1, y0: b.y1, x1: b.x0, y1: b.y0 } })).mask;
    const again = (await engine.segment(slice, { box: b })).mask;
    expect(flipped).toEqual(reference);
    expect(again).toEqual(reference);
  });

  it('re-windows when the pixels change under the same SOP Instance UID (e.g. a degraded copy)', async () => {
    const target = sliceTruth(series, truth.get('Liver')!, 20);
    const box = boxAroundMask(target, rows, columns, 5)!;
    const slice = series.slices[20];
    const clean = await engine.segment(slice, { box });
    // Same UID, every value 400 HU brighter: the answer must be the one for these pixels.
    const brighter = { ...slice, values: slice.values.map((v) => v + 400) };
    const shifted = await engine.segment(brighter, { box });
    expect(shifted.mask).not.toEqual(clean.mask);
    expect(shifted.mask).toEqual((await new ClassicalSegmenter().segment(brighter, { box })).mask);
    expect((await engine.segment(slice, { box })).mask).toEqual(clean.mask);
  });

  it('adds what an include point marks and removes what an exclude point marks', async () => {
    const index = 20;
    const slice = series.slices[index];
    const liver = sliceTruth(series, truth.get('Liver')!, index);
    const box = boxAroundMask(liver, rows, columns, 5)!;
    const base = (await engine.segment(slice, { box })).mask;
    // The right kidney reaches into the liver's box at (172, 310); the box alone leaves it out.
    const kidney = 310 * columns + 172;
    expect(sliceTruth(series, truth.get('Right kidney')!, index)[kidney]).toBe(1);
    expect(base[kidney]).toBe(0);
    const included = (await engine.segment(slice, { box, points: [{ x: 172, y: 310, label: 1 }] })).mask;
    expect(included[kidney]).toBe(1);
    // An exclude point on the liver, 3 pixels inside its lower edge, cuts that spot out.
    let spot = -1;
    for (let y = box.y1; y > box.y0 && spot < 0; y--) {
      const i = y * columns + 180;
      if (base[i] && base[i - 3 * columns]) spot = i - 3 * columns;
    }
    const excluded = (
      await engine.segment(slice, { box, points: [{ x: 180, y: Math.floor(spot / columns), label: 0 }] })
    ).mask;
    expect(base[spot]).toBe(1);
    expect(excluded[spot]).toBe(0);
    expect(dice(liver, excluded)).toBeGreaterThan(dice(liver, base) - 0.02);
  });

  it('refuses bad prompts with typed errors', async () => {
    const slice = series.slices[10];
    const codeOf = async (prompt: Parameters<typeof engine.segment>[1]) => {
      try {
        await engine.segment(slice, prompt);
        return 'no error';
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as InputError).code;
      }
    };
    expect(await codeOf({})).toBe('box-required');
    expect(await codeOf({ points: [{ x: 100, y: 100, label: 1 }] })).toBe('box-required');
    expect(await codeOf({ box: { x0: 600, y0: 600, x1: 700, y1: 700 } })).toBe('box-outside-image');
    expect(await codeOf({ box: { x0: 100, y0: 100, x1: 100, y1: 200 } })).toBe('box-zero-area');
    expect(await codeOf({ box: { x0: Number.NaN, y0: 0, x1: 10, y1: 10 } })).toBe('invalid-box');
    // Points follow the model engine's rule (src/model/prompts.ts checkPoints), not silently dropped.
    const box = { x0: 100, y0: 100, x1: 200, y1: 200 };
    expect(await codeOf({ box, points: [{ x: -5, y: 150, label: 1 }] })).toBe('point-outside-image');
    expect(await codeOf({ box, points: [{ x: Number.NaN, y: 150, label: 0 }] })).toBe('invalid-point');
    expect(await codeOf({ box, points: [{ x: 150, y: 150, label: 2 as unknown as 1 }] })).toBe(
      'invalid-point',
    );
  });

  it('stays inside the image for a box that overhangs its edge, and survives a box on empty air', async () => {
    const slice = series.slices[10];
    const overhang = await engine.segment(slice, { box: { x0: -40, y0: -40, x1: 60, y1: 60 } });
    expect(overhang.mask.length).toBe(rows * columns);
    const air = await engine.segment(slice, { box: { x0: 2, y0: 2, x1: 40, y1: 40 } });
    expect(air.score).toBeGreaterThanOrEqual(0);
    expect(air.score).toBeLessThanOrEqual(1);
  });
});

describe('classical engine on the bundled MR phantom', () => {
  const { series, truth } = loadPhantom('mr-brain');
  const { rows, columns } = series.geometry;
  for (const [structure, index] of [
    ['Brain', 12],
    ['Lesion', 10],
    ['Lateral ventricles', 14],
  ] as const) {
    it(`segments the ${structure.toLowerCase()} on slice ${index} (Dice >= 0.85)`, async () => {
      const target = sliceTruth(series, truth.get(structure)!, index);
      const box = boxAroundMask(target, rows, columns, 5)!;
      const result = await engine.segment(series.slices[index], { box });
      expect(dice(target, result.mask)).toBeGreaterThanOrEqual(0.85);
    });
  }
});
