import { InputError } from '../errors.ts';

/**
 * NumPy .npy (format 1.0) for the few dtypes we exchange with Python: masks (uint8) out of the CLI,
 * golden tensors (float32, uint8, int16) in from export/.
 */
export type NpyArray =
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array }
  | { dtype: 'int16'; shape: number[]; data: Int16Array }
  | { dtype: 'float32'; shape: number[]; data: Float32Array };

const DESCR = { uint8: '|u1', int16: '<i2', float32: '<f4' } as const;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function encodeNpy(array: NpyArray): Uint8Array {
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that the data starts on a 64-byte boundary, header ending in '\n' (the format's rule).
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64);
  header += '\n';
  const bytes = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(10 + header.length + bytes.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(bytes, 10 + header.length);
  return out;
}

export function decodeNpy(bytes: Uint8Array, what = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new InputError('not-npy', `${what} is not a NumPy .npy file.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined || fortran) {
    throw new InputError('bad-npy', `${what}: unsupported .npy header ${header.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const copy = bytes.slice(offset); // aligned copy, independent of the input buffer
  if (descr === '|u1') return { dtype: 'uint8', shape, data: new Uint8Array(copy.buffer, 0, count) };
  if (descr === '<i2') return { dtype: 'int16', shape, data: new Int16Array(copy.buffer, 0, count) };
  if (descr === '<f4') return { dtype: 'float32', shape, data: new Float32Array(copy.buffer, 0, count) };
  throw new InputError('bad-npy', `${what}: dtype ${descr} is not supported (uint8, int16, float32 are).`);
}
