/** Shared by the XLSX and ODS extractors: sparse cell grids to tables, text and Markdown. */
import type { Table } from '../../../shared/extraction';
import { markdownTable } from '../common';

/** Cells are collected sparsely (row -> col -> value) so "A1 and XFD1048576" costs two cells. */
export class Grid {
  private readonly rows = new Map<number, Map<number, string>>();
  cells = 0;

  set(row: number, col: number, value: string): void {
    if (value === '') return;
    let r = this.rows.get(row);
    if (!r) this.rows.set(row, (r = new Map()));
    if (!r.has(col)) this.cells++;
    r.set(col, value);
  }

  get size(): number {
    return this.cells;
  }

  /** Dense rows over the used range (leading empty rows and columns trimmed). */
  toRows(): { rows: string[][]; firstRow: number; firstCol: number } {
    if (!this.rows.size) return { rows: [], firstRow: 0, firstCol: 0 };
    let minR = Infinity;
    let maxR = -Infinity;
    let minC = Infinity;
    let maxC = -Infinity;
    for (const [r, cols] of this.rows) {
      minR = Math.min(minR, r);
      maxR = Math.max(maxR, r);
      for (const c of cols.keys()) {
        minC = Math.min(minC, c);
        maxC = Math.max(maxC, c);
      }
    }
    const rows: string[][] = [];
    for (let r = minR; r <= maxR; r++) {
      const cols = this.rows.get(r);
      const row: string[] = new Array(maxC - minC + 1).fill('');
      if (cols) for (const [c, v] of cols) row[c - minC] = v;
      rows.push(row);
    }
    return { rows, firstRow: minR, firstCol: minC };
  }
}

/** 0-based column index -> "A", "B", ..., "AA". */
export function columnName(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

export interface SheetOut {
  name: string;
  rows: string[][];
  /** e.g. "B4:J253" */
  range?: string;
  kind: 'worksheet' | 'chartsheet' | 'dialogsheet' | 'macrosheet';
  hidden?: boolean;
}

/** Tables (one per non-empty sheet), pages (one per sheet), text and Markdown. */
export function sheetsToParts(sheets: SheetOut[]): { tables: Table[]; pages: Array<{ number: number; text: string }>; text: string; markdown: string } {
  const tables: Table[] = [];
  const pages: Array<{ number: number; text: string }> = [];
  const md: string[] = [];
  const text: string[] = [];
  sheets.forEach((s, i) => {
    const body = s.rows.map((r) => r.join('\t').replace(/\t+$/, '')).join('\n');
    pages.push({ number: i + 1, text: body });
    text.push(`${s.name}\n${body}`.trimEnd());
    md.push(`## ${s.name}${s.kind === 'chartsheet' ? ' (chart)' : ''}${s.hidden ? ' (hidden)' : ''}`);
    if (s.rows.length) {
      tables.push({ name: s.name, page: i + 1, rows: s.rows, hasHeader: true });
      md.push(markdownTable(s.rows, true));
    } else {
      md.push(s.kind === 'chartsheet' ? '_Chart sheet: no cells._' : '_Empty sheet._');
    }
  });
  return { tables, pages, text: text.join('\n\n'), markdown: md.join('\n\n') };
}

/** Floating-point noise from the file ("0.30000000000000004") shown as a person would read it. */
export function tidyNumber(raw: string): string {
  const n = Number(raw);
  if (!Number.isFinite(n) || !/[.eE]/.test(raw)) return raw;
  const p = Number(n.toPrecision(15));
  return String(p);
}
