// Asks Dawn (the carried dawn.node, DAWN_NODE_PATH) for a WebGPU adapter under the current Vulkan
// environment; prints its info as one JSON line, or "none: why". Used by webgpu-on-gpu.sh to pick
// the Vulkan driver file that works on the lent machine.
import { createRequire } from 'node:module';

const dawn = createRequire(import.meta.url)(process.env.DAWN_NODE_PATH);
try {
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) console.log('none: requestAdapter gave null');
  else {
    const info = adapter.info ?? {};
    console.log(
      JSON.stringify({
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
      }),
    );
  }
} catch (error) {
  console.log(`none: ${error?.message ?? error}`);
}
process.exit(0);
