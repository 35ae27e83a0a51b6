const [file] = process.argv.slice(2);
const ort = await import('onnxruntime-node');
const s = await ort.InferenceSession.create(file, { enableProfiling: true, profileFilePrefix: '/tmp/fftx/dprof' });
const R = (n) => new Float32Array(n).map(() => Math.random() * 2 - 1);
const feeds = {
  image_embeddings: new ort.Tensor('float32', R(256 * 4096), [1, 256, 64, 64]),
  robust_features: new ort.Tensor('float32', R(32 * 65536), [1, 32, 256, 256]),
  point_coords: new ort.Tensor('float32', Float32Array.from([200, 300, 600, 700]), [1, 2, 2]),
  point_labels: new ort.Tensor('float32', Float32Array.from([2, 3]), [1, 2]),
  mask_input: new ort.Tensor('float32', new Float32Array(65536), [1, 1, 256, 256]),
  has_mask_input: new ort.Tensor('float32', Float32Array.from([0]), [1]),
};
for (let i = 0; i < 3; i++) await s.run(feeds);
s.endProfiling();
