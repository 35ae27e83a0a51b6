import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { exportTinyRobust } from './export-tool.ts';

/**
 * fp16 export (the encoder's weights stored as float16, graph I/O and arithmetic float32; the decoder
 * the fp32 graph): made here by the export tool from the same seed as the tiny-robust fixture, then run
 * beside the fp32 fixture graphs on the same input. The ViT-B-size difference is recorded in
 * bench/results/export-sizes.md and bench/results/fp16-fidelity.md.
 */
const missing = missingTools({ python: ['torch', 'onnx', 'numpy'] });

describe.skipIf(missing)('fp16 model folder', () => {
  const work = mkdtempSync(join(tmpdir(), 'rmsam-fp16-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('halves the encoder, keeps the fp32 decoder, runs with float32 I/O and stays close to fp32', async () => {
    exportTinyRobust(work, join(work, 'fp16'), ['--precision', 'fp16']);
    const manifest = JSON.parse(readFileSync(join(work, 'fp16', 'model.json'), 'utf8'));
    expect(manifest.precision).toBe('fp16');
    const fp32Dir = join(REPO_ROOT, 'test/fixtures/models/tiny-robust');
    const fp32Graphs = JSON.parse(readFileSync(join(fp32Dir, 'model.json'), 'utf8')).graphs;
    expect(manifest.graphs.encoder.bytes).toBeLessThan(0.7 * fp32Graphs.encoder.bytes);
    expect(manifest.graphs.decoder.sha256).toBe(fp32Graphs.decoder.sha256); // the decoder stays fp32

    const image = new Float32Array(3 * 1024 * 1024);
    for (let i = 0; i < image.length; i++) image[i] = ((i * 2654435761) % 1000) / 250 - 2;
    const prompt = {
      point_coords: new ort.Tensor('float32', Float32Array.of(300, 260, 120, 140, 700, 800), [1, 3, 2]),
      point_labels: new ort.Tensor('float32', Float32Array.of(1, 2, 3), [1, 3]),
      mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
      has_mask_input: new ort.Tensor('float32', Float32Array.of(0), [1]),
    };
    const run = async (dir: string) => {
      const encoder = await ort.InferenceSession.create(join(dir, 'encoder.onnx'));
      const decoder = await ort.InferenceSession.create(join(dir, 'decoder.onnx'));
      const encoded = await encoder.run({ image: new ort.Tensor('float32', image, [1, 3, 1024, 1024]) });
      const out = await decoder.run({ ...encoded, ...prompt });
      await encoder.release();
      await decoder.release();
      return { ...encoded, ...out };
    };
    const [full, half] = [await run(fp32Dir), await run(join(work, 'fp16'))];
    for (const name of ['image_embeddings', 'robust_features', 'low_res_logits']) {
      const a = full[name].data as Float32Array;
      const b = half[name].data as Float32Array;
      expect(half[name].type).toBe('float32');
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      console.log(
        `tiny-robust fp16 vs fp32 ${name}: max abs diff ${diff.toExponential(2)} (max |value| ${scale.toFixed(2)})`,
      );
      expect(diff).toBeGreaterThan(0); // the weights really were rounded
      expect(diff).toBeLessThan(0.02 * scale);
    }
  });
});
