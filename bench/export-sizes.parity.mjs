// Full-size parity check for `npm run export -- bench-sizes` (export/bench_sizes.py runs it):
// runs an exported model folder with onnxruntime-node on the inputs PyTorch used and prints, as JSON,
// the max abs difference of every output against PyTorch's. Inputs: a folder with parity.json
// ({ tensors: { name: { file, shape } }, decoderFeeds: [names], expected: [names] }) and raw float32 files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelDir, dataDir] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(join(dataDir, 'parity.json'), 'utf8'));
const tensor = (name) => {
  const { file, shape } = spec.tensors[name];
  const bytes = readFileSync(join(dataDir, file));
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return new ort.Tensor('float32', data, shape);
};
const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
const options = { intraOpNumThreads: 2 };
const encoder = await ort.InferenceSession.create(join(modelDir, manifest.graphs.encoder.file), options);
const decoder = await ort.InferenceSession.create(join(modelDir, manifest.graphs.decoder.file), options);
const started = performance.now();
const encoded = await encoder.run({ image: tensor('image') });
const encoderMs = performance.now() - started;
const feeds = { ...encoded };
for (const name of spec.decoderFeeds) feeds[name] = tensor(name);
const decoded = await decoder.run(feeds);
const outputs = { ...encoded, ...decoded };
const result = { encoderMs: Math.round(encoderMs) };
for (const name of spec.expected) {
  const want = tensor(`expected.${name}`).data;
  const got = outputs[name].data;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  result[name] = { maxAbsDiff: diff, maxAbs: scale };
}
await encoder.release();
await decoder.release();
console.log(JSON.stringify(result));
