/**
 * A small Markdown reader for the detail view's Markdown tab: CommonMark's
 * everyday blocks (ATX and setext headings, paragraphs, fenced and indented
 * code, quotes, nested lists, rules) and GFM tables, with inline code,
 * emphasis, strike-through, links and images. It builds a tree of plain
 * data that Markdown.tsx turns into React elements: raw HTML in the source
 * stays text (React escapes it), images are never loaded (the CSP forbids
 * remote images; their alt text is shown), and only http(s) and mailto
 * links are links. Nesting is capped so a hostile document cannot blow the
 * stack.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong' | 'em' | 'del'; children: Inline[] }
  | { type: 'link'; href: string | null; title: string; children: Inline[] }
  | { type: 'image'; alt: string; src: string }
  | { type: 'break' };

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'code'; lang: string; text: string }
  | { type: 'rule' }
  | { type: 'quote'; children: Block[] }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'table'; align: Align[]; header: string[]; rows: string[][] };

const MAX_DEPTH = 16;

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$/;
const TABLE_SEP = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const BLANK = /^\s*$/;

export function parseMarkdown(source: string): Block[] {
  return parseBlocks(source.replace(/\r\n?/g, '\n').split('\n'), 0);
}

function startsBlock(line: string, next: string | undefined): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line) || isTableStart(line, next);
}

function isTableStart(line: string, next: string | undefined): boolean {
  return line.includes('|') && next !== undefined && next.includes('-') && TABLE_SEP.test(next);
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (BLANK.test(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`).test(lines[i]!)) body.push(lines[i++]!);
      i++; // the closing fence (or the end)
      blocks.push({ type: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]!) || (BLANK.test(lines[i]!) && /^( {4}|\t)/.test(lines[i + 1] ?? ''))))
        body.push(lines[i++]!.replace(/^( {4}|\t)/, ''));
      blocks.push({ type: 'code', lang: '', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1]!.length as 1, text: heading[2] ?? '' });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) inner.push(lines[i++]!.replace(QUOTE, ''));
      blocks.push(depth < MAX_DEPTH ? { type: 'quote', children: parseBlocks(inner, depth + 1) } : { type: 'paragraph', text: inner.join('\n') });
      continue;
    }
    if (isTableStart(line, lines[i + 1])) {
      i = readTable(lines, i, blocks);
      continue;
    }
    if (ITEM.test(line)) {
      i = readList(lines, i, blocks, depth);
      continue;
    }
    // A paragraph: lines up to a blank one or the start of another block; a setext underline makes it a heading.
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && !BLANK.test(lines[i]!)) {
      const setext = SETEXT.exec(lines[i]!);
      if (setext) {
        blocks.push({ type: 'heading', level: setext[1]![0] === '=' ? 1 : 2, text: para.join(' ') });
        para.length = 0;
        i++;
        break;
      }
      if (startsBlock(lines[i]!, lines[i + 1])) break;
      para.push(lines[i++]!.replace(/^[ \t]+/, ''));
    }
    if (para.length) blocks.push({ type: 'paragraph', text: para.join('\n') });
  }
  return blocks;
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
}

function readTable(lines: string[], i: number, blocks: Block[]): number {
  const header = splitRow(lines[i]!);
  const align: Align[] = splitRow(lines[i + 1]!).map((c) =>
    c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : null,
  );
  const rows: string[][] = [];
  i += 2;
  while (i < lines.length && !BLANK.test(lines[i]!) && lines[i]!.includes('|')) rows.push(splitRow(lines[i++]!));
  blocks.push({ type: 'table', align, header, rows });
  return i;
}

function readList(lines: string[], i: number, blocks: Block[], depth: number): number {
  const first = ITEM.exec(lines[i]!)!;
  const ordered = /\d/.test(first[2]!);
  const bullet = ordered ? first[2]!.slice(-1) : first[2]!;
  const items: string[][] = [];
  let indent = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const item = ITEM.exec(line);
    const sameList = item && item[1]!.length < Math.max(indent, 1) && (ordered ? /\d/.test(item[2]!) && item[2]!.endsWith(bullet) : item[2] === bullet);
    if (item && sameList) {
      indent = item[1]!.length + item[2]!.length + Math.min(Math.max(item[3]!.length, 1), 4);
      items.push([item[4]!]);
      i++;
      continue;
    }
    if (BLANK.test(line)) {
      const next = lines[i + 1];
      if (next === undefined || (leadingSpaces(next) < indent && !ITEM.test(next))) break;
      items.at(-1)!.push('');
      i++;
      continue;
    }
    if (leadingSpaces(line) >= indent) items.at(-1)!.push(line.slice(indent));
    else if (item || startsBlock(line, lines[i + 1]) || BLANK.test(lines[i - 1] ?? '')) break;
    else items.at(-1)!.push(line.trim()); // a lazy continuation of the item's paragraph
    i++;
  }
  const start = ordered ? Number.parseInt(first[2]!, 10) : 1;
  blocks.push({
    type: 'list',
    ordered,
    start,
    items: items.map((it) => (depth < MAX_DEPTH ? parseBlocks(it, depth + 1) : [{ type: 'paragraph', text: it.join('\n') }])),
  });
  return i;
}

function leadingSpaces(line: string): number {
  return /^[ ]*/.exec(line.replace(/\t/g, '    '))![0].length;
}

/** Only these become clickable links; anything else (javascript:, data:, relative) stays text. */
export function safeHref(url: string): string | null {
  const u = url.trim();
  return /^(https?:\/\/|mailto:)/i.test(u) ? u : null;
}

const PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

export function parseInline(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const flush = () => {
    if (buf) out.push({ type: 'text', text: buf });
    buf = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      if (text[i + 1] === '\n') {
        flush();
        out.push({ type: 'break' });
        i += 2;
        continue;
      }
      if (PUNCT.test(text[i + 1]!)) {
        buf += text[i + 1];
        i += 2;
        continue;
      }
    }
    if (ch === '\n') {
      // Two trailing spaces make a hard break; otherwise a line break is a space.
      if (buf.endsWith('  ')) {
        buf = buf.replace(/ +$/, '');
        flush();
        out.push({ type: 'break' });
      } else buf += ' ';
      i++;
      continue;
    }
    if (ch === '`') {
      const run = /^`+/.exec(text.slice(i))![0];
      const close = text.indexOf(run, i + run.length);
      if (close > 0) {
        flush();
        out.push({
          type: 'code',
          text: text
            .slice(i + run.length, close)
            .replace(/\n/g, ' ')
            .replace(/^ (.*) $/, '$1'),
        });
        i = close + run.length;
        continue;
      }
      buf += run;
      i += run.length;
      continue;
    }
    if (ch === '!' && text[i + 1] === '[') {
      const link = readLink(text, i + 1);
      if (link) {
        flush();
        out.push({ type: 'image', alt: link.label, src: link.url });
        i = link.end;
        continue;
      }
    }
    if (ch === '[') {
      const link = readLink(text, i);
      if (link) {
        flush();
        const label = depth < MAX_DEPTH ? parseInline(link.label, depth + 1) : [{ type: 'text' as const, text: link.label }];
        out.push({ type: 'link', href: safeHref(link.url), title: link.url, children: label });
        i = link.end;
        continue;
      }
    }
    if (ch === '<') {
      const auto = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(text.slice(i));
      if (auto) {
        flush();
        out.push({ type: 'link', href: safeHref(auto[1]!), title: auto[1]!, children: [{ type: 'text', text: auto[1]! }] });
        i += auto[0].length;
        continue;
      }
    }
    const emph = readEmphasis(text, i, depth);
    if (emph) {
      flush();
      out.push(emph.node);
      i = emph.end;
      continue;
    }
    buf += ch;
    i++;
  }
  flush();
  return out;
}

/** `[label](url "title")` from `[` at i; null when it is not a link. */
function readLink(text: string, i: number): { label: string; url: string; end: number } | null {
  let level = 0;
  let j = i;
  for (; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '[') level++;
    else if (text[j] === ']' && --level === 0) break;
  }
  if (j >= text.length || text[j + 1] !== '(') return null;
  const dest = /^\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+("[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/.exec(text.slice(j + 1));
  if (!dest) return null;
  const url = dest[1]!.replace(/^<|>$/g, '');
  return { label: text.slice(i + 1, j), url, end: j + 1 + dest[0].length };
}

function readEmphasis(text: string, i: number, depth: number): { node: Inline; end: number } | null {
  if (depth >= MAX_DEPTH) return null;
  for (const [marker, type] of [
    ['**', 'strong'],
    ['__', 'strong'],
    ['~~', 'del'],
    ['*', 'em'],
    ['_', 'em'],
  ] as const) {
    if (!text.startsWith(marker, i)) continue;
    const after = text[i + marker.length];
    if (!after || /\s/.test(after)) continue;
    // Underscores inside a word (snake_case) are not emphasis.
    if (marker[0] === '_' && /[\p{L}\p{N}]/u.test(text[i - 1] ?? '')) continue;
    let close = text.indexOf(marker, i + marker.length + 1);
    while (close > 0 && (/\s/.test(text[close - 1]!) || (marker.length === 1 && text[close + 1] === marker))) close = text.indexOf(marker, close + 2);
    if (close < 0) continue;
    if (marker[0] === '_' && /[\p{L}\p{N}]/u.test(text[close + marker.length] ?? '')) continue;
    return { node: { type, children: parseInline(text.slice(i + marker.length, close), depth + 1) }, end: close + marker.length };
  }
  return null;
}

/** Cuts a slice of Markdown at its last blank line, so no block is split between two slices; the rest goes with the next. */
export function cutAtBlock(text: string, done: boolean): { head: string; rest: string } {
  if (done) return { head: text, rest: '' };
  const cut = text.lastIndexOf('\n\n');
  if (cut <= 0) return { head: text, rest: '' };
  return { head: text.slice(0, cut + 2), rest: text.slice(cut + 2) };
}
