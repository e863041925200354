/**
 * Two columns of prose drawn row by row. Most producers draw a column page
 * column by column, and the content stream's order is then the reading
 * order. Some draw it across the page, a line of the left column and then
 * the line of the right column on the same baseline: read in stream order,
 * the two are glued into one line ("...in the spring The second face...").
 * Such a page is recognised by a gutter: a band of the page's width that
 * at least MIN_ROWS baselines leave empty with a few words of prose on each
 * side (a table's short cells do not count). The items are then put in
 * reading order: lines that cross the gutter (a title, a full-width
 * paragraph) cut the page into bands, and each band is read left column
 * first, then right. A page drawn column by column is left as it is.
 */
import type { PdfTextItem } from './layout';

const MIN_ROWS = 3;
/** The gutter is at least this wide (in font sizes). */
const MIN_GUTTER = 1;
/** Each side of a glued line holds at least this many words. */
const MIN_WORDS = 4;

interface Placed {
  it: PdfTextItem;
  index: number;
  x0: number;
  x1: number;
  y: number;
  size: number;
}

/** Items in runs on one baseline, in stream order. */
function baselines(items: ReadonlyArray<PdfTextItem>): Placed[][] {
  const rows: Placed[][] = [];
  items.forEach((it, index) => {
    if (!it.str.trim()) return;
    const [, , c = 0, d = 0, x = 0, y = 0] = it.transform;
    const size = Math.hypot(c, d) || it.height || 1;
    const p = { it, index, x0: x, x1: x + it.width, y, size };
    const row = rows[rows.length - 1];
    if (row && Math.abs(row[0]!.y - y) < size * 0.3) row.push(p);
    else rows.push([p]);
  });
  return rows;
}

/** Prose: at least MIN_WORDS words, most of them words of letters (not code, not figures). */
function prose(ps: Placed[]): boolean {
  const tokens = ps
    .map((p) => p.it.str)
    .join(' ')
    .trim()
    .split(/\s+/);
  const words = tokens.filter((t) => /^[(“"‘]?\p{L}[\p{L}'’-]*[,.;:!?)”"’]*$/u.test(t)).length;
  return words >= MIN_WORDS && words >= tokens.length * 0.7;
}

const width = (ps: Placed[]) => Math.max(...ps.map((p) => p.x1)) - Math.min(...ps.map((p) => p.x0));

/** The widest empty band inside a baseline with prose on both sides, or undefined. */
function proseGap(row: Placed[]): [number, number] | undefined {
  const sorted = [...row].sort((a, b) => a.x0 - b.x0);
  let best: [number, number, number] | undefined;
  let reach = sorted[0]!.x1;
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (p.x0 - reach >= p.size * MIN_GUTTER && (!best || p.x0 - reach > best[1] - best[0])) best = [reach, p.x0, i];
    reach = Math.max(reach, p.x1);
  }
  if (!best) return undefined;
  const [a, b, i] = best;
  const left = sorted.slice(0, i);
  const right = sorted.slice(i);
  // Two columns of prose of about the same width (a code listing's comments or a table's figures are not).
  const alike = Math.min(width(left), width(right)) >= Math.max(width(left), width(right)) * 0.6;
  return prose(left) && prose(right) && alike ? [a, b] : undefined;
}

/** Where the gutter's middle is, when enough baselines glue two columns of prose; otherwise undefined. */
function gutter(rows: Placed[][]): number | undefined {
  const gaps = rows.map(proseGap).filter((g): g is [number, number] => g !== undefined);
  if (gaps.length < MIN_ROWS) return undefined;
  const mids = gaps.map(([a, b]) => (a + b) / 2).sort((m, n) => m - n);
  const mid = mids[Math.floor(mids.length / 2)]!;
  const common = gaps.filter(([a, b]) => a < mid && b > mid);
  if (common.length < MIN_ROWS) return undefined;
  // The band all of them leave empty.
  const a = Math.max(...common.map((g) => g[0]));
  const b = Math.min(...common.map((g) => g[1]));
  return b > a ? (a + b) / 2 : undefined;
}

export function columnOrder<T extends PdfTextItem>(items: ReadonlyArray<T>): T[] {
  const rows = baselines(items);
  const mid = gutter(rows);
  if (mid === undefined) return [...items];
  // Each baseline: on one side, split at the gutter, or across it (a band of its own).
  const side = new Map<number, 0 | 1 | 2>(); // item index -> 0 across, 1 left, 2 right
  const across: number[] = [];
  for (const row of rows) {
    const left = row.filter((p) => p.x1 <= mid);
    const right = row.filter((p) => p.x0 >= mid);
    const crossing = left.length + right.length < row.length;
    for (const p of row) side.set(p.index, crossing ? 0 : p.x1 <= mid ? 1 : 2);
    if (crossing) across.push(row[0]!.y);
  }
  across.sort((a, b) => b - a);
  const key = items.map((it, index) => {
    const s = side.get(index);
    if (s === undefined) return [-1, 0, index]; // empty items: placed just by their stream order below
    const y = it.transform[5] ?? 0;
    const band = across.filter((ay) => ay > y + 0.01).length + (s === 0 ? 1 : 0);
    return [band, s, index];
  });
  // Empty items (pdf.js's end-of-line markers) stay right after the item before them.
  for (let i = 0; i < key.length; i++) if (key[i]![0] === -1) key[i] = i > 0 ? [...key[i - 1]!.slice(0, 2), i] : [0, 0, i];
  const order = items.map((_, i) => i).sort((a, b) => key[a]![0]! - key[b]![0]! || key[a]![1]! - key[b]![1]! || a - b);
  return order.map((i) => items[i]!);
}
