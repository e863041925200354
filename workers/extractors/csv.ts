/**
 * CSV / TSV via papaparse.
 *
 * The delimiter is sniffed with the same code detection uses (tab for .tsv
 * unless the file plainly uses something else). Rows are parsed one at a
 * time (papaparse `step`) so each can be tied to its line number: malformed
 * rows — unterminated quotes, wrong field counts — are kept in the table and
 * reported as warnings that say where, never silently dropped.
 *
 * A large file is streamed: decoded chunk by chunk, cut into segments of
 * whole records (RecordSplitter) parsed one after another, every row counted
 * and checked, the first rows kept as a preview table, the full text written
 * to a file (see text/full-text).
 */
import Papa from 'papaparse';
import type { FullText } from '../../shared/extraction';
import { RecordSplitter } from '../text/csv-records';
import { FullTextWriter, PREVIEW_CHARS, previewWarning, removeStaleFullText, shouldStream, type FullTextDone } from '../text/full-text';
import { textStats, type TextStats } from '../text/stats';
import { scoreDelimiters, type Delimiter } from '../text/delimiter';
import { decodeStream, type TextSink } from '../text/stream-decode';
import { markdownTable, readText, WarningList } from './common';
import type { ExtractContext, ExtractInput, ExtractionParts, Extractor } from './types';

const DELIMITER_NAMES: Record<string, string> = { '\t': 'tab', ',': 'comma', ';': 'semicolon', '|': 'pipe' };

/** Offsets of line starts, for offset -> 1-based line number by binary search. */
function lineStarts(text: string): Uint32Array | number[] {
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts.length > 1_000_000 ? Uint32Array.from(starts) : starts;
}

function lineAt(starts: Uint32Array | number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export function chooseDelimiter(text: string, format: 'csv' | 'tsv', forced?: string): { delimiter: string; sniffed: boolean } {
  if (forced) return { delimiter: forced, sniffed: false };
  const sample = text.slice(0, 64 * 1024);
  const prefer: Delimiter = format === 'tsv' ? '\t' : ',';
  const scores = scoreDelimiters(sample, sample.length === text.length)
    .filter((s) => s.mode > 0 && s.consistency >= 0.5)
    .sort((a, b) => b.consistency - a.consistency || b.mode - a.mode);
  const best = scores[0];
  if (!best) return { delimiter: prefer, sniffed: false };
  // The format's own delimiter wins ties (a .tsv whose cells contain commas).
  const preferred = scores.find((s) => s.delimiter === prefer);
  if (preferred && preferred.consistency >= best.consistency) return { delimiter: prefer, sniffed: true };
  return { delimiter: best.delimiter, sniffed: true };
}

/** Rows kept in the table of a streamed file (header included). */
export const PREVIEW_ROWS = 1000;

/**
 * Row handling shared by the whole-file and the streamed parse: counting,
 * width checks, warnings with file line numbers, and the rows kept.
 */
class CsvRows {
  readonly kept: string[][] = [];
  count = 0;
  width = 0;
  private headerWidth = -1;
  private keptChars = 0;

  constructor(
    private readonly warnings: WarningList,
    private readonly limits = { rows: Infinity, chars: Infinity },
  ) {}

  get header(): string[] {
    return this.kept[0] ?? [];
  }

  /** Every row was kept. */
  get complete(): boolean {
    return this.kept.length === this.count;
  }

  /**
   * Parses `text`, made of whole records, whose first line is line
   * `baseLine + 1` of the file. Returns the number of line breaks in it.
   */
  parse(text: string, opts: { delimiter: string; newline?: string; baseLine?: number; onRows?: (cursor: number) => void }): number {
    const base = opts.baseLine ?? 0;
    const starts = lineStarts(text);
    let prevCursor = 0;
    Papa.parse<string[]>(text, {
      delimiter: opts.delimiter,
      ...(opts.newline ? { newline: opts.newline as '\n' } : {}),
      quoteChar: '"',
      escapeChar: '"',
      // Only truly empty lines are skipped; ",," is a row of empty fields.
      skipEmptyLines: true,
      step: (res) => {
        const row = res.data.map((v) => (v == null ? '' : String(v)));
        // The row begins at the first non-newline character after the previous row.
        let start = prevCursor;
        while (start < text.length && (text[start] === '\n' || text[start] === '\r')) start++;
        const line = base + lineAt(starts, start);
        const endLine = base + lineAt(starts, Math.max(start, res.meta.cursor - 1));
        prevCursor = res.meta.cursor;
        this.add(row);
        this.report(res.errors, line, endLine, (i) => base + lineAt(starts, i));
        if (this.headerWidth < 0) this.headerWidth = row.length;
        else if (row.length !== this.headerWidth) {
          this.warnings.add(`Line ${line}: expected ${this.headerWidth} fields (as in the header), found ${row.length}`);
        }
        if ((this.count & 1023) === 0) opts.onRows?.(res.meta.cursor);
      },
    });
    return starts.length - 1;
  }

  private add(row: string[]): void {
    this.count++;
    this.width = Math.max(this.width, row.length);
    if (this.kept.length !== this.count - 1 || this.kept.length >= this.limits.rows) return;
    const chars = row.reduce((n, c) => n + c.length, 0);
    // The header is always kept; after it, a preview stops at its size.
    if (this.kept.length > 0 && this.keptChars + chars > this.limits.chars) return;
    this.keptChars += chars;
    this.kept.push(row);
  }

  private report(errors: Papa.ParseError[], line: number, endLine: number, lineOf: (index: number) => number): void {
    const seen = new Set<string>();
    for (const e of errors) {
      const key = `${e.code}:${e.index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const at = typeof e.index === 'number' ? lineOf(e.index) : line;
      if (e.code === 'MissingQuotes') {
        this.warnings.add(`Line ${at}: quoted field is never closed; it swallows everything up to line ${endLine}`);
      } else if (e.code === 'InvalidQuotes') {
        this.warnings.add(`Line ${at}: malformed quotes (text after a closing quote)`);
      } else {
        this.warnings.add(`Line ${at}: ${e.message}`);
      }
    }
  }
}

interface Assembly {
  rows: CsvRows;
  warnings: WarningList;
  delimiter: string;
  encoding: string;
  empty: boolean;
  stats: TextStats;
  text: string;
  fullText?: FullText;
}

function assemble(a: Assembly): ExtractionParts {
  const { rows, warnings, delimiter, encoding, stats } = a;
  if (a.empty) {
    // The decoding step already explains why.
  } else if (rows.count === 1) {
    warnings.add('Table has a header row but no data rows');
  }
  const header = rows.header;
  // The table's width is the header's; ragged rows were reported above.
  const columns = header.length;
  return {
    text: a.text,
    markdown: markdownTable(rows.kept, true),
    metadata: {
      encoding,
      delimiter: DELIMITER_NAMES[delimiter] ?? delimiter,
      header,
      rowCount: rows.count,
      columnCount: columns,
      ...(rows.width !== columns ? { maxColumns: rows.width } : {}),
      ...(a.fullText ? { fullText: { ...a.fullText, markdownIsText: false } } : {}),
    },
    tables: rows.count ? [{ name: 'table 1', rows: rows.kept, hasHeader: true }] : [],
    warnings: warnings.toArray(),
    counters: {
      // items = records including the header row (the whole file's, also when the table is a preview).
      items: rows.count,
      rows: rows.count,
      columns,
      lines: stats.lines,
      words: stats.words,
      chars: stats.chars,
    },
    encoding,
  };
}

function csvFormat(input: ExtractInput): 'csv' | 'tsv' {
  return input.detection.format === 'tsv' ? 'tsv' : 'csv';
}

function checkDelimiter(format: 'csv' | 'tsv', delimiter: string, warnings: WarningList): void {
  if (format === 'tsv' && delimiter !== '\t') {
    warnings.add(`File was detected as TSV but is ${DELIMITER_NAMES[delimiter] ?? `'${delimiter}'`}-separated; parsed with that delimiter`);
  }
}

export const csvExtractor: Extractor = {
  name: 'csv',
  version: '1.0.0',
  formats: ['csv', 'tsv'],
  async extract(input, ctx) {
    if (shouldStream(input)) return streamedCsv(input, ctx);
    await removeStaleFullText(input);
    const format = csvFormat(input);
    const { text, encoding, warnings: decodeWarnings, empty } = await readText(input);
    const warnings = new WarningList();
    decodeWarnings.forEach((w) => warnings.add(w));
    const { delimiter } = chooseDelimiter(text, format, input.options.delimiter);
    checkDelimiter(format, delimiter, warnings);
    const rows = new CsvRows(warnings);
    rows.parse(text, { delimiter, onRows: (cursor) => ctx.progress(cursor, text.length) });
    return assemble({ rows, warnings, delimiter, encoding, empty, stats: textStats(text), text });
  },
};

/** Decoded text held before parsing starts: papaparse guesses the line break from the first 1 MB. */
const HEAD_CHARS = 1024 * 1024;

/**
 * The streamed parse: the full text goes to the file as it is decoded; once
 * the head is in, the delimiter and the line break are chosen as the
 * whole-file parse would choose them, then whole-record segments are parsed.
 */
class CsvStreamSink implements TextSink {
  private head = '';
  private splitter: RecordSplitter | undefined;
  private baseLine = 0;
  private endedWithCR = false;
  private newline = '\n';
  delimiter = ',';

  constructor(
    private readonly full: FullTextWriter,
    readonly rows: CsvRows,
    private readonly choose: (head: string) => string,
    private readonly onRows: () => void,
  ) {}

  async write(text: string): Promise<void> {
    await this.full.write(text);
    if (this.splitter) return this.parse(this.splitter.push(text));
    this.head += text;
    if (this.head.length > HEAD_CHARS) this.start();
  }

  discard(): Promise<void> {
    return this.full.discard();
  }

  async finish(): Promise<FullTextDone> {
    if (!this.splitter) this.start();
    this.parse([this.splitter!.end()]);
    return this.full.finish();
  }

  private start(): void {
    this.delimiter = this.choose(this.head);
    const newline = Papa.parse(this.head, { delimiter: this.delimiter, quoteChar: '"', preview: 1 }).meta.linebreak;
    this.splitter = new RecordSplitter(this.delimiter, newline);
    const head = this.head;
    this.head = '';
    this.newline = newline;
    this.parse(this.splitter.push(head));
  }

  private parse(segments: string[]): void {
    for (const segment of segments) {
      if (!segment) continue;
      // A CRLF cut between two segments (a file mixing CR and CRLF, parsed
      // with CR as the line break) is one line break, not two.
      if (this.endedWithCR && segment.charCodeAt(0) === 10) this.baseLine--;
      this.baseLine += this.rows.parse(segment, { delimiter: this.delimiter, newline: this.newline, baseLine: this.baseLine, onRows: this.onRows });
      this.endedWithCR = segment.charCodeAt(segment.length - 1) === 13;
    }
  }
}

async function streamedCsv(input: ExtractInput, ctx: ExtractContext): Promise<ExtractionParts> {
  const format = csvFormat(input);
  let read = 0;
  let warnings = new WarningList();
  const openSink = async () => {
    // A restarted decode starts over with fresh rows and warnings.
    warnings = new WarningList();
    const rows = new CsvRows(warnings, { rows: PREVIEW_ROWS, chars: PREVIEW_CHARS });
    // `head` is the whole text or more than chooseDelimiter samples, so its choice matches the whole-file path.
    const choose = (head: string) => {
      const { delimiter } = chooseDelimiter(head, format, input.options.delimiter);
      checkDelimiter(format, delimiter, warnings);
      return delimiter;
    };
    return new CsvStreamSink(await FullTextWriter.open(input.spoolDir!), rows, choose, () => ctx.progress(read, input.size));
  };
  const decoded = await decodeStream(input, openSink, (n) => (read = n));
  const done = await decoded.sink.finish();
  const all = [...decoded.warnings, ...warnings.toArray()];
  const out = new WarningList(Infinity);
  all.forEach((w) => out.add(w));
  if (done.stats.words === 0) out.add('File contains only whitespace');
  const rows = decoded.sink.rows;
  if (!rows.complete) {
    out.add(
      `The table is a preview: its first ${rows.kept.length.toLocaleString('en')} of ${rows.count.toLocaleString('en')} rows are stored; every row was parsed, checked and counted.`,
    );
  }
  out.add(previewWarning(done.fullText, input.size));
  return assemble({
    rows,
    warnings: out,
    delimiter: decoded.sink.delimiter,
    encoding: decoded.encoding,
    empty: done.stats.words === 0,
    stats: done.stats,
    text: done.preview,
    fullText: done.fullText,
  });
}
