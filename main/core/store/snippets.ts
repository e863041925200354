/**
 * The snippets of a page of search hits. The index keeps no copy of the
 * text it indexes (migration 13), so FTS5's snippet() finds nothing to cut
 * from in results_fts. Each hit's row is written again, from where the
 * store keeps its text, into a table in memory with the same columns and
 * tokenizer, and snippet() runs there on the same query: the same terms
 * are flagged and the same fragment is chosen as the index would have.
 *
 * A long text goes in windows of about WINDOW characters, one at a time,
 * until one matches: FTS5 scores a snippet against every instance of the
 * query's terms in the row, for each instance (quadratic), and a common word
 * in a 30 MB text (360,000 instances) kept a search busy for minutes. A
 * common word is found in the first window; a rare one late in the text
 * costs the text's tokenizing once.
 *
 * Where a row's text lives (rowid = job_seq << PART_BITS | part, see
 * search-index.ts): the file row's name, path and metadata in its job and
 * result, its body in results.text; a page's in the document's pages; the
 * index-only text in the document; a spooled text's chunk in its spool
 * file, from the byte its index row records to where the next chunk starts.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { FullText } from '../../../shared/extraction.js';
import { isFullTextPathOf } from '../full-text.js';
import type { StoreCore } from './core.js';
import { FILE_BODY, INDEX_ONLY_PART, META, PAGES, PART_BITS } from './search-index.js';

// Markers around a matched term: control characters that extracted text
// does not carry (search.ts cuts the snippet at them; any that occur are dropped).
export const OPEN = '\u0002';
export const CLOSE = '\u0003';

/** The longest piece of a text written at once (characters; cut at white space). */
export const WINDOW = 32_768;
/** Consecutive windows share this much, so a phrase across a cut is in one of them. */
const OVERLAP = 256;

const TABLE = `CREATE VIRTUAL TABLE IF NOT EXISTS temp.results_snip USING fts5(
  page UNINDEXED, name, path, meta, body, byte UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
)`;

const PART = `(h.value & ${2 ** PART_BITS - 1})`;
const CHUNK = `${PART} > ${PAGES} AND ${PART} < ${INDEX_ONLY_PART}`;
/** Each hit's values as the index was given them; a spooled text's chunk by where it lies in its file. */
const SOURCES = `SELECT h.value AS rowid, j.id AS jobId,
    CASE WHEN ${PART} = 0 THEN j.file_name END AS name,
    CASE WHEN ${PART} = 0 THEN j.source_path END AS path,
    CASE WHEN ${PART} = 0 THEN ${META} END AS meta,
    CASE WHEN ${PART} = 0 THEN ${FILE_BODY}
         WHEN ${PART} = ${INDEX_ONLY_PART} THEN r.document ->> '$.indexOnly.text'
         WHEN ${PART} <= ${PAGES} THEN json_extract(r.document, '$.pages[' || (${PART} - 1) || '].text')
    END AS body,
    CASE WHEN ${CHUNK} THEN r.document -> '$.fullText' END AS fullText,
    CASE WHEN ${CHUNK} THEN (SELECT f.byte FROM results_fts f WHERE f.rowid = h.value) END AS start,
    CASE WHEN ${CHUNK} THEN (SELECT n.byte FROM results_fts n WHERE n.rowid = h.value + 1) END AS next
  FROM json_each(@rowids) h JOIN jobs j ON j.seq = h.value >> ${PART_BITS} JOIN results r ON r.job_seq = j.seq`;
const PUT = 'INSERT INTO temp.results_snip (rowid, name, path, meta, body) VALUES (1, ?, ?, ?, ?)';
const PROBE = `SELECT snippet(results_snip, -1, '${OPEN}', '${CLOSE}', '…', 24) FROM temp.results_snip WHERE results_snip MATCH ? AND rowid = 1`;
const CLEAR = 'DELETE FROM temp.results_snip';
const withTable = new WeakSet<object>();

interface Source {
  rowid: number;
  jobId: string;
  name: string | null;
  path: string | null;
  meta: string | null;
  body: string | null;
  fullText: string | null;
  start: number | null;
  next: number | null;
}

/** Each row's marked snippet (rows whose text is gone, a spool file deleted say, have none). */
export function snippets(s: StoreCore, match: string, rowids: number[]): Map<number, string> {
  const marked = new Map<number, string>();
  if (rowids.length === 0) return marked;
  // Once per connection (a temporary table is its own), not at every search.
  if (!withTable.has(s.db)) {
    s.db.exec(TABLE);
    withTable.add(s.db);
  }
  const sources = s.sql.prepared(SOURCES).all({ rowids: JSON.stringify(rowids) }) as Source[];
  for (const row of sources) {
    const snippet = snippetOf(s, match, row);
    if (snippet !== undefined) marked.set(row.rowid, snippet);
  }
  return marked;
}

/** The first window of the row that matches, marked; the name, path and metadata go with the first. */
function snippetOf(s: StoreCore, match: string, row: Source): string | undefined {
  const body = row.body ?? chunkText(row) ?? '';
  const put = s.sql.prepared(PUT);
  const probe = s.sql.prepared(PROBE).pluck();
  const clear = s.sql.prepared(CLEAR);
  let first = true;
  for (const piece of windows(body)) {
    try {
      put.run(first ? row.name : null, first ? row.path : null, first ? row.meta : null, piece);
      const snippet = probe.get(match) as string | undefined;
      if (snippet !== undefined) return snippet;
    } finally {
      clear.run();
    }
    first = false;
  }
  return undefined;
}

/** The text in windows of at most WINDOW characters, cut at white space where there is some, overlapping by OVERLAP. */
export function* windows(text: string): Generator<string> {
  if (text.length <= WINDOW) {
    yield text;
    return;
  }
  for (let at = 0; at < text.length;) {
    let end = Math.min(at + WINDOW, text.length);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      const line = text.lastIndexOf('\n', end);
      const cut = Math.max(space, line);
      if (cut > at + WINDOW / 2) end = cut;
    }
    yield text.slice(at, end);
    if (end >= text.length) return;
    // The next window starts at a word's start, OVERLAP before this one's end.
    const from = text.indexOf(' ', end - OVERLAP);
    at = from > at && from < end ? from + 1 : end;
  }
}

/** A chunk's text, read from its job's spool file (only ever that file: isFullTextPathOf), or nothing when the file is gone or changed. */
function chunkText(c: Source): string | undefined {
  const full = c.fullText ? (JSON.parse(c.fullText) as FullText) : undefined;
  if (!full || c.start === null || !isFullTextPathOf(full, c.jobId)) return undefined;
  const end = Math.min(c.next ?? full.bytes, full.bytes);
  if (!(end > c.start)) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(full.path, 'r');
    const bytes = Buffer.alloc(end - c.start);
    const read = readSync(fd, bytes, 0, bytes.length, c.start);
    return bytes.subarray(0, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
