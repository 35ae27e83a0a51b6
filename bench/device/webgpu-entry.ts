/**
 * Entry of the bundled WebGPU benchmark (bench/device/prepare.sh bundles it with esbuild into one .mjs):
 * runs webgpu.bench.ts and writes webgpu.json and webgpu.md into BENCH_OUT (default: the current folder),
 * as bench/run.ts writes bench/results/. Exits explicitly: dawn.node can keep Node alive.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo, toMarkdown } from '../report.ts';
import bench from '../webgpu.bench.ts';

const out = process.env.BENCH_OUT ?? '.';
const report = await bench();
const machine = machineInfo();
writeFileSync(join(out, 'webgpu.json'), `${JSON.stringify({ machine, ...report }, null, 2)}\n`);
const markdown = toMarkdown(report, machine);
writeFileSync(join(out, 'webgpu.md'), markdown);
console.log(markdown);
process.exit(0);
