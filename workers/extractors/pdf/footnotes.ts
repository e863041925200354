/**
 * Footnotes after the body text. A footnote block sits at the bottom of the
 * page (or of a column) in a smaller font than the body, and starts with a
 * number or symbol ("1", "*", "†"). Producers do not always draw it last:
 * some draw it first, and a two-column page drawn column by column puts the
 * left column's footnotes before the whole right column. Read in stream
 * order, the footnote then cuts the body in two. Here such a block goes
 * after the last body line drawn later than it that stands above it on the
 * page; a block already after the body it belongs to stays where it is.
 */
import type { Line } from './margin-numbers';

type Placed = Line & { y: number; x: number; end: number; size: number };
const placed = (l: Line): l is Placed => l.y !== undefined && l.x !== undefined && l.end !== undefined && l.size !== undefined && l.text.trim() !== '';

/** Footnote text is at most this share of the body's font size. */
const SMALLER = 0.9;
/** A footnote's first line: a marker (a number, or *, †, ‡, §, ¶) and then its text. */
const MARKER = /^\s*(?:\d{1,3}|[*\u2020\u2021\u00A7\u00B6]{1,3})\s*[\p{L}("“]/u;
/** A body line that counts (not a page number or a stray label): a few words. */
const prose = (l: Placed) => l.text.trim().split(/\s+/).length >= 3;

/** The font size that most of the page's characters are set in. */
function bodySize(lines: Placed[]): number {
  const chars = new Map<number, number>();
  for (const l of lines) {
    const s = Math.round(l.size * 2) / 2;
    chars.set(s, (chars.get(s) ?? 0) + l.text.length);
  }
  let best = 0;
  let most = -1;
  for (const [s, n] of chars) if (n > most) [best, most] = [s, n];
  return best;
}

export function footnotesLast(lines: Line[]): Line[] {
  const all = lines.filter(placed);
  if (all.length < 3) return lines;
  const body = bodySize(all);
  const small = (l: Placed) => l.size <= body * SMALLER;
  const bodyLines = all.filter((l) => !small(l) && prose(l));
  // A small line with no body text below it in the same stretch of the page's width.
  const foot = (l: Line) => placed(l) && small(l) && !bodyLines.some((b) => b.y < l.y - l.size * 0.5 && b.x < l.end && b.end > l.x);
  // Runs of footnote lines in stream order (empty lines inside a run go with it).
  const blocks: Array<{ from: number; to: number }> = [];
  lines.forEach((l, i) => {
    if (!foot(l)) return;
    const last = blocks[blocks.length - 1];
    if (last && lines.slice(last.to + 1, i).every((m) => !m.text.trim())) last.to = i;
    else blocks.push({ from: i, to: i });
  });
  // Where each line goes: [after which line, 0 = itself | 1 = moved there, its own index].
  const keys = lines.map((_, i) => [i, 0, i]);
  let moved = false;
  for (const { from, to } of blocks) {
    const block = lines.slice(from, to + 1).filter(placed);
    if (!block.some((l) => MARKER.test(l.text))) continue;
    const top = Math.max(...block.map((l) => l.y));
    let target = -1;
    for (let k = to + 1; k < lines.length; k++) {
      const l = lines[k]!;
      if (placed(l) && !small(l) && prose(l) && l.y > top) target = k;
    }
    if (target < 0) continue;
    for (let i = from; i <= to; i++) keys[i] = [target, 1, i];
    moved = true;
  }
  if (!moved) return lines;
  const order = lines.map((_, i) => i).sort((a, b) => keys[a]![0]! - keys[b]![0]! || keys[a]![1]! - keys[b]![1]! || a - b);
  return order.map((i) => lines[i]!);
}
