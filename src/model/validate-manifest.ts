import { ModelError } from '../errors.ts';
import {
  type GraphSpec,
  MANIFEST_FORMAT,
  type ModelManifest,
  type QuantizationMeasurement,
  type QuantizationRecord,
  type SourceCheckpoint,
  type TensorSpec,
} from './manifest.ts';

/**
 * Checks that parsed model.json is a ModelManifest, field by field, and returns it typed. Each error
 * names the field (a JSON path such as `graphs.decoder.inputs[2].shape`) and what is wrong with it, so
 * that someone holding a hand-edited or foreign model.json knows what to fix.
 */
export function validateManifest(json: unknown, where = 'model.json'): ModelManifest {
  const fail = (path: string, problem: string): never => {
    throw new ModelError(
      'invalid-manifest',
      `${where}: ${path} ${problem}.`,
      'Regenerate the model folder with `npm run export -- onnx ...`, or fix model.json by hand.',
    );
  };
  const object = (value: unknown, path: string): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(path, `must be an object, found ${describe(value)}`);
    }
    return value as Record<string, unknown>;
  };
  const text = (value: unknown, path: string): string => {
    if (typeof value !== 'string' || value.length === 0) {
      return fail(path, `must be a non-empty string, found ${describe(value)}`);
    }
    return value;
  };
  const oneOf = <T extends string>(value: unknown, path: string, allowed: readonly T[]): T => {
    if (!allowed.includes(value as T)) {
      return fail(
        path,
        `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, found ${describe(value)}`,
      );
    }
    return value as T;
  };
  const sha256 = (value: unknown, path: string): string => {
    const s = text(value, path);
    if (!/^[0-9a-f]{64}$/.test(s)) fail(path, 'must be 64 lower-case hex digits (a sha256)');
    return s;
  };
  const list = (value: unknown, path: string): unknown[] => {
    if (!Array.isArray(value)) return fail(path, `must be an array, found ${describe(value)}`);
    return value;
  };

  const tensor = (value: unknown, path: string): TensorSpec => {
    const t = object(value, path);
    const name = text(t.name, `${path}.name`);
    const type = oneOf(t.type, `${path}.type`, ['float32'] as const);
    const shape = list(t.shape, `${path}.shape`).map((d, i) => {
      if (typeof d === 'string' && d.length > 0) return d;
      if (typeof d === 'number' && Number.isInteger(d) && d > 0) return d;
      return fail(
        `${path}.shape[${i}]`,
        `must be a positive integer or a symbolic name, found ${describe(d)}`,
      );
    });
    return { name, type, shape };
  };
  const tensors = (value: unknown, path: string): TensorSpec[] => {
    const items = list(value, path).map((v, i) => tensor(v, `${path}[${i}]`));
    if (items.length === 0) fail(path, 'must list at least one tensor');
    const seen = new Set<string>();
    for (const [i, t] of items.entries()) {
      if (seen.has(t.name)) fail(`${path}[${i}].name`, `repeats "${t.name}"`);
      seen.add(t.name);
    }
    return items;
  };
  const graph = (value: unknown, path: string): GraphSpec => {
    const g = object(value, path);
    const file = text(g.file, `${path}.file`);
    if (file.includes('/') || file.includes('\\') || file === '..' || file === '.') {
      fail(`${path}.file`, `must be a file name inside the model folder, found "${file}"`);
    }
    const bytes = g.bytes;
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes <= 0) {
      fail(`${path}.bytes`, `must be a positive integer, found ${describe(bytes)}`);
    }
    const largest = g.largestTensorBytes;
    if (
      largest !== undefined &&
      (typeof largest !== 'number' || !Number.isInteger(largest) || largest <= 0)
    ) {
      fail(
        `${path}.largestTensorBytes`,
        `must be a positive integer when present, found ${describe(largest)}`,
      );
    }
    return {
      file,
      sha256: sha256(g.sha256, `${path}.sha256`),
      bytes: bytes as number,
      inputs: tensors(g.inputs, `${path}.inputs`),
      outputs: tensors(g.outputs, `${path}.outputs`),
      ...(largest === undefined ? {} : { largestTensorBytes: largest as number }),
    };
  };

  const measurement = (value: unknown, path: string): QuantizationMeasurement => {
    const v = object(value, path);
    const dice = v.maskDice;
    if (typeof dice !== 'number' || !(dice >= 0 && dice <= 1)) {
      fail(`${path}.maskDice`, `must be a number from 0 to 1, found ${describe(dice)}`);
    }
    const result: QuantizationMeasurement = { maskDice: dice as number, on: text(v.on, `${path}.on`) };
    if (v.encoderSpeedup !== undefined) {
      const speedup = v.encoderSpeedup;
      if (typeof speedup !== 'number' || !(speedup > 0) || !Number.isFinite(speedup)) {
        fail(`${path}.encoderSpeedup`, `must be a positive number, found ${describe(speedup)}`);
      }
      result.encoderSpeedup = speedup as number;
    }
    return result;
  };

  const m = object(json, '(top level)');
  if (m.format !== MANIFEST_FORMAT) {
    fail('format', `must be "${MANIFEST_FORMAT}", found ${describe(m.format)}`);
  }
  const decoderKind = oneOf(m.decoderKind, 'decoderKind', ['sam', 'robust'] as const);
  const provenance = object(m.provenance, 'provenance');
  const sources = list(provenance.sources, 'provenance.sources').map((v, i): SourceCheckpoint => {
    const s = object(v, `provenance.sources[${i}]`);
    return {
      role: text(s.role, `provenance.sources[${i}].role`),
      file: text(s.file, `provenance.sources[${i}].file`),
      sha256: sha256(s.sha256, `provenance.sources[${i}].sha256`),
    };
  });
  const graphs = object(m.graphs, 'graphs');
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    name: text(m.name, 'name'),
    version: text(m.version, 'version'),
    decoderKind,
    contract: oneOf(m.contract, 'contract', ['sam', 'medsam'] as const),
    precision: oneOf(m.precision, 'precision', ['fp32', 'fp16', 'int8'] as const),
    provenance: {
      tool: text(provenance.tool, 'provenance.tool'),
      createdAt: text(provenance.createdAt, 'provenance.createdAt'),
      config: text(provenance.config, 'provenance.config'),
      sources,
    },
    graphs: {
      encoder: graph(graphs.encoder, 'graphs.encoder'),
      decoder: graph(graphs.decoder, 'graphs.decoder'),
    },
  };
  if (manifest.precision === 'int8' && m.quantization === undefined) {
    fail('quantization', 'must say what was quantized when precision is "int8", found nothing');
  }
  if (m.quantization !== undefined) {
    const q = object(m.quantization, 'quantization');
    const nodes = object(q.nodes, 'quantization.nodes');
    const counts: Record<string, number> = {};
    for (const [op, count] of Object.entries(nodes)) {
      if (typeof count !== 'number' || !Number.isInteger(count) || count <= 0) {
        fail(`quantization.nodes.${op}`, `must be a positive integer, found ${describe(count)}`);
      }
      counts[op] = count as number;
    }
    if (Object.keys(counts).length === 0) fail('quantization.nodes', 'must name at least one op type');
    const record: QuantizationRecord = {
      graph: oneOf(q.graph, 'quantization.graph', ['encoder'] as const),
      method: oneOf(q.method, 'quantization.method', ['dynamic'] as const),
      weights: text(q.weights, 'quantization.weights'),
      activations: text(q.activations, 'quantization.activations'),
      nodes: counts,
    };
    if (q.keptFloat !== undefined) record.keptFloat = text(q.keptFloat, 'quantization.keptFloat');
    if (q.floatEncoderBytes !== undefined) {
      const bytes = q.floatEncoderBytes;
      if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes <= 0) {
        fail('quantization.floatEncoderBytes', `must be a positive integer, found ${describe(bytes)}`);
      }
      record.floatEncoderBytes = bytes as number;
    }
    if (q.measured !== undefined) record.measured = measurement(q.measured, 'quantization.measured');
    manifest.quantization = record;
  }
  if (m.batchNorm !== undefined) {
    manifest.batchNorm = oneOf(m.batchNorm, 'batchNorm', ['per-image', 'running'] as const);
  }
  if (manifest.graphs.encoder.file === manifest.graphs.decoder.file) {
    fail('graphs.decoder.file', `must differ from graphs.encoder.file ("${manifest.graphs.encoder.file}")`);
  }
  checkContractTensors(manifest, fail);
  return manifest;
}

/**
 * The tensors the runtime feeds and reads must be declared with the ranks and fixed sizes of the ONNX
 * contract (image in, embeddings and robust features out; prompts and mask in, low-res logits and
 * score out). Channel counts stay free: they come from the manifest.
 */
function checkContractTensors(m: ModelManifest, fail: (path: string, problem: string) => never): void {
  const robust = m.decoderKind === 'robust';
  // [name, required shape], null = any value (a channel count or a symbolic dimension).
  const encoderOutputs: Array<[string, Array<number | null>]> = [['image_embeddings', [1, null, 64, 64]]];
  if (robust) encoderOutputs.push(['robust_features', [1, null, 256, 256]]);
  const expected: Record<
    'encoder' | 'decoder',
    Record<'inputs' | 'outputs', Array<[string, Array<number | null>]>>
  > = {
    encoder: { inputs: [['image', [1, 3, 1024, 1024]]], outputs: encoderOutputs },
    decoder: {
      inputs: [
        ['image_embeddings', [1, null, 64, 64]],
        ...(robust ? [['robust_features', [1, null, 256, 256]] as [string, Array<number | null>]] : []),
        ['point_coords', [1, null, 2]],
        ['point_labels', [1, null]],
        ['mask_input', [1, 1, 256, 256]],
        ['has_mask_input', [1]],
      ],
      outputs: [
        ['low_res_logits', [1, 1, 256, 256]],
        ['iou_prediction', [1, 1]],
      ],
    },
  };
  for (const graphName of ['encoder', 'decoder'] as const) {
    for (const side of ['inputs', 'outputs'] as const) {
      const declared = m.graphs[graphName][side];
      for (const [name, shape] of expected[graphName][side]) {
        const index = declared.findIndex((t) => t.name === name);
        const path = `graphs.${graphName}.${side}`;
        if (index < 0) {
          fail(
            path,
            `must declare "${name}" (${m.decoderKind} decoder contract); it lists ${namesOf(declared)}`,
          );
        }
        const got = declared[index].shape;
        const matches =
          got.length === shape.length &&
          shape.every((d, i) => d === null || got[i] === d || typeof got[i] === 'string');
        if (!matches) {
          fail(
            `${path}[${index}].shape`,
            `of "${name}" must be [${shape.map((d) => d ?? '*').join(', ')}], found [${got.join(', ')}]`,
          );
        }
      }
    }
  }
  const channels = (graphName: 'encoder' | 'decoder', side: 'inputs' | 'outputs', name: string) =>
    m.graphs[graphName][side].find((t) => t.name === name)?.shape[1];
  for (const name of robust ? ['image_embeddings', 'robust_features'] : ['image_embeddings']) {
    const produced = channels('encoder', 'outputs', name);
    const consumed = channels('decoder', 'inputs', name);
    if (typeof produced === 'number' && typeof consumed === 'number' && produced !== consumed) {
      fail(
        'graphs.decoder.inputs',
        `"${name}" has ${consumed} channels but the encoder produces ${produced}: the graphs are from different models`,
      );
    }
  }
}

function namesOf(tensors: TensorSpec[]): string {
  return tensors.length ? tensors.map((t) => `"${t.name}"`).join(', ') : 'nothing';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
