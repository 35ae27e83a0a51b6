#!/usr/bin/env node
// `npm run export -- <command> ...`: the Python export tool runs on Debian's python3, which has torch.
import { spawnSync } from 'node:child_process';

const run = spawnSync('/usr/bin/python3', ['-m', 'export', ...process.argv.slice(2)], { stdio: 'inherit' });
if (run.error) {
  console.error(
    `export: cannot start /usr/bin/python3 (${run.error.message}); install python3-torch and python3-onnx.`,
  );
  process.exit(1);
}
process.exit(run.status ?? 1);
