import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/tools.ts';

/** Runs the export tool (`/usr/bin/python3 -m export ...`); a failure throws with its stderr. */
export function exportTool(args: string[]): void {
  execFileSync('/usr/bin/python3', ['-m', 'export', ...args], { cwd: REPO_ROOT, stdio: 'pipe' });
}

/**
 * Exports the weights of test/fixtures/models/tiny-robust (random tiny config, seed 1, robust, contract
 * sam: export/fixtures.py) with extra `onnx` options into the model folder `out`; the checkpoint is made
 * once per `work` folder. Returns `out`.
 */
export function exportTinyRobust(work: string, out: string, options: string[]): string {
  const checkpoint = join(work, 'tiny-robust-seed1.pth');
  if (!existsSync(checkpoint))
    exportTool(['random', '--config', 'tiny', '--kind', 'robust', '--seed', '1', '--out', checkpoint]);
  exportTool(['onnx', '--checkpoint', checkpoint, '--contract', 'sam', ...options, '--out', out]);
  return out;
}
