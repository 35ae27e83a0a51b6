/**
 * `npm run bench [-- NAME ...]`: runs every bench/*.bench.ts (or the named ones) one after another and
 * writes bench/results/NAME.json and NAME.md, each stamped with the machine it ran on.
 * A benchmark file default-exports `async () => BenchReport`.
 */
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchReport, machineInfo, toMarkdown } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
const wanted = process.argv.slice(2);

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.bench.ts')))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ') || '(any)'} in ${here}`);
  process.exit(2);
}
for (const file of files) {
  const name = basename(file, '.bench.ts');
  console.log(`bench ${name} ...`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<BenchReport> };
  const report = await mod.default();
  const machine = machineInfo();
  writeAtomically(join(resultsDir, `${name}.json`), `${JSON.stringify({ machine, ...report }, null, 2)}\n`);
  const markdown = toMarkdown(report, machine);
  writeAtomically(join(resultsDir, `${name}.md`), markdown);
  console.log(markdown);
}
