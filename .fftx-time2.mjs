const files = process.argv.slice(2);
const R = (n) => new Float32Array(n).map(() => Math.random() * 2 - 1);
const data = { e: R(256 * 4096), r: R(32 * 65536) };
for (const which of (process.env.RT ?? 'onnxruntime-node,onnxruntime-web').split(',')) {
  const ort = await import(which);
  if (which === 'onnxruntime-web') ort.env.wasm.numThreads = 2;
  const feeds = {
    image_embeddings: new ort.Tensor('float32', data.e, [1, 256, 64, 64]),
    robust_features: new ort.Tensor('float32', data.r, [1, 32, 256, 256]),
    point_coords: new ort.Tensor('float32', Float32Array.from([200, 300, 600, 700]), [1, 2, 2]),
    point_labels: new ort.Tensor('float32', Float32Array.from([2, 3]), [1, 2]),
    mask_input: new ort.Tensor('float32', new Float32Array(65536), [1, 1, 256, 256]),
    has_mask_input: new ort.Tensor('float32', Float32Array.from([0]), [1]),
  };
  const sessions = await Promise.all(files.map((f) => ort.InferenceSession.create(f)));
  const times = files.map(() => []);
  const outs = [];
  for (let i = 0; i < +(process.env.N ?? 5); i++) for (const [k, s] of sessions.entries()) { const t = performance.now(); const o = await s.run(feeds); if (i) times[k].push(performance.now() - t); outs[k] = o.low_res_logits.data; }
  let d = 0; for (let i = 0; i < outs[0].length; i++) d = Math.max(d, Math.abs(outs[0][i] - outs[outs.length - 1][i]));
  for (const [k, f] of files.entries()) console.log(which, f, times[k].map((t) => t.toFixed(0)).join(' '), 'median', [...times[k]].sort((a, b) => a - b)[times[k].length >> 1].toFixed(0), 'min', Math.min(...times[k]).toFixed(0));
  console.log('max diff first vs last', d);
}
