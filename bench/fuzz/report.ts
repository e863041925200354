/** The run's table, its failing cases and its one summary line, as plain text. */
import type { FormatRow, FuzzReport } from './fuzz.js';

const COLUMNS: Array<[string, (r: FormatRow) => string | number]> = [
  ['format', (r) => r.format],
  ['seeds', (r) => r.seeds],
  ['mutants', (r) => r.mutants],
  ['completed', (r) => r.completed],
  ['failed typed', (r) => r.typed],
  ['failed untyped', (r) => r.untyped],
  ['hangs', (r) => r.hangs],
  ['host deaths', (r) => r.deaths],
  ['not charged', (r) => r.uncharged],
  ['left running', (r) => r.left],
];

export function totalRow(rows: readonly FormatRow[]): FormatRow {
  const total: FormatRow = { format: 'total', seeds: 0, mutants: 0, completed: 0, typed: 0, untyped: 0, hangs: 0, left: 0, deaths: 0, uncharged: 0, codes: {} };
  for (const r of rows) {
    for (const k of ['seeds', 'mutants', 'completed', 'typed', 'untyped', 'hangs', 'left'] as const) total[k] += r[k];
    for (const [code, n] of Object.entries(r.codes)) total.codes[code] = (total.codes[code] ?? 0) + n;
  }
  return total;
}

/** A Markdown table: readable in a terminal, pasteable into an issue. */
export function table(report: FuzzReport): string {
  const total = { ...totalRow(report.rows), deaths: report.deaths.total, uncharged: report.deaths.uncharged };
  const cells = [...report.rows, total].map((r) => COLUMNS.map(([, get]) => String(get(r))));
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (i ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(COLUMNS.map(([h]) => h)), `|${widths.map((w, i) => (i ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...cells.map(line)].join(
    '\n',
  );
}

export function codesByFormat(rows: readonly FormatRow[]): string {
  return rows
    .filter((r) => Object.keys(r.codes).length)
    .map(
      (r) =>
        `  ${r.format}: ${Object.entries(r.codes)
          .sort(([, a], [, b]) => b - a)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')}`,
    )
    .join('\n');
}

export function failingList(report: FuzzReport): string {
  return report.failing.map((f) => `  [${f.format}] ${f.file}: ${f.reasons.join('; ')}\n      replay: ${f.replay}`).join('\n');
}

export function summaryLine(report: FuzzReport, seed: number): string {
  const t = totalRow(report.rows);
  const cases = report.failing.length;
  return (
    `fuzz: seed ${seed}, ${t.mutants} mutants of ${report.rows.length} formats: ${t.completed} completed, ${t.typed} failed typed, ` +
    `${t.untyped} failed untyped, ${t.hangs} hangs, ${report.deaths.total} host deaths (${report.deaths.uncharged} not charged to a file), ` +
    `${t.left} jobs left running: ${cases ? `${cases} FAILING CASES` : 'no failing case'}`
  );
}
