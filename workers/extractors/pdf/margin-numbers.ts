/**
 * Line numbers in the margin (court transcripts, legal drafts, papers under
 * review) are often drawn as one block before the text: "1 2 3 ... 25" and
 * then the page. Read in stream order, the numbers pile up at the top of the
 * page, far from their lines. Here each number goes back to the start of
 * the line on its baseline, and a number with no line (an empty numbered
 * line) back to its place among the lines, as the page shows them.
 */

/** One line of a page's text, with where its first item starts, its baseline and where its last item ends. */
export interface Line {
  text: string;
  y?: number;
  x?: number;
  end?: number;
  size?: number;
}

type Placed = Line & { y: number; x: number; end: number; size: number };

const placed = (l: Line): l is Placed => l.y !== undefined && l.x !== undefined && l.end !== undefined && l.size !== undefined;
const number = (l: Line) => (/^\s*\d{1,4}\s*$/.test(l.text) ? Number(l.text) : undefined);

/** The first run of at least 5 consecutive numbers (n, n+1, ...), each alone on its line, aligned on one edge, going down the page. */
function findColumn(lines: Line[]): number[] | undefined {
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    if (!placed(first) || number(first) === undefined) continue;
    const run = [i];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      const prev = lines[run[run.length - 1]!]! as Placed;
      if (!placed(l) || !l.text.trim()) continue;
      const aligned = Math.abs(l.end - prev.end) < prev.size * 0.3 || Math.abs(l.x - prev.x) < prev.size * 0.3;
      if (number(l) !== number(prev)! + 1 || !aligned || l.y >= prev.y) break;
      run.push(j);
    }
    if (run.length >= 5) return run;
  }
  return undefined;
}

export function mergeMarginNumbers(lines: Line[]): Line[] {
  const run = findColumn(lines);
  if (!run) return lines;
  const numbers = new Set(run);
  const edge = Math.max(...run.map((i) => (lines[i] as Placed).end));
  // The page's lines right of the column, which the numbers belong to.
  const text = lines.filter((l, i): l is Placed => !numbers.has(i) && placed(l) && l.x > edge);
  const onLine = new Map<Line, Placed>();
  for (const i of run) {
    const n = lines[i] as Placed;
    const match = text.find((l) => !onLine.has(l) && Math.abs(l.y - n.y) < n.size * 0.3);
    if (match) onLine.set(n, match);
  }
  // Numbers that mostly match no line are something else (a column of figures).
  if (onLine.size * 2 < run.length) return lines;
  const out = lines.filter((_, i) => !numbers.has(i));
  for (const [n, l] of onLine) l.text = `${n.text.trim()} ${l.text}`;
  for (const i of run) {
    const n = lines[i] as Placed;
    if (onLine.has(n)) continue;
    // An empty numbered line: before the first line below it.
    const below = out.findIndex((l) => placed(l) && l.y < n.y - n.size * 0.3 && l.x > edge);
    out.splice(below < 0 ? out.length : below, 0, { text: n.text.trim() });
  }
  return out;
}
