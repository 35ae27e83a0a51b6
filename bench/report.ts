import { cpus, totalmem } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What one benchmark returns: rows of measurements, each a flat record, plus notes for the reader. */
export interface BenchReport {
  title: string;
  /** Column order for the Markdown table; every row should carry these keys. */
  columns: string[];
  rows: Array<Record<string, string | number>>;
  /** Targets, caveats, what was measured exactly. */
  notes?: string[];
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A path as recorded in results: relative to the repository, so results never name the machine's folders. */
export function repoPath(path: string): string {
  const relativePath = relative(REPO_ROOT, path);
  return relativePath.startsWith('..') ? path : relativePath;
}

/** Percentile by nearest rank on a copy of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function toMarkdown(report: BenchReport, machine: MachineInfo): string {
  const fmt = (v: string | number | undefined) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : (v ?? '');
  const lines = [
    `# ${report.title}`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}; run ${machine.date}.`,
    '',
    `| ${report.columns.join(' | ')} |`,
    `| ${report.columns.map(() => '---').join(' | ')} |`,
    ...report.rows.map((row) => `| ${report.columns.map((c) => fmt(row[c])).join(' | ')} |`),
  ];
  if (report.notes?.length) lines.push('', ...report.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}
