/**
 * Retrieval-sized chunks of one document, for search and question answering
 * over it (what the `chunks` export writes). A pure function of the
 * document's Markdown (and its pages, when it has them):
 *
 * - The source is the pages' text joined by blank lines when the document
 *   has pages (PDF, slides, sheets: each chunk then knows its page range),
 *   otherwise its Markdown. Offsets (`start`, `end`) are character offsets
 *   into that source; `source` says which it is.
 * - A heading starts a new chunk, and every chunk carries the path of
 *   headings it sits under (["Results", "Costs"]). With pages, the headings
 *   come from the Markdown and are found in the page text in order.
 * - Blocks (paragraphs, list items, table rows: the text between blank
 *   lines) are packed up to `size`; a longer block is cut at a sentence end
 *   or a space. `overlap` repeats the end of a chunk at the start of the
 *   next one in the same section, from a word boundary.
 * - Sizes count characters, or tokens estimated as one per four characters
 *   (`unit: 'tokens'`), the usual rule of thumb for English with the common
 *   tokenizers: close enough to size chunks, with no tokenizer to ship.
 */

export interface ChunkOptions {
  /** Target size of a chunk, in `unit`s (a chunk never exceeds it). */
  size: number;
  /** How much of a chunk's end the next chunk repeats (less than size). */
  overlap?: number;
  unit?: 'chars' | 'tokens';
}

/** What the chunks export and the chunks part use when not told (the CLI's and the export dialog's defaults). */
export const CHUNK_DEFAULTS: Required<ChunkOptions> = { size: 1000, overlap: 100, unit: 'chars' };

export interface ChunkSource {
  markdown: string;
  pages?: ReadonlyArray<{ number: number; text: string }>;
}

export interface Chunk {
  index: number;
  text: string;
  /** Character offsets of `text` in the source ([start, end)). */
  start: number;
  end: number;
  source: 'pages' | 'markdown';
  /** First and last page the chunk covers (absent without pages). */
  pages?: [number, number];
  headingPath: string[];
}

const CHARS_PER_TOKEN = 4;
const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t#]*$/;

interface Block {
  start: number;
  end: number;
  heading?: { level: number; title: string };
}

/** The text between blank lines, with offsets; Markdown headings marked. */
function blocks(source: string, markdownHeadings: boolean): Block[] {
  const out: Block[] = [];
  const re = /[^\n]+(?:\n(?![ \t]*\n)[^\n]*)*/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const start = m.index;
    const end = start + m[0].replace(/\s+$/, '').length;
    if (end <= start || !source.slice(start, end).trim()) continue;
    const h = markdownHeadings ? HEADING.exec(source.slice(start, end).split('\n')[0]!) : null;
    if (h && !source.slice(start, end).includes('\n')) out.push({ start, end, heading: { level: h[1]!.length, title: h[2]!.trim() } });
    else out.push({ start, end });
  }
  return out;
}

/** Page sources: the pages joined by blank lines, and where each page starts. */
function joinPages(pages: ReadonlyArray<{ number: number; text: string }>): { text: string; starts: Array<[number, number]> } {
  let text = '';
  const starts: Array<[number, number]> = [];
  for (const p of pages) {
    if (text) text += '\n\n';
    starts.push([text.length, p.number]);
    text += p.text;
  }
  return { text, starts };
}

function pageAt(starts: Array<[number, number]>, offset: number): number {
  let page = starts[0]?.[1] ?? 1;
  for (const [at, n] of starts) {
    if (at > offset) break;
    page = n;
  }
  return page;
}

/** Where to cut a too-long stretch: the last sentence end, else the last space, within the limit. */
function cutPoint(text: string, from: number, limit: number): number {
  const window = text.slice(from, from + limit);
  const sentence = Math.max(window.lastIndexOf('. '), window.lastIndexOf('.\n'), window.lastIndexOf('? '), window.lastIndexOf('! '));
  if (sentence > limit / 2) return from + sentence + 1;
  const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'));
  return space > limit / 4 ? from + space : from + limit;
}

export function chunkDocument(doc: ChunkSource, opts: ChunkOptions): Chunk[] {
  const perUnit = opts.unit === 'tokens' ? CHARS_PER_TOKEN : 1;
  const size = Math.max(1, Math.floor(opts.size)) * perUnit;
  const overlap = Math.min(Math.max(0, Math.floor(opts.overlap ?? 0)) * perUnit, Math.floor(size / 2));
  const pages = doc.pages?.length ? joinPages(doc.pages) : null;
  const source = pages ? pages.text : doc.markdown;
  const list = blocks(source, !pages);
  if (pages) markHeadings(list, source, blocks(doc.markdown, true));

  const chunks: Chunk[] = [];
  const path: Array<{ level: number; title: string }> = [];
  const emit = (start: number, end: number) => {
    const raw = source.slice(start, end);
    const text = raw.trim();
    if (!text) return;
    const s = start + raw.indexOf(text);
    const e = s + text.length;
    chunks.push({
      index: chunks.length,
      text,
      start: s,
      end: e,
      source: pages ? 'pages' : 'markdown',
      ...(pages ? { pages: [pageAt(pages.starts, s), pageAt(pages.starts, e - 1)] as [number, number] } : {}),
      headingPath: path.map((h) => h.title),
    });
  };

  // Each section (a heading and the blocks up to the next one) is packed on its own.
  let section: Array<{ start: number; end: number }> = [];
  const pack = () => {
    let open: { start: number; end: number } | null = null;
    for (const piece of section) {
      if (!open) {
        open = { ...piece };
        continue;
      }
      if (piece.end - open.start <= size) {
        open.end = piece.end;
        continue;
      }
      emit(open.start, open.end);
      // The next chunk repeats the last `overlap` characters, from a word start, if the piece still fits after them.
      const back: number = open.end - overlap;
      const word: number = overlap > 0 && back > open.start ? source.indexOf(' ', back) + 1 : 0;
      const start: number = word > 0 && word < piece.start && piece.end - word <= size ? word : piece.start;
      open = { start, end: piece.end };
    }
    if (open) emit(open.start, open.end);
    section = [];
  };

  for (const b of list) {
    if (b.heading) {
      pack();
      while (path.length && path.at(-1)!.level >= b.heading.level) path.pop();
      path.push(b.heading);
    }
    // A block longer than a chunk is cut at sentence ends or spaces.
    for (let at = b.start; at < b.end;) {
      const end = b.end - at <= size ? b.end : cutPoint(source, at, size);
      section.push({ start: at, end });
      at = end;
    }
  }
  pack();
  return chunks;
}

/** Marks the page-text blocks that start with the Markdown's headings, in order. */
function markHeadings(list: Block[], source: string, markdownBlocks: Block[]): void {
  const headings = markdownBlocks.filter((b) => b.heading).map((b) => b.heading!);
  let from = 0;
  for (const h of headings) {
    const i = list.findIndex((b, k) => k >= from && source.slice(b.start, b.end).trim().startsWith(h.title));
    if (i < 0) continue;
    const b = list[i]!;
    const lineEnd = source.indexOf('\n', b.start);
    const headEnd = b.start + h.title.length;
    if (lineEnd > 0 && lineEnd < b.end && lineEnd <= headEnd + 1) {
      // The heading is the block's first line: it becomes a block of its own.
      list.splice(i, 1, { start: b.start, end: lineEnd, heading: h }, { start: lineEnd + 1, end: b.end });
    } else if (source.slice(b.start, b.end).trim() === h.title) list[i] = { ...b, heading: h };
    from = i + 1;
  }
}
