import { describe, expect, it } from 'vitest';
import { boxAroundMask } from '../../src/model/mask-box.ts';
import { CLEAN, type ResultRecord } from '../../src/robustness/benchmark.ts';
import { diceChartSvg, engineSummaries, recordsToCsv, summarise } from '../../src/robustness/report.ts';

describe('boxes from the truth', () => {
  it('is the tight bounding box grown by the margin and clamped to the slice', () => {
    const mask = new Uint8Array(10 * 12);
    mask[3 * 12 + 4] = 1;
    mask[6 * 12 + 9] = 1;
    expect(boxAroundMask(mask, 10, 12, 0)).toEqual({ x0: 4, y0: 3, x1: 9, y1: 6 });
    expect(boxAroundMask(mask, 10, 12, 5)).toEqual({ x0: 0, y0: 0, x1: 11, y1: 9 });
    expect(boxAroundMask(new Uint8Array(120), 10, 12, 5)).toBeUndefined();
  });
});

function record(
  engine: string,
  corruption: string,
  severity: number,
  dice: number,
  hd95: number | null,
): ResultRecord {
  return {
    engine,
    corruption,
    severity,
    slice: 0,
    sopInstanceUID: '1.2',
    structure: 'Liver',
    dice,
    iou: dice / (2 - dice),
    hd95,
    nsd: dice,
    truthArea: 10,
    predictedArea: 10,
    milliseconds: 1,
  };
}

describe('report building', () => {
  const records = [
    record('a', CLEAN, 0, 0.9, 1),
    record('a', CLEAN, 0, 0.7, 3),
    record('a', 'gauss_noise', 3, 0.5, null),
    record('a', 'gauss_noise', 3, 0.3, 2),
    record('a', 'gauss_noise', 1, 0.8, 2),
  ];

  it('averages Dice per engine, corruption and severity, with HD95 medians over finite values', () => {
    const rows = summarise(records);
    expect(rows.map((r) => [r.corruption, r.severity, r.count])).toEqual([
      [CLEAN, 0, 2],
      ['gauss_noise', 1, 1],
      ['gauss_noise', 3, 2],
    ]);
    expect(rows[0].meanDice).toBeCloseTo(0.8, 12);
    expect(rows[2]).toMatchObject({ medianHd95: 2, infiniteHd95: 1 });
    const [summary] = engineSummaries(records, { a: 'Engine A' });
    expect(summary.cleanMeanDice).toBeCloseTo(0.8, 12);
    expect(summary.degradedMeanDice).toBeCloseTo(1.6 / 3, 12);
    expect(summary.paperSettingMeanDice).toBeCloseTo(0.4, 12);
  });

  it('writes infinite HD95 as inf and quotes JSON parameters in the CSV', () => {
    const csv = recordsToCsv([{ ...records[2], parameters: { kernel: 9, sigma: 1.7 } }]).split('\n');
    expect(csv[1]).toContain(',inf,');
    expect(csv[1].endsWith('"{""kernel"":9,""sigma"":1.7}"')).toBe(true);
  });

  it('draws one panel per corruption and one line per engine', () => {
    const svg = diceChartSvg(summarise(records), [{ id: 'a', label: 'Engine <A>' }], 'title');
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).toContain('Engine &lt;A&gt;');
    expect(svg).toContain('>gauss_noise<');
  });
});
