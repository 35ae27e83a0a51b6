import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { medsamContract } from '../../src/model/medsam-contract.ts';
import { buildDecoderPrompt, normaliseBox } from '../../src/model/prompts.ts';
import { samContract, samResizedSize } from '../../src/model/sam-contract.ts';

const identity = (x: number, y: number): [number, number] => [x, y];

describe('box prompts', () => {
  it('sorts corners of a box dragged in any direction', () => {
    const expected = { x0: 10, y0: 20, x1: 30, y1: 40 };
    for (const box of [
      { x0: 10, y0: 20, x1: 30, y1: 40 },
      { x0: 30, y0: 40, x1: 10, y1: 20 },
      { x0: 30, y0: 20, x1: 10, y1: 40 },
      { x0: 10, y0: 40, x1: 30, y1: 20 },
    ]) {
      expect(normaliseBox(box, 100, 50)).toEqual(expected);
    }
  });

  it('clamps a box reaching past the edges to the pixel centres of the image', () => {
    expect(normaliseBox({ x0: -5, y0: 90, x1: 60, y1: 120 }, 100, 50)).toEqual({
      x0: 0,
      y0: 90,
      x1: 49,
      y1: 99,
    });
  });

  it('rejects a box wholly outside the image, naming the problem', () => {
    const call = () => normaliseBox({ x0: 60, y0: 10, x1: 80, y1: 20 }, 100, 50);
    expect(call).toThrow(InputError);
    expect(call).toThrow(/wholly outside the 50x100 image/);
    try {
      call();
    } catch (e) {
      expect((e as InputError).code).toBe('box-outside-image');
    }
  });

  it('rejects a box of zero area, also after clamping', () => {
    expect(() => normaliseBox({ x0: 10, y0: 10, x1: 10, y1: 30 }, 100, 50)).toThrow(/no area/);
    // Only its left edge touches the image: nothing left after clamping.
    expect(() => normaliseBox({ x0: 49, y0: 10, x1: 70, y1: 30 }, 100, 50)).toThrow(/no area/);
    expect(() => normaliseBox({ x0: 1, y0: Number.NaN, x1: 3, y1: 4 }, 100, 50)).toThrow(InputError);
  });
});

describe('decoder prompt tensors', () => {
  it('a box becomes two points labelled 2 and 3, with no padding point', () => {
    const p = buildDecoderPrompt({ box: { x0: 30, y0: 40, x1: 10, y1: 20 } }, 100, 50, identity);
    expect([...p.pointCoords]).toEqual([10, 20, 30, 40]);
    expect([...p.pointLabels]).toEqual([2, 3]);
    expect(p.n).toBe(2);
    expect(p.hasMaskInput[0]).toBe(0);
    expect(p.maskInput.every((v) => v === 0)).toBe(true);
  });

  it('points come first, then the box; points alone get the padding point (0, 0, -1)', () => {
    const withBox = buildDecoderPrompt(
      {
        box: { x0: 1, y0: 2, x1: 5, y1: 6 },
        points: [
          { x: 3, y: 4, label: 1 },
          { x: 2, y: 2, label: 0 },
        ],
      },
      10,
      10,
      identity,
    );
    expect([...withBox.pointLabels]).toEqual([1, 0, 2, 3]);
    expect([...withBox.pointCoords]).toEqual([3, 4, 2, 2, 1, 2, 5, 6]);
    const pointsOnly = buildDecoderPrompt({ points: [{ x: 3, y: 4, label: 1 }] }, 10, 10, identity);
    expect([...pointsOnly.pointLabels]).toEqual([1, -1]);
    expect([...pointsOnly.pointCoords]).toEqual([3, 4, 0, 0]);
  });

  it('rejects an empty prompt, points outside the image and bad labels', () => {
    expect(() => buildDecoderPrompt({}, 10, 10, identity)).toThrow(/neither a box nor points/);
    expect(() => buildDecoderPrompt({ points: [{ x: 10, y: 1, label: 1 }] }, 10, 10, identity)).toThrow(
      /outside the 10x10 image/,
    );
    expect(() =>
      buildDecoderPrompt({ points: [{ x: 1, y: 1, label: 2 as unknown as 1 }] }, 10, 10, identity),
    ).toThrow(/label 2/);
  });

  it('takes a point anywhere on an edge pixel (a click on its outer half), and not beyond it', () => {
    const at = (x: number, y: number) => () =>
      buildDecoderPrompt({ points: [{ x, y, label: 1 }] }, 10, 10, identity);
    expect(at(9.4, -0.4)).not.toThrow();
    expect(at(-0.5, 9.5)).not.toThrow();
    expect(at(9.6, 5)).toThrow(/outside the 10x10 image/);
    expect(at(5, -0.6)).toThrow(/outside the 10x10 image/);
  });

  it('feeds an earlier low-res mask back with has_mask_input = 1, and refuses one of the wrong size', () => {
    const earlier = Float32Array.from({ length: 256 * 256 }, (_, i) => i % 7);
    const p = buildDecoderPrompt(
      { box: { x0: 1, y0: 1, x1: 5, y1: 5 }, maskInput: earlier },
      10,
      10,
      identity,
    );
    expect(p.hasMaskInput[0]).toBe(1);
    expect(p.maskInput).toEqual(earlier);
    expect(() =>
      buildDecoderPrompt(
        { box: { x0: 1, y0: 1, x1: 5, y1: 5 }, maskInput: new Float32Array(10) },
        10,
        10,
        identity,
      ),
    ).toThrow(/256x256/);
  });

  it('sam scales coordinates by the longest-side factor; medsam stretches each axis', () => {
    // 512 rows x 384 columns: longest side 512 -> 1024, columns int(384 * 2 + 0.5) = 768.
    expect(samResizedSize(512, 384)).toEqual({ rows: 1024, columns: 768 });
    // 700 x 333: scale 1024/700; columns int(333 * 1.46286 + 0.5) = int(487.65) = 487.
    expect(samResizedSize(700, 333)).toEqual({ rows: 1024, columns: 487 });
    const box = { x0: 100, y0: 50, x1: 200, y1: 300 };
    const sam = buildDecoderPrompt({ box }, 512, 384, samContract.toInputFrame(512, 384));
    expect([...sam.pointCoords]).toEqual([200, 100, 400, 600]);
    const medsam = buildDecoderPrompt({ box }, 512, 384, medsamContract.toInputFrame(512, 384));
    expect([...medsam.pointCoords].map((v) => Math.round(v * 1000) / 1000)).toEqual([
      266.667, 100, 533.333, 600,
    ]);
  });
});
