import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modalityValuesFromStored } from '../../src/dicom/slice-image.ts';
import { InputError } from '../../src/errors.ts';
import { loadModelFolder } from '../../src/model/model-folder-node.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import { webSessionFactory } from '../../src/model/session-web.ts';
import { FIXTURE_MODELS, phantomSlice } from './model-fixtures.ts';

let segmenter: ModelSegmenter;
beforeAll(async () => {
  segmenter = new ModelSegmenter(await loadModelFolder(join(FIXTURE_MODELS, 'tiny-robust')));
});
afterAll(async () => {
  await segmenter?.dispose();
});

function inputErrorOf(fn: () => unknown): Promise<InputError> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        throw new Error('expected an InputError');
      },
      (e) => {
        expect(e).toBeInstanceOf(InputError);
        return e as InputError;
      },
    );
}

describe('ModelSegmenter on the tiny robust fixture', () => {
  it('segments a non-square slice: a rows x columns 0/1 mask, a score in [0, 1], 256x256 logits, timings', async () => {
    const slice = phantomSlice(300, 220, '1.2.3.100');
    const result = await segmenter.segment(slice, { box: { x0: 150, y0: 220, x1: 50, y1: 100 } });
    expect(result.mask.length).toBe(300 * 220);
    expect(result.mask.every((v) => v === 0 || v === 1)).toBe(true);
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(1);
    expect(result.lowResLogits.length).toBe(256 * 256);
    expect(Object.keys(result.timings)).toEqual(
      expect.arrayContaining(['preprocess', 'encoder', 'prompt', 'decoder', 'postprocess']),
    );
  });

  it('encodes a slice once: later boxes hit the embedding cache; another window is another entry', async () => {
    const slice = phantomSlice(128, 160, '1.2.3.200');
    const before = segmenter.cache.stats;
    await segmenter.encode(slice);
    const a = await segmenter.segment(slice, { box: { x0: 20, y0: 20, x1: 100, y1: 90 } });
    const b = await segmenter.segment(slice, { box: { x0: 30, y0: 40, x1: 120, y1: 100 } });
    expect(a.timings.encoder).toBe(0);
    expect(b.timings.encoder).toBe(0);
    const after = segmenter.cache.stats;
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(2);
    await segmenter.segment(
      slice,
      { box: { x0: 20, y0: 20, x1: 100, y1: 90 } },
      { window: { low: -100, high: 300 } },
    );
    expect(segmenter.cache.stats.misses - before.misses).toBe(2);
  });

  it('feeds the low-res logits of an earlier result back as mask_input', async () => {
    const slice = phantomSlice(200, 200, '1.2.3.300');
    const box = { x0: 40, y0: 50, x1: 150, y1: 160 };
    const first = await segmenter.segment(slice, { box });
    const again = await segmenter.segment(slice, { box });
    const refined = await segmenter.segment(slice, { box, maskInput: first.lowResLogits });
    expect(again.lowResLogits).toEqual(first.lowResLogits);
    let diff = 0;
    for (let i = 0; i < first.lowResLogits.length; i++) {
      diff = Math.max(diff, Math.abs(refined.lowResLogits[i] - first.lowResLogits[i]));
    }
    expect(diff).toBeGreaterThan(1e-4);
  });

  it('a box outside the image or of zero area is an InputError, raised before any encoder run', async () => {
    const slice = phantomSlice(100, 120, '1.2.3.400');
    const misses = segmenter.cache.stats.misses;
    let e = await inputErrorOf(() => segmenter.segment(slice, { box: { x0: 130, y0: 10, x1: 200, y1: 50 } }));
    expect(e.code).toBe('box-outside-image');
    expect(e.message).toMatch(/wholly outside the 120x100 image/);
    e = await inputErrorOf(() => segmenter.segment(slice, { box: { x0: 10, y0: 40, x1: 60, y1: 40 } }));
    expect(e.code).toBe('box-zero-area');
    expect(segmenter.cache.stats.misses).toBe(misses);
  });

  it('unsupported photometric interpretation or samples per pixel never reach the model', async () => {
    const stored = {
      rows: 4,
      columns: 4,
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      data: new Uint8Array(48),
    };
    let e = await inputErrorOf(() =>
      modalityValuesFromStored({ ...stored, samplesPerPixel: 3, photometricInterpretation: 'RGB' }),
    );
    expect(e.code).toBe('unsupported-samples-per-pixel');
    e = await inputErrorOf(() =>
      modalityValuesFromStored({ ...stored, samplesPerPixel: 1, photometricInterpretation: 'PALETTE COLOR' }),
    );
    expect(e.code).toBe('unsupported-photometric-interpretation');
    // A JavaScript caller handing the segmenter a colour slice directly.
    const colour = { ...phantomSlice(64, 64), photometric: 'YBR_FULL' as 'MONOCHROME2' };
    e = await inputErrorOf(() => segmenter.segment(colour, { box: { x0: 1, y0: 1, x1: 30, y1: 30 } }));
    expect(e.code).toBe('unsupported-photometric-interpretation');
    expect(e.message).toMatch(/PhotometricInterpretation is YBR_FULL/);
  });

  it('onnxruntime-web (wasm) gives the same logits as onnxruntime-node', async () => {
    const { factory } = await webSessionFactory({ numThreads: 2 });
    const web = new ModelSegmenter(await loadModelFolder(join(FIXTURE_MODELS, 'tiny-robust'), factory));
    try {
      const slice = phantomSlice(180, 240, '1.2.3.500');
      const box = { x0: 60, y0: 30, x1: 200, y1: 150 };
      const a = await segmenter.segment(slice, { box });
      const b = await web.segment(slice, { box });
      let diff = 0;
      for (let i = 0; i < a.lowResLogits.length; i++)
        diff = Math.max(diff, Math.abs(a.lowResLogits[i] - b.lowResLogits[i]));
      expect(diff).toBeLessThan(1e-3);
      expect(web.info.backend).toBe('onnxruntime-web wasm (2 threads)');
    } finally {
      await web.dispose();
    }
  });
});
