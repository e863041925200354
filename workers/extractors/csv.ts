/**
 * CSV / TSV via papaparse.
 *
 * The delimiter is sniffed with the same code detection uses (tab for .tsv
 * unless the file plainly uses something else). Rows are parsed one at a
 * time (papaparse `step`) so each can be tied to its line number: malformed
 * rows — unterminated quotes, wrong field counts — are kept in the table and
 * reported as warnings that say where, never silently dropped.
 */
import Papa from 'papaparse';
import { textStats } from '../text/stats';
import { scoreDelimiters, type Delimiter } from '../text/delimiter';
import { markdownTable, readText, WarningList } from './common';
import type { Extractor } from './types';

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

export const csvExtractor: Extractor = {
  name: 'csv',
  version: '1.0.0',
  formats: ['csv', 'tsv'],
  async extract(input, ctx) {
    const format = input.detection.format === 'tsv' ? 'tsv' : 'csv';
    const { text, encoding, warnings: decodeWarnings, empty } = await readText(input);
    const warnings = new WarningList();
    decodeWarnings.forEach((w) => warnings.add(w));
    const { delimiter } = chooseDelimiter(text, format, input.options.delimiter);
    if (format === 'tsv' && delimiter !== '\t') {
      warnings.add(`File was detected as TSV but is ${DELIMITER_NAMES[delimiter] ?? `'${delimiter}'`}-separated; parsed with that delimiter`);
    }

    const rows: string[][] = [];
    const starts = lineStarts(text);
    let prevCursor = 0;
    let width = 0;
    let headerWidth = -1;
    Papa.parse<string[]>(text, {
      delimiter,
      quoteChar: '"',
      escapeChar: '"',
      // Only truly empty lines are skipped; ",," is a row of empty fields.
      skipEmptyLines: true,
      step: (res) => {
        const row = res.data.map((v) => (v == null ? '' : String(v)));
        // The row begins at the first non-newline character after the previous row.
        let start = prevCursor;
        while (start < text.length && (text[start] === '\n' || text[start] === '\r')) start++;
        const line = lineAt(starts, start);
        const endLine = lineAt(starts, Math.max(start, res.meta.cursor - 1));
        prevCursor = res.meta.cursor;
        rows.push(row);
        width = Math.max(width, row.length);
        const seen = new Set<string>();
        for (const e of res.errors) {
          const key = `${e.code}:${e.index}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const at = typeof e.index === 'number' ? lineAt(starts, e.index) : line;
          if (e.code === 'MissingQuotes') {
            warnings.add(`Line ${at}: quoted field is never closed; it swallows everything up to line ${endLine}`);
          } else if (e.code === 'InvalidQuotes') {
            warnings.add(`Line ${at}: malformed quotes (text after a closing quote)`);
          } else {
            warnings.add(`Line ${at}: ${e.message}`);
          }
        }
        if (headerWidth < 0) headerWidth = row.length;
        else if (row.length !== headerWidth) {
          warnings.add(`Line ${line}: expected ${headerWidth} fields (as in the header), found ${row.length}`);
        }
        if ((rows.length & 1023) === 0) ctx.progress(res.meta.cursor, text.length);
      },
    });

    if (empty) {
      // readText already explains why.
    } else if (rows.length === 1) {
      warnings.add('Table has a header row but no data rows');
    }
    const stats = textStats(text);
    const header = rows[0] ?? [];
    // The table's width is the header's; ragged rows were reported above.
    const columns = header.length;
    return {
      text,
      markdown: markdownTable(rows, true),
      metadata: {
        encoding,
        delimiter: DELIMITER_NAMES[delimiter] ?? delimiter,
        header,
        rowCount: rows.length,
        columnCount: columns,
        ...(width !== columns ? { maxColumns: width } : {}),
      },
      tables: rows.length ? [{ name: 'table 1', rows, hasHeader: true }] : [],
      warnings: warnings.toArray(),
      counters: {
        // items = records including the header row, i.e. table.rows.length.
        items: rows.length,
        rows: rows.length,
        columns,
        lines: stats.lines,
        words: stats.words,
        chars: stats.chars,
      },
      encoding,
    };
  },
};

