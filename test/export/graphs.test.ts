import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImage, expectMatches, FIXTURES, IMAGE_SIZE, loadCheck, promptInputs } from './graph-check.ts';

/**
 * The exported tiny graphs (test/fixtures/models, made by export/) against the PyTorch modules they came
 * from. The PyTorch side (export/graph_check.py) ran the reference numerics (torch.fft, train-mode
 * BatchNorm) on inputs rebuilt here bit for bit, and stored strided samples of every output
 * (test/fixtures/graph-check). This is the only place the ONNX graphs meet onnxruntime before the
 * runtime's own parity tests: there is no Python onnxruntime on this machine.
 */

interface Manifest {
  decoderKind: 'sam' | 'robust';
  graphs: Record<
    'encoder' | 'decoder',
    { file: string; inputs: { name: string }[]; outputs: { name: string }[] }
  >;
}

const sessions: ort.InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

describe.each(['tiny-robust', 'tiny-sam'])('exported graphs of %s reproduce the PyTorch modules', (model) => {
  const dir = join(FIXTURES, 'models', model);
  const manifest: Manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const { check, sample } = loadCheck(model);
  const open = async (role: 'encoder' | 'decoder') => {
    const session = await ort.InferenceSession.create(join(dir, manifest.graphs[role].file));
    sessions.push(session);
    return session;
  };
  let encoderOutputs: Record<string, ort.Tensor> | undefined;

  it('has the manifest I/O names', async () => {
    for (const role of ['encoder', 'decoder'] as const) {
      const session = await open(role);
      expect([...session.inputNames]).toEqual(manifest.graphs[role].inputs.map((t) => t.name));
      expect([...session.outputNames]).toEqual(manifest.graphs[role].outputs.map((t) => t.name));
    }
  });

  it('encoder: embeddings (and robust features) match PyTorch', async () => {
    const encoder = await open('encoder');
    const image = new ort.Tensor('float32', checkImage(), [1, 3, IMAGE_SIZE, IMAGE_SIZE]);
    encoderOutputs = await encoder.run({ image });
    const names =
      manifest.decoderKind === 'robust' ? ['image_embeddings', 'robust_features'] : ['image_embeddings'];
    for (const name of names) {
      const diff = expectMatches(
        encoderOutputs[name].data as Float32Array,
        sample(name),
        check.samples[name],
        1e-3,
      );
      console.log(`${model} ${name}: max abs diff ${diff.toExponential(2)}`);
    }
  });

  it('decoder: low-res logits and IoU match PyTorch for box, points, padding point and mask input', async () => {
    expect(encoderOutputs, 'encoder test ran first').toBeDefined();
    const decoder = await open('decoder');
    for (const c of check.decoderCases) {
      const feeds: Record<string, ort.Tensor> = { image_embeddings: encoderOutputs!.image_embeddings };
      for (const [name, t] of Object.entries(promptInputs(c)))
        feeds[name] = new ort.Tensor('float32', t.data, t.dims);
      if (manifest.decoderKind === 'robust') feeds.robust_features = encoderOutputs!.robust_features;
      const out = await decoder.run(feeds);
      const logits = `${c.name}.low_res_logits`;
      const diff = expectMatches(
        out.low_res_logits.data as Float32Array,
        sample(logits),
        check.samples[logits],
        1e-3,
      );
      const iou = sample(`${c.name}.iou_prediction`)[0];
      expect(Math.abs((out.iou_prediction.data as Float32Array)[0] - iou)).toBeLessThan(1e-4);
      console.log(`${model} ${c.name}: logits max abs diff ${diff.toExponential(2)}`);
    }
  });
});
