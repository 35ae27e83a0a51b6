import { CLEAN, type ResultRecord } from './benchmark.ts';
import { median } from './metrics.ts';

/**
 * Turning benchmark records into what a reader looks at: summary rows, CSV, a Dice-against-severity
 * chart (SVG) and a short Markdown report. Pure string building.
 */

export interface SummaryRow {
  engine: string;
  corruption: string;
  severity: number;
  count: number;
  meanDice: number;
  medianDice: number;
  meanNsd: number;
  /** Median over the finite values; null when none is finite. */
  medianHd95: number | null;
  /** Records where the prediction or the truth was empty while the other was not (HD95 infinite). */
  infiniteHd95: number;
}

export interface EngineSummary {
  engine: string;
  label: string;
  cleanMeanDice: number;
  /** Mean Dice over every degraded record (all corruptions and severities run). */
  degradedMeanDice: number;
  /** Mean Dice over the degraded records at severity 3, the paper's setting (NaN if not run). */
  paperSettingMeanDice: number;
}

const mean = (values: number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;

export function summarise(records: ResultRecord[]): SummaryRow[] {
  const groups = new Map<string, ResultRecord[]>();
  for (const r of records) {
    const key = `${r.engine}|${r.corruption}|${r.severity}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const rows: SummaryRow[] = [];
  for (const list of groups.values()) {
    const finite = list.filter((r) => r.hd95 !== null).map((r) => r.hd95 as number);
    rows.push({
      engine: list[0].engine,
      corruption: list[0].corruption,
      severity: list[0].severity,
      count: list.length,
      meanDice: mean(list.map((r) => r.dice)),
      medianDice: median(list.map((r) => r.dice)),
      meanNsd: mean(list.map((r) => r.nsd)),
      medianHd95: finite.length ? median(finite) : null,
      infiniteHd95: list.length - finite.length,
    });
  }
  return rows.sort(
    (a, b) =>
      a.engine.localeCompare(b.engine) ||
      (a.corruption === CLEAN ? -1 : b.corruption === CLEAN ? 1 : a.corruption.localeCompare(b.corruption)) ||
      a.severity - b.severity,
  );
}

export function engineSummaries(records: ResultRecord[], labels: Record<string, string>): EngineSummary[] {
  return Object.keys(labels).map((engine) => {
    const own = records.filter((r) => r.engine === engine);
    const degraded = own.filter((r) => r.corruption !== CLEAN);
    return {
      engine,
      label: labels[engine],
      cleanMeanDice: mean(own.filter((r) => r.corruption === CLEAN).map((r) => r.dice)),
      degradedMeanDice: mean(degraded.map((r) => r.dice)),
      paperSettingMeanDice: mean(degraded.filter((r) => r.severity === 3).map((r) => r.dice)),
    };
  });
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'engine',
  'corruption',
  'severity',
  'slice',
  'sop_instance_uid',
  'structure',
  'dice',
  'iou',
  'hd95_mm',
  'nsd',
  'truth_area',
  'predicted_area',
  'milliseconds',
  'parameters',
] as const;

/** One row per record; an infinite HD95 is written "inf", parameters as JSON. */
export function recordsToCsv(records: ResultRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of records) {
    lines.push(
      [
        r.engine,
        r.corruption,
        r.severity,
        r.slice,
        r.sopInstanceUID,
        r.structure,
        r.dice.toFixed(6),
        r.iou.toFixed(6),
        r.hd95 === null ? 'inf' : r.hd95.toFixed(4),
        r.nsd.toFixed(6),
        r.truthArea,
        r.predictedArea,
        r.milliseconds.toFixed(1),
        r.parameters ? JSON.stringify(r.parameters) : '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Small multiples: one panel per corruption, mean Dice (y, 0-1) against severity (x, 0 = clean to 5),
 * one line per engine; the clean value is each line's first point.
 */
export function diceChartSvg(
  rows: SummaryRow[],
  engines: Array<{ id: string; label: string }>,
  title: string,
): string {
  const corruptions = [...new Set(rows.filter((r) => r.corruption !== CLEAN).map((r) => r.corruption))];
  const columns = 4;
  const panelW = 220;
  const panelH = 170;
  const margin = { left: 40, top: 30, right: 12, bottom: 34 };
  const legendH = 22 * Math.ceil(engines.length / 2) + 10;
  const headerH = 36;
  const gridRows = Math.max(1, Math.ceil(corruptions.length / columns));
  const width = columns * panelW + 20;
  const height = headerH + legendH + gridRows * panelH + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  engines.forEach((engine, i) => {
    const x = 20 + (i % 2) * (width / 2);
    const y = headerH + 14 + 22 * Math.floor(i / 2);
    out.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2.5"/>`,
      `<text x="${x + 30}" y="${y}">${escapeXml(engine.label)}</text>`,
    );
  });
  const byKey = new Map(rows.map((r) => [`${r.engine}|${r.corruption}|${r.severity}`, r]));
  corruptions.forEach((corruption, p) => {
    const ox = 10 + (p % columns) * panelW;
    const oy = headerH + legendH + Math.floor(p / columns) * panelH;
    const plotW = panelW - margin.left - margin.right;
    const plotH = panelH - margin.top - margin.bottom;
    const px = (severity: number) => ox + margin.left + (severity / 5) * plotW;
    const py = (dice: number) => oy + margin.top + (1 - dice) * plotH;
    out.push(
      `<text x="${ox + margin.left + plotW / 2}" y="${oy + 18}" text-anchor="middle" font-weight="bold">${escapeXml(corruption)}</text>`,
      `<rect x="${ox + margin.left}" y="${oy + margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    );
    for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
      out.push(
        `<line x1="${ox + margin.left}" y1="${py(tick)}" x2="${ox + margin.left + plotW}" y2="${py(tick)}" stroke="#eee"/>`,
        `<text x="${ox + margin.left - 4}" y="${py(tick) + 4}" text-anchor="end">${tick}</text>`,
      );
    }
    for (let s = 0; s <= 5; s++) {
      out.push(
        `<text x="${px(s)}" y="${oy + margin.top + plotH + 14}" text-anchor="middle">${s === 0 ? 'clean' : s}</text>`,
      );
    }
    out.push(
      `<text x="${ox + margin.left + plotW / 2}" y="${oy + panelH - 6}" text-anchor="middle" fill="#555">severity</text>`,
    );
    engines.forEach((engine, i) => {
      const points: Array<[number, number]> = [];
      for (let s = 0; s <= 5; s++) {
        const row = byKey.get(`${engine.id}|${s === 0 ? CLEAN : corruption}|${s}`);
        if (row && Number.isFinite(row.meanDice)) points.push([px(s), py(row.meanDice)]);
      }
      const colour = PALETTE[i % PALETTE.length];
      if (points.length > 1) {
        out.push(
          `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`,
        );
      }
      for (const [x, y] of points)
        out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${colour}"/>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface LevelDescription {
  name: string;
  summary: string;
  levels: readonly string[];
}

export interface ReportContext {
  title: string;
  /** Lines describing the data, subset, seed, window, box margin, command. */
  setup: string[];
  engines: EngineSummary[];
  rows: SummaryRow[];
  chartFile: string;
  /** The corruptions run, with what each severity level means. */
  levels: LevelDescription[];
  notes: string[];
}

const fmt = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(3));

/** A short Markdown report: setup, per-engine headline, Dice by corruption and severity, notes. */
export function markdownReport(ctx: ReportContext): string {
  const lines = [`# ${ctx.title}`, '', ...ctx.setup.map((s) => `- ${s}`), ''];
  lines.push(
    '## Headline (mean Dice over structures and slices)',
    '',
    '| engine | clean | degraded (all run) | severity 3 (paper setting) |',
    '| --- | --- | --- | --- |',
  );
  for (const e of ctx.engines) {
    lines.push(
      `| ${e.label} | ${fmt(e.cleanMeanDice)} | ${fmt(e.degradedMeanDice)} | ${fmt(e.paperSettingMeanDice)} |`,
    );
  }
  lines.push('', `![Dice against severity](${ctx.chartFile})`, '');
  const severities = [
    ...new Set(ctx.rows.filter((r) => r.corruption !== CLEAN).map((r) => r.severity)),
  ].sort();
  const corruptions = [...new Set(ctx.rows.filter((r) => r.corruption !== CLEAN).map((r) => r.corruption))];
  for (const e of ctx.engines) {
    lines.push(
      `## ${e.label}: mean Dice by corruption and severity`,
      '',
      `| corruption | clean | ${severities.map((s) => `severity ${s}`).join(' | ')} |`,
      `| --- | --- | ${severities.map(() => '---').join(' | ')} |`,
    );
    const clean = ctx.rows.find((r) => r.engine === e.engine && r.corruption === CLEAN);
    for (const c of corruptions) {
      const cells = severities.map((s) => {
        const row = ctx.rows.find((r) => r.engine === e.engine && r.corruption === c && r.severity === s);
        return row ? fmt(row.meanDice) : '-';
      });
      lines.push(`| ${c} | ${fmt(clean?.meanDice ?? null)} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  if (ctx.levels.length) {
    lines.push(
      '## Severity levels (3 = the RobustMedSAM paper setting)',
      '',
      '| corruption | what | 1 | 2 | 3 | 4 | 5 |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...ctx.levels.map((l) => `| ${l.name} | ${l.summary} | ${l.levels.join(' | ')} |`),
      '',
    );
  }
  if (ctx.notes.length) lines.push('## Notes', '', ...ctx.notes.map((n) => `- ${n}`), '');
  return `${lines.join('\n')}`;
}
