// package.json's `imports` entry `#onnxruntime-web-cpu` (which onnxruntime-web build, and why: the top of
// session-web.ts). Both builds it points at have onnxruntime-web's own types; its types.d.ts declares them
// as ambient modules, which TypeScript does not apply to a name reached through `imports`.
declare module '#onnxruntime-web-cpu' {
  export * from 'onnxruntime-web';
}
