#!/usr/bin/env node
// Runs the export/ Python tests with Debian's python3 (the one with torch), or skips them with a
// one-line reason where torch is missing, unless ROBUSTMEDSAM_REQUIRE_TOOLS=1 (CI) makes that a failure.
import { spawnSync } from 'node:child_process';

const python = '/usr/bin/python3';
const probe = spawnSync(python, ['-c', 'import torch, onnx, numpy, pytest'], { stdio: 'ignore' });
if (probe.status !== 0) {
  const reason = `${python} with torch, onnx, numpy and pytest is missing (Debian: python3-torch python3-onnx python3-numpy python3-pytest)`;
  if (process.env.ROBUSTMEDSAM_REQUIRE_TOOLS === '1') {
    console.error(`export tests: ${reason}`);
    process.exit(1);
  }
  console.warn(`export tests skipped: ${reason}`);
  process.exit(0);
}
const run = spawnSync(python, ['-m', 'pytest', '-q', 'export/tests', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
