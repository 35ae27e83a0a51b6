import { readFileSync } from 'node:fs';
const [file, C] = process.argv.slice(2);
const ort = await import('onnxruntime-node');
const s = await ort.InferenceSession.create(file, { enableProfiling: true, profileFilePrefix: '/tmp/fftx/prof' });
const x = new ort.Tensor('float32', new Float32Array(C * 65536).map(() => Math.random()), [1, +C, 256, 256]);
for (let i = 0; i < 4; i++) await s.run({ x });
const out = s.endProfiling();
