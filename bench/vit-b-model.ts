/**
 * The full-size (ViT-B) random-weight model folders the latency benchmarks run on. They are made
 * reproducibly by export/ (fixed seed) under out/ (git-ignored, ~400 MB each) the first time a benchmark
 * needs them, and reused afterwards. ROBUSTMEDSAM_VIT_B_DIR points at an existing folder instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FftMode, Precision } from '../src/model/manifest.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'out', 'bench-models');

function exportTool(args: string[]): void {
  console.log(`bench: npm run export -- ${args.join(' ')}`);
  const run = spawnSync('node', [join(REPO, 'scripts/run-export.js'), ...args], {
    stdio: 'inherit',
    cwd: REPO,
  });
  if (run.status !== 0)
    throw new Error(`export ${args[0]} failed (exit ${run.status}); see its output above`);
}

/**
 * A ViT-B model folder with random weights: robust decoder, `sam` contract (the fused model's shape).
 * `fft` asks for a robust folder exported with that form of the Fourier blocks (vit_b-robust-<fft>);
 * without it, the export tool's default form (vit_b-robust). `precision` 'fp16' asks for weights stored
 * as float16 (`--precision fp16`; folder name ending -fp16); 'int8' for the fp32 folder's encoder
 * quantized by `export quantize` (seconds; folder name ending -int8, decoder the fp32 one).
 */
export function vitBModelFolder(
  kind: 'robust' | 'sam' = 'robust',
  fft?: FftMode,
  precision: Precision = 'fp32',
): string {
  const fromEnv = process.env.ROBUSTMEDSAM_VIT_B_DIR;
  if (fromEnv && kind === 'robust' && !fft && precision === 'fp32') return resolve(fromEnv);
  const withFft = kind === 'robust' && fft !== undefined;
  const name = withFft ? `vit_b-${kind}-${fft}` : `vit_b-${kind}`;
  const folder = join(OUT, precision === 'fp32' ? name : `${name}-${precision}`);
  if (existsSync(join(folder, 'model.json'))) return folder;
  if (precision === 'int8') {
    exportTool(['quantize', '--model', vitBModelFolder(kind, fft, 'fp32'), '--out', folder]);
    return folder;
  }
  mkdirSync(OUT, { recursive: true });
  const checkpoint = join(OUT, 'vit_b-random.pth');
  if (!existsSync(checkpoint)) exportTool(['random', '--config', 'vit_b', '--out', checkpoint]);
  const options = [
    ...(withFft ? ['--fft', fft] : []),
    ...(precision === 'fp16' ? ['--precision', 'fp16'] : []),
  ];
  exportTool([
    'onnx',
    '--checkpoint',
    checkpoint,
    '--kind',
    kind,
    '--contract',
    'sam',
    ...options,
    '--out',
    folder,
  ]);
  return folder;
}
