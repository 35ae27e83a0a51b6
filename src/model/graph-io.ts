import { ModelError } from '../errors.ts';
import type { GraphSpec, TensorSpec } from './manifest.ts';
import type { TensorData, ValueInfo } from './session.ts';

const HINT =
  'model.json does not describe this graph: re-export the model folder so that both come from one run.';

/**
 * At load: the graph's input and output names must be exactly those of the manifest, and every
 * dimension both fix to a number must agree (onnxruntime exposes shapes through session metadata).
 */
export function checkSessionIo(
  role: 'encoder' | 'decoder',
  spec: GraphSpec,
  session: { inputs: readonly ValueInfo[]; outputs: readonly ValueInfo[] },
): void {
  for (const side of ['inputs', 'outputs'] as const) {
    const declared = spec[side];
    const actual = session[side];
    const missing = declared.filter((t) => !actual.some((a) => a.name === t.name)).map((t) => `"${t.name}"`);
    const extra = actual.filter((a) => !declared.some((t) => t.name === a.name)).map((a) => `"${a.name}"`);
    if (missing.length || extra.length) {
      const parts = [
        missing.length ? `model.json lists ${missing.join(', ')} which the graph lacks` : '',
        extra.length ? `the graph has ${extra.join(', ')} which model.json does not list` : '',
      ].filter(Boolean);
      throw new ModelError(
        'graph-io-mismatch',
        `The ${role} graph's ${side} do not match model.json: ${parts.join('; ')}.`,
        HINT,
      );
    }
    for (const t of declared) {
      const a = actual.find((v) => v.name === t.name)!;
      if (a.type !== 'unknown' && a.type !== t.type) {
        throw new ModelError(
          'graph-io-mismatch',
          `The ${role} graph's ${side.slice(0, -1)} "${t.name}" is ${a.type}; model.json says ${t.type}.`,
          HINT,
        );
      }
      if (a.shape.length > 0) checkShape(role, side, t, a.shape);
    }
  }
}

/** On a run: each output's actual dimensions must fit the manifest (covers runtimes without metadata). */
export function checkRunOutputs(
  role: 'encoder' | 'decoder',
  spec: GraphSpec,
  outputs: Record<string, TensorData>,
): void {
  for (const t of spec.outputs) {
    const out = outputs[t.name];
    if (!out) {
      throw new ModelError('graph-io-mismatch', `The ${role} graph returned no "${t.name}".`, HINT);
    }
    checkShape(role, 'outputs', t, out.dims);
    const expected = out.dims.reduce((a, b) => a * b, 1);
    if (out.data.length !== expected) {
      throw new ModelError(
        'graph-io-mismatch',
        `The ${role} graph's output "${t.name}" has ${out.data.length} values for shape [${out.dims.join(', ')}].`,
        HINT,
      );
    }
  }
}

/** How many values are NaN or infinite (v - v is 0 for every finite v, NaN otherwise). */
export function countNonFinite(data: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (data[i] - data[i] !== 0) bad++;
  return bad;
}

/**
 * On every run: no NaN or infinity in any output. A trained model in float32 never produces one; a
 * runtime or GPU fault can (onnxruntime-web's float16 WebGPU kernels, for one, overflow long means:
 * bench/results/fp16-sensitivity.md). Such an encoding must not reach the caches, where every later box
 * on the slice, and every reopening, would reuse it.
 */
export function checkFinite(
  role: 'encoder' | 'decoder',
  backend: string,
  outputs: Record<string, TensorData>,
): void {
  for (const [name, t] of Object.entries(outputs)) {
    const bad = countNonFinite(t.data);
    if (bad > 0) {
      throw new ModelError(
        'non-finite-output',
        `The ${role} returned ${bad} non-finite values (NaN or infinity) of ${t.data.length} in "${name}" on ${backend}.`,
        'The runtime computed this slice wrong, and nothing was kept. On WebGPU, load the model on the CPU backend ' +
          '(wasm) and report the GPU and browser; on the CPU, report it with the model folder and the slice.',
      );
    }
  }
}

function checkShape(
  role: string,
  side: 'inputs' | 'outputs',
  spec: TensorSpec,
  actual: ReadonlyArray<number | string>,
): void {
  const agrees =
    actual.length === spec.shape.length &&
    spec.shape.every((d, i) => typeof d === 'string' || typeof actual[i] === 'string' || actual[i] === d);
  if (!agrees) {
    throw new ModelError(
      'graph-io-mismatch',
      `The ${role} graph's ${side.slice(0, -1)} "${spec.name}" has shape [${actual.join(', ')}]; model.json says [${spec.shape.join(', ')}].`,
      HINT,
    );
  }
}
