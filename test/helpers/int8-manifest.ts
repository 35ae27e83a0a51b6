/** A model.json as `export quantize` writes it, for the tests of how a viewer offers an int8 folder. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from '../../src/model/manifest.ts';
import { validateManifest } from '../../src/model/validate-manifest.ts';
import { FIXTURE_MODELS } from '../model/model-fixtures.ts';

/** The fixture's model.json turned into what `export quantize` writes (ViT-B sizes), plus a measurement. */
export function int8Manifest(measured = true): ModelManifest {
  const json = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'tiny-robust', 'model.json'), 'utf8'));
  json.precision = 'int8';
  json.graphs.encoder.bytes = 246_398_697;
  json.quantization = {
    graph: 'encoder',
    method: 'dynamic',
    weights: 'int8-symmetric-per-column',
    activations: 'uint8-asymmetric-per-tensor-dynamic',
    nodes: { Gemm: 8, MatMul: 50 },
    floatEncoderBytes: 596_005_465,
    ...(measured
      ? {
          measured: {
            maskDice: 0.926,
            encoderSpeedup: 1.63,
            on: 'the bundled samples (ViT-B random weights)',
          },
        }
      : {}),
  };
  return validateManifest(json);
}
