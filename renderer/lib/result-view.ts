/**
 * How a job's result and history read in the detail view: table names and
 * copies, metadata values as text, entity groups, the history's steps with
 * their timings, and caps that keep a huge part from freezing the page.
 * Pure functions, tested in test/unit/renderer/result-view.test.ts.
 */
import type { Entity, Table } from '../../shared/extraction.js';
import type { Job, JobEvent, JobStatus } from '../../shared/job.js';
import { metadataText } from '../../shared/metadata-text.js';
import { formatDuration } from './job-view.js';

/** A table's title: its own name (a sheet, "page 3"), else its page, else its place. */
export function tableLabel(table: Table, index: number): string {
  if (table.name?.trim()) return table.name.trim();
  if (table.page !== undefined) return `Page ${table.page}`;
  return `Table ${index + 1}`;
}

export interface TableShape {
  header: string[] | null;
  body: string[][];
  columns: number;
}

/** The header row (when the table has one), the body, and the widest row's width. */
export function tableShape(table: Table): TableShape {
  const columns = table.rows.reduce((n, r) => Math.max(n, r.length), 0);
  const hasHeader = table.hasHeader && table.rows.length > 0;
  return { header: hasHeader ? table.rows[0]! : null, body: hasHeader ? table.rows.slice(1) : table.rows, columns };
}

/** Spreadsheet-style column names for a table without a header: A … Z, AA … */
export function columnName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Rows as CSV (RFC 4180 quoting) or TSV (tabs and line breaks in a cell become spaces). */
export function toDelimited(rows: readonly (readonly string[])[], kind: 'csv' | 'tsv'): string {
  const cell = kind === 'csv' ? (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v) : (v: string) => v.replace(/[\t\r\n]+/g, ' ');
  return rows.map((r) => r.map(cell).join(kind === 'csv' ? ',' : '\t')).join('\r\n') + (rows.length ? '\r\n' : '');
}

/** A metadata value as a person reads it, the way the Markdown export writes it (shared/metadata-text.ts); "—" for an empty one. */
export function readableValue(value: unknown): string {
  return metadataText(value) ?? '—';
}

/** Metadata keys as words: "creationDate" → "Creation date", "dc:title" stays as it is. */
export function readableKey(key: string): string {
  if (/[:/.]/.test(key)) return key;
  const words = key
    .replace(/_/g, ' ')
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/** Entity types with how many of each, most frequent first. */
export function entityGroups(entities: readonly Entity[]): Array<{ type: string; count: number }> {
  const counts = new Map<string, number>();
  for (const e of entities) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}

/** A text shown whole only up to `max` characters; the rest waits for a "show all". */
export function capText(text: string, max: number): { shown: string; hidden: number } {
  if (text.length <= max) return { shown: text, hidden: 0 };
  return { shown: text.slice(0, max), hidden: text.length - max };
}

export interface HistoryStep {
  event: JobEvent;
  /** What the transition was, in words. */
  label: string;
  /** Time since the step before it (null for the first). */
  sincePrevious: number | null;
  /** For the end of an attempt: how long that attempt ran. */
  attemptMs: number | null;
}

/** What a status change means, said the way a person would. */
export function transitionLabel(from: JobStatus | null, to: JobStatus, errorCode: string | null): string {
  if (from === null) return to === 'pending' ? 'Queued' : `Created ${to}`;
  if (to === 'running') return 'Started';
  if (from === 'running') {
    if (to === 'completed') return 'Completed';
    if (to === 'partial') return 'Partly extracted';
    if (to === 'failed') return 'Failed';
    if (to === 'cancelled') return 'Cancelled while running';
    if (to === 'pending') return errorCode ? 'Failed, will retry' : 'Interrupted, put back in the queue';
  }
  if (to === 'pending') return from === 'completed' ? 'Run again' : 'Retried';
  if (from === 'pending' && to === 'cancelled') return 'Cancelled before it started';
  if (from === 'pending' && to === 'failed') return 'Failed before it started';
  return `${from} → ${to}`;
}

/** The job's history, oldest first, each step with what it was and how long it took. */
export function historySteps(events: readonly JobEvent[]): HistoryStep[] {
  const sorted = [...events].sort((a, b) => a.id - b.id);
  let startedAt: number | null = null;
  return sorted.map((event, i) => {
    const prev = sorted[i - 1];
    let attemptMs: number | null = null;
    if (event.toStatus === 'running') startedAt = event.at;
    else if (event.fromStatus === 'running' && startedAt !== null) {
      attemptMs = Math.max(0, event.at - startedAt);
      startedAt = null;
    }
    return {
      event,
      label: transitionLabel(event.fromStatus, event.toStatus, event.errorCode),
      sincePrevious: prev ? Math.max(0, event.at - prev.at) : null,
      attemptMs,
    };
  });
}

/**
 * Who ran an attempt, as its history shows it: "local" or a remote worker
 * ("w1@host-a"), with the extractor that made its result ("pdf 3.1.0");
 * empty when not recorded (before the worker was kept, or lost with it).
 */
export function ranOn(event: Pick<JobEvent, 'ranBy' | 'extractor'>): string {
  return [event.ranBy, event.extractor].filter(Boolean).join(' · ');
}

/** "in 12 s" until a pending retry, or "due now". */
export function retryCountdown(nextRetryAt: number, now: number): string {
  const ms = nextRetryAt - now;
  return ms <= 0 ? 'due now' : `in ${formatDuration(ms)}`;
}

/** The job's result counts in a line: "14 pages · 3 tables · 120 entities · 2 warnings". */
export function resultCounts(job: Pick<Job, 'resultSummary'>): string {
  const s = job.resultSummary;
  if (!s) return '';
  const n = (v: number | undefined, one: string, many: string) => (v ? `${v.toLocaleString('en-US')} ${v === 1 ? one : many}` : '');
  return [
    n(s.chars, 'character', 'characters'),
    n(s.pages, 'page', 'pages'),
    n(s.tables, 'table', 'tables'),
    n(s.entities, 'entity', 'entities'),
    n(s.warnings, 'warning', 'warnings'),
  ]
    .filter(Boolean)
    .join(' · ');
}

/** A stable timestamp a person reads: "2026-12-06 22:15:26". */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
