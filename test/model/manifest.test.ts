import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.ts';
import { validateManifest } from '../../src/model/validate-manifest.ts';

const SHA = 'a'.repeat(64);
// biome-ignore lint/suspicious/noExplicitAny: the tests edit parsed JSON freely, as a hand-editor would.
type Json = any;
const f32 = (name: string, shape: Array<number | string>) => ({ name, type: 'float32', shape });

/** A valid robust-decoder manifest with tiny channel counts, as the fixtures have. */
function manifest(): Record<string, unknown> {
  return {
    format: 'robustmedsam-model/1',
    name: 'tiny robust',
    version: '0.0.1',
    decoderKind: 'robust',
    contract: 'sam',
    precision: 'fp32',
    batchNorm: 'per-image',
    provenance: { tool: 'export 0.1.0', createdAt: '2026-11-28T19:00:00Z', config: 'tiny', sources: [] },
    graphs: {
      encoder: {
        file: 'encoder.onnx',
        sha256: SHA,
        bytes: 1000,
        inputs: [f32('image', [1, 3, 1024, 1024])],
        outputs: [f32('image_embeddings', [1, 32, 64, 64]), f32('robust_features', [1, 8, 256, 256])],
      },
      decoder: {
        file: 'decoder.onnx',
        sha256: SHA,
        bytes: 500,
        inputs: [
          f32('image_embeddings', [1, 32, 64, 64]),
          f32('robust_features', [1, 8, 256, 256]),
          f32('point_coords', [1, 'N', 2]),
          f32('point_labels', [1, 'N']),
          f32('mask_input', [1, 1, 256, 256]),
          f32('has_mask_input', [1]),
        ],
        outputs: [f32('low_res_logits', [1, 1, 256, 256]), f32('iou_prediction', [1, 1])],
      },
    },
  };
}

function errorOf(json: unknown): ModelError {
  try {
    validateManifest(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).code).toBe('invalid-manifest');
    return e as ModelError;
  }
  throw new Error('validateManifest accepted an invalid manifest');
}

describe('validateManifest', () => {
  it('accepts a valid manifest and returns it typed', () => {
    const m = validateManifest(manifest());
    expect(m.decoderKind).toBe('robust');
    expect(m.graphs.decoder.inputs[2].shape).toEqual([1, 'N', 2]);
  });

  it('names the field and what is wrong with it', () => {
    const cases: Array<[(m: Json) => void, RegExp]> = [
      [
        (m) => (m.format = 'robustmedsam-model/2'),
        /format must be "robustmedsam-model\/1", found "robustmedsam-model\/2"/,
      ],
      [(m) => delete m.name, /name must be a non-empty string, found nothing/],
      [(m) => (m.contract = 'nnunet'), /contract must be one of "sam", "medsam", found "nnunet"/],
      [(m) => (m.decoderKind = 3), /decoderKind must be one of "sam", "robust", found number 3/],
      [(m) => (m.graphs.encoder.sha256 = 'xyz'), /graphs\.encoder\.sha256 must be 64 lower-case hex digits/],
      [
        (m) => (m.graphs.decoder.bytes = -1),
        /graphs\.decoder\.bytes must be a positive integer, found number -1/,
      ],
      [
        (m) => (m.graphs.encoder.largestTensorBytes = '768 MiB'),
        /graphs\.encoder\.largestTensorBytes must be a positive integer when present, found "768 MiB"/,
      ],
      [
        (m) => (m.graphs.decoder.file = '../evil.onnx'),
        /graphs\.decoder\.file must be a file name inside the model folder/,
      ],
      [
        (m) => (m.graphs.decoder.inputs[3].shape = [1, 0]),
        /graphs\.decoder\.inputs\[3\]\.shape\[1\] must be a positive integer/,
      ],
      [
        (m) => (m.graphs.decoder.inputs[4].type = 'float16'),
        /graphs\.decoder\.inputs\[4\]\.type must be one of "float32"/,
      ],
      [(m) => m.graphs.decoder.inputs.splice(5, 1), /graphs\.decoder\.inputs must declare "has_mask_input"/],
      [
        (m) => (m.graphs.encoder.outputs = [m.graphs.encoder.outputs[0]]),
        /graphs\.encoder\.outputs must declare "robust_features" \(robust decoder contract\)/,
      ],
      [
        (m) => (m.graphs.decoder.outputs[0].shape = [1, 3, 256, 256]),
        /graphs\.decoder\.outputs\[0\]\.shape of "low_res_logits" must be \[1, 1, 256, 256\], found \[1, 3, 256, 256\]/,
      ],
      [
        (m) => (m.graphs.decoder.inputs[0].shape = [1, 16, 64, 64]),
        /"image_embeddings" has 16 channels but the encoder produces 32/,
      ],
      [(m) => (m.batchNorm = 'train'), /batchNorm must be one of "per-image", "running"/],
      [
        (m) => (m.provenance.sources = [{ role: 'checkpoint', file: 'x.pth', sha256: 'no' }]),
        /provenance\.sources\[0\]\.sha256/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const m = manifest();
      mutate(m);
      expect(errorOf(m).message).toMatch(message);
    }
    expect(errorOf([]).message).toMatch(/\(top level\) must be an object, found an array/);
  });

  it('does not ask a plain SAM decoder for robust features', () => {
    const m: Json = manifest();
    m.decoderKind = 'sam';
    delete m.batchNorm;
    m.graphs.encoder.outputs.pop();
    m.graphs.decoder.inputs.splice(1, 1);
    expect(validateManifest(m).decoderKind).toBe('sam');
  });

  it('accepts an int8 encoder with its quantization record, and names what is wrong with one', () => {
    const int8 = (): Json => ({
      ...manifest(),
      precision: 'int8',
      quantization: {
        graph: 'encoder',
        method: 'dynamic',
        weights: 'int8-symmetric-per-column',
        activations: 'uint8-asymmetric-per-tensor-dynamic',
        nodes: { Gemm: 6, MatMul: 50 },
        keptFloat: 'attention products, DFT products, convolutions',
      },
    });
    const m = validateManifest(int8());
    expect(m.precision).toBe('int8');
    expect(m.quantization?.nodes).toEqual({ Gemm: 6, MatMul: 50 });
    expect(m.quantization?.measured).toBeUndefined(); // folders quantized before it existed stay valid
    const measured = int8();
    measured.quantization.floatEncoderBytes = 596_000_000;
    measured.quantization.measured = { maskDice: 0.93, encoderSpeedup: 1.6, on: '22 boxes' };
    expect(validateManifest(measured).quantization).toMatchObject({
      floatEncoderBytes: 596_000_000,
      measured: { maskDice: 0.93, encoderSpeedup: 1.6, on: '22 boxes' },
    });
    const cases: Array<[(m: Json) => void, RegExp]> = [
      [(m) => delete m.quantization, /quantization must say what was quantized when precision is "int8"/],
      [(m) => (m.quantization.graph = 'decoder'), /quantization\.graph must be one of "encoder"/],
      [(m) => (m.quantization.nodes = {}), /quantization\.nodes must name at least one op type/],
      [(m) => (m.quantization.nodes.MatMul = 0), /quantization\.nodes\.MatMul must be a positive integer/],
      [(m) => (m.precision = 'int4'), /precision must be one of "fp32", "fp16", "int8", found "int4"/],
      [
        (m) => (m.quantization.floatEncoderBytes = -1),
        /quantization\.floatEncoderBytes must be a positive integer/,
      ],
      [
        (m) => (m.quantization.measured = { maskDice: 93, on: 'x' }),
        /quantization\.measured\.maskDice must be a number from 0 to 1/,
      ],
      [
        (m) => (m.quantization.measured = { maskDice: 0.9 }),
        /quantization\.measured\.on must be a non-empty string/,
      ],
      [
        (m) => (m.quantization.measured = { maskDice: 0.9, on: 'x', encoderSpeedup: 0 }),
        /quantization\.measured\.encoderSpeedup must be a positive number/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const bad = int8();
      mutate(bad);
      expect(errorOf(bad).message).toMatch(message);
    }
  });
});
