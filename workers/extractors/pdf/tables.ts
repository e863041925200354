/**
 * Tables in a PDF page from text geometry alone (no ruling lines needed,
 * so ruled and unruled grids both work): lines of text are split into
 * cells at gaps wider than a word space; a run of consecutive lines that
 * each have 3+ cells is a candidate; its columns are the x-intervals the
 * cells of its fullest lines occupy (merged where they overlap, so
 * right-aligned numbers and left-aligned labels both fall in place); every
 * line's cells are then assigned to columns. A candidate becomes a table
 * when it has 3+ rows, 3+ columns and is mostly filled. Prose (one cell
 * per line) and two-column layouts never qualify.
 */
import type { PdfTextItem } from './layout';

/** A table found on a page: its rows, whether the first is a header, and where it sits (PDF units, y up). */
export interface PageTable {
  rows: string[][];
  hasHeader: boolean;
  /** Baselines of its first and last rows, and its left and right edges. */
  top: number;
  bottom: number;
  left: number;
  right: number;
  /** Its columns' x-intervals. */
  columns: Array<[number, number]>;
}

/**
 * Whether `next` (the first table of a page) continues `prev` (the last
 * table of the page before): the same columns, where they were (within a
 * few points), and no header of its own, or the same header repeated.
 */
export function continuesTable(prev: PageTable, next: PageTable): boolean {
  if (prev.columns.length !== next.columns.length) return false;
  const near = (a: number, b: number) => Math.abs(a - b) <= 6;
  if (!prev.columns.every(([a, b], k) => near(a, next.columns[k]![0]) || near(b, next.columns[k]![1]))) return false;
  if (!next.hasHeader) return true;
  return prev.hasHeader && next.rows[0]!.join('\u0000') === prev.rows[0]!.join('\u0000');
}

interface Cell {
  x0: number;
  x1: number;
  text: string;
}

/** Dot leaders ("Total ........ 42"): a run of four or more dots, spaced or not, is layout, not content. */
const LEADERS = /\s*(?:\.\s*){4,}/g;

function stripLeaders(text: string): string {
  return text.replace(LEADERS, ' ').replace(/\s+/g, ' ').trim();
}

/** A figure, not a label: digits with their separators, signs, currency and percent. */
const NUMERIC = /^[-+(]?[$€£¥]?\s*\d[\d\s.,']*%?\)?$/;

/**
 * Whether the first row is a header: none of its cells is a figure, while
 * some column below it holds figures. A first row of figures is data (a
 * table continued from the page before, or one without a header row).
 */
function firstRowIsHeader(rows: string[][]): boolean {
  const [first, ...body] = rows;
  if (!first || !body.length) return false;
  if (first.some((c) => NUMERIC.test(c))) return false;
  return first.some((_, k) => body.filter((r) => NUMERIC.test(r[k] ?? '')).length >= body.length * 0.5) || first.every((c) => !/\d/.test(c));
}
interface Line {
  y: number;
  size: number;
  cells: Cell[];
}

const MIN_ROWS = 3;
const MIN_COLS = 3;
const MIN_FILL = 0.4;
/** Mean characters per filled cell; prose set in columns runs far longer. */
const MAX_MEAN_CELL = 30;

function toLines(items: ReadonlyArray<PdfTextItem | { type: string }>): Line[] {
  const words: Array<{ x0: number; x1: number; y: number; size: number; str: string }> = [];
  for (const raw of items) {
    if (!('str' in raw) || !raw.str.trim()) continue;
    const [a = 1, b = 0, c = 0, d = 0, x = 0, y = 0] = raw.transform;
    // Rotated text (vertical labels) is not part of a grid row.
    if (Math.abs(b) > 0.01 * Math.abs(a) + 1e-6) continue;
    const size = Math.hypot(c, d) || raw.height || 1;
    words.push({ x0: x, x1: x + Math.max(raw.width, 0), y, size, str: raw.str });
  }
  words.sort((p, q) => q.y - p.y || p.x0 - q.x0);
  const lines: Array<{ y: number; size: number; words: typeof words }> = [];
  for (const w of words) {
    const last = lines[lines.length - 1];
    if (last && Math.abs(last.y - w.y) <= Math.max(last.size, w.size) * 0.4) last.words.push(w);
    else lines.push({ y: w.y, size: w.size, words: [w] });
  }
  return lines.map((l) => {
    l.words.sort((p, q) => p.x0 - q.x0);
    const cells: Cell[] = [];
    for (const w of l.words) {
      const last = cells[cells.length - 1];
      if (last && w.x0 - last.x1 < l.size * 0.6) {
        last.text += (w.x0 - last.x1 > l.size * 0.1 && !/\s$/.test(last.text) && !/^\s/.test(w.str) ? ' ' : '') + w.str;
        last.x1 = Math.max(last.x1, w.x1);
      } else cells.push({ x0: w.x0, x1: w.x1, text: w.str });
    }
    for (const c of cells) c.text = stripLeaders(c.text);
    return { y: l.y, size: l.size, cells };
  });
}

function columnsOf(lines: Line[]): Array<[number, number]> {
  const max = Math.max(...lines.map((l) => l.cells.length));
  let body = lines.filter((l) => l.cells.length >= Math.max(MIN_COLS, Math.ceil(max * 0.6)));
  // Column headers are often aligned differently from the data under them (left vs right);
  // when there are enough data rows (with digits), let those define the columns.
  const data = body.filter((l) => l.cells.filter((c) => /\d/.test(c.text)).length >= 2);
  if (data.length >= MIN_ROWS && data.length >= body.length * 0.5) body = data;
  const spans = body.flatMap((l) => l.cells.map((c) => [c.x0, c.x1] as [number, number])).sort((p, q) => p[0] - q[0]);
  const cols: Array<[number, number]> = [];
  for (const s of spans) {
    const last = cols[cols.length - 1];
    if (last && s[0] <= last[1] + 0.5) last[1] = Math.max(last[1], s[1]);
    else cols.push([s[0], s[1]]);
  }
  return cols;
}

function assign(cell: Cell, cols: Array<[number, number]>): number {
  let best = -1;
  let bestOverlap = 0;
  cols.forEach(([a, b], i) => {
    const overlap = Math.min(b, cell.x1) - Math.max(a, cell.x0);
    if (overlap > bestOverlap) {
      bestOverlap = overlap;
      best = i;
    }
  });
  if (best >= 0) return best;
  const mid = (cell.x0 + cell.x1) / 2;
  let nearest = 0;
  cols.forEach(([a, b], i) => {
    const [na, nb] = cols[nearest]!;
    if (Math.abs((a + b) / 2 - mid) < Math.abs((na + nb) / 2 - mid)) nearest = i;
  });
  return nearest;
}

/** The rows of each table on the page (findTables without the geometry). */
export function detectTables(items: ReadonlyArray<PdfTextItem | { type: string }>): string[][][] {
  return findTables(items).map((t) => t.rows);
}

export function findTables(items: ReadonlyArray<PdfTextItem | { type: string }>): PageTable[] {
  const lines = toLines(items);
  const tables: PageTable[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.cells.length < MIN_COLS) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < lines.length && lines[j]!.cells.length >= 2 && lines[j - 1]!.y - lines[j]!.y < Math.max(lines[j - 1]!.size, lines[j]!.size) * 3) {
      j++;
    }
    const block = lines.slice(i, j);
    i = j;
    if (block.filter((l) => l.cells.length >= MIN_COLS).length < MIN_ROWS) continue;
    const cols = columnsOf(block);
    if (cols.length < MIN_COLS) continue;
    const rows = block.map((l) => {
      const row: string[] = new Array(cols.length).fill('');
      for (const c of l.cells) {
        const k = assign(c, cols);
        row[k] = row[k] ? `${row[k]} ${c.text}` : c.text;
      }
      return row;
    });
    // Quality gates against diagrams, symbol-font garbage, and prose set in columns:
    // real cells hold letters or digits, are short, and most rows fill 3+ columns.
    const real = (c: string) => /[\p{L}\p{N}]/u.test(c);
    const filled = rows.flat().filter(real);
    if (filled.length / (rows.length * cols.length) < MIN_FILL) continue;
    const strongCols = cols.filter((_, k) => rows.filter((r) => real(r[k]!)).length >= rows.length * 0.5).length;
    if (strongCols < MIN_COLS) continue;
    if (rows.filter((r) => r.filter(real).length >= MIN_COLS).length < rows.length * 0.6) continue;
    if (filled.reduce((s, c) => s + c.length, 0) / filled.length > MAX_MEAN_CELL) continue;
    const prose = cols.some((_, k) => {
      const lens = rows
        .map((r) => r[k]!)
        .filter(real)
        .map((c) => c.length)
        .sort((a, b) => a - b);
      return lens.length >= rows.length * 0.5 && lens[Math.floor(lens.length / 2)]! > 40;
    });
    if (prose) continue;
    tables.push({
      rows,
      hasHeader: firstRowIsHeader(rows),
      top: block[0]!.y,
      bottom: block[block.length - 1]!.y,
      left: Math.min(...block.flatMap((l) => l.cells.map((c) => c.x0))),
      right: Math.max(...block.flatMap((l) => l.cells.map((c) => c.x1))),
      columns: cols,
    });
  }
  return tables;
}
