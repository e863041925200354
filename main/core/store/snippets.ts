/**
 * The snippets of a page of search hits. The index keeps no copy of the
 * text it indexes (migration 13), so FTS5's snippet() finds nothing to cut
 * from in results_fts. The page's rows are written again, from where the
 * store keeps their text, into a table in memory with the same columns and
 * tokenizer, and snippet() runs there on the same query: the same terms
 * are flagged and the same fragment is chosen as the index would have, at
 * the cost of indexing the page's texts (20 hits, not the collection).
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

const TABLE = `CREATE VIRTUAL TABLE IF NOT EXISTS temp.results_snip USING fts5(
  page UNINDEXED, name, path, meta, body, byte UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
)`;

const PART = `(h.value & ${2 ** PART_BITS - 1})`;
/** Every row but a spooled text's chunks, whose text is in a file (bodies left NULL here, written from JavaScript). */
const FILL = `INSERT INTO temp.results_snip (rowid, name, path, meta, body)
  SELECT h.value,
    CASE WHEN ${PART} = 0 THEN j.file_name END,
    CASE WHEN ${PART} = 0 THEN j.source_path END,
    CASE WHEN ${PART} = 0 THEN ${META} END,
    CASE WHEN ${PART} = 0 THEN ${FILE_BODY}
         WHEN ${PART} = ${INDEX_ONLY_PART} THEN r.document ->> '$.indexOnly.text'
         WHEN ${PART} <= ${PAGES} THEN json_extract(r.document, '$.pages[' || (${PART} - 1) || '].text')
    END
  FROM json_each(@rowids) h JOIN jobs j ON j.seq = h.value >> ${PART_BITS} JOIN results r ON r.job_seq = j.seq`;
/** The chunks among them: where each starts and ends in its spool file (the next chunk's start, or the file's end). */
const CHUNKS = `SELECT s.rowid AS rowid, j.id AS jobId, r.document -> '$.fullText' AS fullText, f.byte AS start,
    (SELECT n.byte FROM results_fts n WHERE n.rowid = s.rowid + 1) AS next
  FROM temp.results_snip s JOIN results_fts f ON f.rowid = s.rowid
    JOIN jobs j ON j.seq = s.rowid >> ${PART_BITS} JOIN results r ON r.job_seq = j.seq
  WHERE s.body IS NULL AND f.byte IS NOT NULL`;
const SNIPPETS = `SELECT rowid, snippet(results_snip, -1, '${OPEN}', '${CLOSE}', '…', 24) AS snippet
  FROM temp.results_snip WHERE results_snip MATCH @match`;

/** Each row's marked snippet (rows whose text is gone, a spool file deleted say, have none). */
export function snippets(s: StoreCore, match: string, rowids: number[]): Map<number, string> {
  if (rowids.length === 0) return new Map();
  s.db.exec(TABLE);
  try {
    s.sql.prepared(FILL).run({ rowids: JSON.stringify(rowids) });
    const chunks = s.sql.prepared(CHUNKS).all() as Chunk[];
    const setBody = s.sql.prepared('UPDATE temp.results_snip SET body = ? WHERE rowid = ?');
    for (const c of chunks) {
      const text = chunkText(c);
      if (text !== undefined) setBody.run(text, c.rowid);
    }
    const rows = s.sql.prepared(SNIPPETS).all({ match }) as Array<{ rowid: number; snippet: string }>;
    return new Map(rows.map((r) => [r.rowid, r.snippet]));
  } finally {
    s.db.exec('DELETE FROM temp.results_snip');
  }
}

interface Chunk {
  rowid: number;
  jobId: string;
  fullText: string | null;
  start: number;
  next: number | null;
}

/** A chunk's text, read from its job's spool file (only ever that file: isFullTextPathOf), or nothing when the file is gone or changed. */
function chunkText(c: Chunk): string | undefined {
  const full = c.fullText ? (JSON.parse(c.fullText) as FullText) : undefined;
  if (!full || !isFullTextPathOf(full, c.jobId)) return undefined;
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
