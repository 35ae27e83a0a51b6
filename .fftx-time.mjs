const [which, file, C] = process.argv.slice(2);
const ort = await import(which);
if (which === 'onnxruntime-web') ort.env.wasm.numThreads = 2;
const s = await ort.InferenceSession.create(file);
const x = new ort.Tensor('float32', new Float32Array(C * 65536).map(() => Math.random()), [1, +C, 256, 256]);
const ts = [];
for (let i = 0; i < 5; i++) { const t = performance.now(); await s.run({ x }); ts.push(performance.now() - t); }
console.log(which, file, ts.map((t) => t.toFixed(0)).join(' '));
