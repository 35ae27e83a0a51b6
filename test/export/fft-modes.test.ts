import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FftMode } from '../../src/model/manifest.ts';
import type { SessionFactory, TensorData } from '../../src/model/session.ts';
import { nodeSessionFactory } from '../../src/model/session-node.ts';
import { webSessionFactory } from '../../src/model/session-web.ts';
import { missingTools } from '../helpers/tools.ts';
import { exportTinyRobust } from './export-tool.ts';
import { checkImage, expectMatches, IMAGE_SIZE, loadCheck, maxAbsDiff, promptInputs } from './graph-check.ts';

/**
 * The two forms of the Fourier blocks (`--fft dft-op`: ONNX DFT nodes; `--fft matmul`: DFT matrix
 * products), exported here from the weights of the tiny-robust fixture (seed 1, contract sam) and run in
 * onnxruntime-node and in onnxruntime-web's wasm backend (the browser's CPU path). Both must reproduce the
 * PyTorch reference (torch.fft; samples in test/fixtures/graph-check/tiny-robust) and each other.
 * The ViT-B-size latency of the two forms is in bench/results/fft-modes.md.
 */
const missing = missingTools({ python: ['torch', 'onnx', 'numpy'] });
const MODES: FftMode[] = ['dft-op', 'matmul'];
// NodeProto.op_type = "DFT" as protobuf writes it (field 4, length-delimited, 3 bytes): 5 fixed bytes,
// which weights hardly ever repeat by chance (the bare 3 letters do, in a few MB of random floats).
const DFT_OP_TYPE = Buffer.from([0x22, 0x03, ...Buffer.from('DFT')]);

interface Outputs {
  encoder: Record<string, TensorData>;
  decoder: Record<string, Record<string, TensorData>>; // by decoder case
}

describe.skipIf(missing)('Fourier blocks as ONNX DFT nodes and as DFT matrix products', () => {
  const work = mkdtempSync(join(tmpdir(), 'rmsam-fft-'));
  const { check, sample } = loadCheck('tiny-robust');
  const runtimes: Array<[string, () => Promise<SessionFactory>]> = [
    ['onnxruntime-node', async () => nodeSessionFactory()],
    ['onnxruntime-web', async () => (await webSessionFactory({ webgpu: false, numThreads: 2 })).factory],
  ];
  const results = new Map<string, Outputs>(); // `${runtime} ${mode}`

  beforeAll(() => {
    for (const mode of MODES) exportTinyRobust(work, join(work, mode), ['--fft', mode]);
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const folder = (mode: FftMode) => join(work, mode);
  const graph = (mode: FftMode, role: 'encoder' | 'decoder') =>
    new Uint8Array(readFileSync(join(folder(mode), `${role}.onnx`)));

  it('records the form in model.json, and only the dft-op graphs hold DFT nodes', () => {
    for (const mode of MODES) {
      const manifest = JSON.parse(readFileSync(join(folder(mode), 'model.json'), 'utf8'));
      expect(manifest.fft).toBe(mode);
      const hasDft = (role: 'encoder' | 'decoder') => Buffer.from(graph(mode, role)).includes(DFT_OP_TYPE);
      expect([hasDft('encoder'), hasDft('decoder')]).toEqual(
        mode === 'dft-op' ? [true, true] : [false, false],
      );
    }
  });

  for (const [runtime, makeFactory] of runtimes) {
    for (const mode of MODES) {
      it(`${mode} graphs in ${runtime} reproduce PyTorch (torch.fft)`, async () => {
        const factory = await makeFactory();
        const encoder = await factory(graph(mode, 'encoder'), 'encoder');
        const decoder = await factory(graph(mode, 'decoder'), 'decoder');
        try {
          const encoded = await encoder.run({
            image: { data: checkImage(), dims: [1, 3, IMAGE_SIZE, IMAGE_SIZE] },
          });
          for (const name of ['image_embeddings', 'robust_features'])
            expectMatches(encoded[name].data, sample(name), check.samples[name], 1e-3);
          const decoded: Outputs['decoder'] = {};
          for (const c of check.decoderCases) {
            const out = await decoder.run({ ...encoded, ...promptInputs(c) });
            const logits = `${c.name}.low_res_logits`;
            const diff = expectMatches(out.low_res_logits.data, sample(logits), check.samples[logits], 1e-3);
            const iou = sample(`${c.name}.iou_prediction`)[0];
            expect(Math.abs(out.iou_prediction.data[0] - iou)).toBeLessThan(1e-4);
            console.log(
              `${mode} in ${runtime}, ${c.name}: logits max abs diff to PyTorch ${diff.toExponential(2)}`,
            );
            decoded[c.name] = out;
          }
          results.set(`${runtime} ${mode}`, { encoder: encoded, decoder: decoded });
        } finally {
          await encoder.release();
          await decoder.release();
        }
      }, 120_000);
    }
  }

  it('dft-op and matmul graphs agree within 1e-4 on the same inputs, in both runtimes', async () => {
    const reference = results.get('onnxruntime-node matmul');
    expect(reference, 'the runs above completed').toBeDefined();
    for (const [runtime, makeFactory] of runtimes) {
      const dft = results.get(`${runtime} dft-op`);
      expect(dft, `${runtime} dft-op ran`).toBeDefined();
      const features = maxAbsDiff(dft!.encoder.robust_features.data, reference!.encoder.robust_features.data);
      expect(features).toBeLessThanOrEqual(1e-4);
      // Decoders on one set of encoder outputs, so that only their own Fourier block differs.
      const decoder = await (await makeFactory())(graph('dft-op', 'decoder'), 'decoder');
      try {
        for (const c of check.decoderCases) {
          const a = await decoder.run({ ...reference!.encoder, ...promptInputs(c) });
          const b = reference!.decoder[c.name];
          const diff = maxAbsDiff(a.low_res_logits.data, b.low_res_logits.data);
          console.log(
            `dft-op in ${runtime} vs matmul in onnxruntime-node, ${c.name}: logits max abs diff ${diff.toExponential(2)}`,
          );
          expect(diff).toBeLessThanOrEqual(1e-4);
          expect(Math.abs(a.iou_prediction.data[0] - b.iou_prediction.data[0])).toBeLessThan(1e-5);
        }
      } finally {
        await decoder.release();
      }
    }
  });
});
