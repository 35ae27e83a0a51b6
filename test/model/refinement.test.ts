/**
 * Clicks after a box (src/model/refinement.ts) on the real tiny fixture models: each click's decoder run
 * is fed the box, every point and the previous run's low-res logits as mask_input (the decoder's feeds
 * are observed on the real onnxruntime session, not replaced), and removing a click gives back exactly
 * the step before it. Parity of box + points + mask_input with the PyTorch reference is the golden
 * case robust-384x512-refine (parity.test.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassicalSegmenter } from '../../src/classical/classical-segmenter.ts';
import { loadModelFolder } from '../../src/model/model-folder-node.ts';
import type { LoadedModel } from '../../src/model/model-loader.ts';
import { ModelSegmenter } from '../../src/model/model-segmenter.ts';
import { Refinement } from '../../src/model/refinement.ts';
import type { PromptPoint, SegmentResult } from '../../src/model/segmenter.ts';
import type { TensorData } from '../../src/model/session.ts';
import { FIXTURE_MODELS, phantomSlice } from './model-fixtures.ts';

/** The model with its decoder's feeds recorded on their way to the real session. */
function observingDecoder(model: LoadedModel, feeds: Array<Record<string, TensorData>>): LoadedModel {
  const decoder = model.decoder;
  return {
    manifest: model.manifest,
    encoder: model.encoder,
    location: model.location,
    release: () => model.release(),
    decoder: {
      inputs: decoder.inputs,
      outputs: decoder.outputs,
      backend: decoder.backend,
      release: () => decoder.release(),
      run: (f) => {
        feeds.push(f);
        return decoder.run(f);
      },
    },
  };
}

const slice = phantomSlice(300, 220, '1.2.3.700');
const box = { x0: 40, y0: 60, x1: 180, y1: 200 };
const include: PromptPoint = { x: 100.4, y: 120.6, label: 1 };
const exclude: PromptPoint = { x: 60, y: 180, label: 0 };

for (const kind of ['tiny-robust', 'tiny-sam'] as const) {
  describe(`clicks after a box, ${kind}`, () => {
    const feeds: Array<Record<string, TensorData>> = [];
    let segmenter: ModelSegmenter;
    beforeAll(async () => {
      segmenter = new ModelSegmenter(
        observingDecoder(await loadModelFolder(join(FIXTURE_MODELS, kind)), feeds),
      );
    });
    afterAll(() => segmenter?.dispose());

    it('feeds each click the box, all points and the previous low-res logits; Backspace restores the step before', async () => {
      const first = await segmenter.segment(slice, { box });
      expect(feeds.at(-1)!.has_mask_input.data[0]).toBe(0);
      const refinement = new Refinement<SegmentResult>(box, first);

      const afterInclude = await segmenter.segment(slice, refinement.promptWith(include));
      refinement.push(include, afterInclude);
      let fed = feeds.at(-1)!;
      expect(fed.has_mask_input.data[0]).toBe(1);
      expect(fed.mask_input.dims).toEqual([1, 1, 256, 256]);
      expect(Array.from(fed.mask_input.data)).toEqual(Array.from(first.lowResLogits));
      // Points first (1 include), then the box's corners (2, 3), as SAM's prompt encoder orders them.
      expect(Array.from(fed.point_labels.data)).toEqual([1, 2, 3]);

      const afterExclude = await segmenter.segment(slice, refinement.promptWith(exclude));
      refinement.push(exclude, afterExclude);
      fed = feeds.at(-1)!;
      expect(Array.from(fed.mask_input.data)).toEqual(Array.from(afterInclude.lowResLogits));
      expect(Array.from(fed.point_labels.data)).toEqual([1, 0, 2, 3]);
      expect(refinement.points).toEqual([include, exclude]);
      // The feedback matters: the same points without the previous logits give other logits.
      const withoutFeedback = await segmenter.segment(slice, { box, points: [include, exclude] });
      expect(Array.from(withoutFeedback.lowResLogits)).not.toEqual(Array.from(afterExclude.lowResLogits));

      // Removing the exclude click gives back the include step itself, not a re-run.
      expect(refinement.pop()).toBe(true);
      expect(refinement.current).toBe(afterInclude);
      expect(refinement.points).toEqual([include]);
      expect(refinement.pop()).toBe(true);
      expect(refinement.current).toBe(first);
      expect(refinement.pop()).toBe(false);
    });

    it('a copy refines on its own: clicks on it leave the original as it was', async () => {
      const first = await segmenter.segment(slice, { box });
      const original = new Refinement<SegmentResult>(box, first);
      const copy = original.copy();
      copy.push(include, await segmenter.segment(slice, copy.promptWith(include)));
      expect(original.points).toEqual([]);
      expect(original.current).toBe(first);
      expect(copy.points).toEqual([include]);
    });
  });
}

describe('clicks after a box, classical engine', () => {
  it('takes the clicks as seeds with no mask_input (it has no logits to feed back)', async () => {
    const engine = new ClassicalSegmenter();
    const first = await engine.segment(slice, { box });
    expect(first.lowResLogits.length).toBe(0);
    const refinement = new Refinement<SegmentResult>(box, first);
    const prompt = refinement.promptWith(include);
    expect(prompt).toEqual({ box, points: [include] });
    await expect(engine.segment(slice, prompt)).resolves.toHaveProperty('mask');
  });
});
