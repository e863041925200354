/**
 * The full-text index's writes (table results_fts, migration 005).
 *
 * A completion does not write the index itself: FTS5's insert and the flush
 * of its in-memory terms at every commit cost the engine's main thread
 * about a quarter of its throughput on small files. The completion's
 * transaction only records the result as owed, a row of results_fts_pending
 * (migration 008) with part 0; a background indexer (main/core/search-indexer.ts,
 * a worker thread with its own connection) writes the owed results' rows in
 * large batches (`indexPendingBatch`), each in one short transaction that
 * also removes their records. Search answers after indexing what is owed
 * when it is little, and says how much is left otherwise (search.ts).
 *
 * The records are durable and die with their result: a job deleted, pruned
 * or re-run before it was indexed takes its record along (the foreign key
 * cascades), so an indexer can never write rows for a result that is gone;
 * one deleted after takes its rows along through the migration's trigger. A
 * restart indexes whatever is still owed.
 *
 * A spooled full text (over 32 MB, see main/core/full-text.ts) is indexed
 * from its stored preview at first: reading the spool file in a transaction
 * would hold the write lock for the whole read. Its record then stays, as
 * the next chunk to write (part ≥ 1, byte offset); main/core/full-text-index.ts
 * streams the file and writes it as chunk rows (indexChunk), a transaction
 * per chunk that also moves the record on, so a restart resumes where the
 * last chunk ended.
 */
import type { Db } from './database.js';
import type { StoreCore } from './core.js';

/**
 * rowid = job_seq << PART_BITS | part: part 0 is the file's row, part i + 1
 * the i-th page (fixed by migration 005), then a spooled text's chunks; the
 * last part of the range, INDEX_ONLY_PART, holds the result's index-only
 * text (a model's strings), its label in the page column.
 */
export const PART_BITS = 20;
const PARTS = 2 ** PART_BITS;
export const INDEX_ONLY_PART = PARTS - 1;

/** Records a stored result as owed to the index (its old rows and record went with its old result). */
export function owedToIndex(s: StoreCore, seq: number): void {
  if (!s.sql.hasSearchIndex) return;
  s.sql.prepared('INSERT INTO results_fts_pending (job_seq, part, byte) VALUES (?, 0, 0)').run(seq);
}

/**
 * A value of the metadata as the index holds it: a string as it is, any
 * other value as its JSON, nothing for null or absent.
 */
const metaValue = (key: string) => {
  const at = `'$.metadata.${key}'`;
  return `CASE json_type(r.document, ${at}) WHEN 'text' THEN r.document ->> ${at} WHEN 'null' THEN NULL ELSE r.document -> ${at} END`;
};
export const PAGES = `coalesce(json_array_length(r.document, '$.pages'), 0)`;
/** A file row's values, from its result `r` and job `j` (snippets.ts reads them again for a hit's snippet). */
export const META = `nullif(concat_ws(' ', ${metaValue('title')}, ${metaValue('author')}, ${metaValue('subject')}), '')`;
export const FILE_BODY = `CASE WHEN ${PAGES} > 0 THEN '' ELSE r.text END`;
/** The text a batch takes at most (bytes of UTF-8), unless its first result alone has more. */
export const BATCH_BYTES = 1024 * 1024;
/**
 * The owed results of a batch: those up to @upTo (a batch is the oldest
 * `limit` records, see `runIndexBatch`). CROSS JOIN keeps the records the
 * outer loop: with a condition on the result's document, the planner walked
 * every stored result up to @upTo instead, the whole table at each batch.
 */
const OWED = `FROM results_fts_pending p CROSS JOIN results r ON r.job_seq = p.job_seq`;
const IN_BATCH = `p.part = 0 AND p.job_seq <= @upTo`;

/**
 * The statements of one batch, as SQL: the worker thread prepares them on
 * its own connection (it cannot import this module), the store on its own.
 * All of the work is SQLite's: no row crosses into JavaScript.
 */
export const INDEX_BATCH_SQL = {
  /**
   * The last record of the oldest `@limit` owed results, cut before their
   * texts pass BATCH_BYTES (the first one is always in): a batch holds the
   * write lock for as long as FTS5 takes over its text, and sizing by time
   * only learns after the fact that a batch of large texts held it for
   * seconds. octet_length reads a value's size from its record header, not
   * the value. Null when none is owed.
   */
  upTo: `SELECT max(job_seq) FROM (
      SELECT job_seq, sum(size) OVER w AS upToHere, row_number() OVER w AS n FROM (
        SELECT p.job_seq, coalesce(max(octet_length(r.text), octet_length(r.document)), 0) AS size
        FROM results_fts_pending p LEFT JOIN results r ON r.job_seq = p.job_seq
        WHERE p.part = 0 ORDER BY p.job_seq LIMIT @limit)
      WINDOW w AS (ORDER BY job_seq ROWS UNBOUNDED PRECEDING))
    WHERE upToHere <= ${BATCH_BYTES} OR n = 1`,
  /** Each result's file row: name, path, title/author/subject, and its whole text when it has no pages. */
  files: `INSERT INTO results_fts (rowid, page, name, path, meta, body)
    SELECT p.job_seq << ${PART_BITS}, NULL, j.file_name, j.source_path, ${META}, ${FILE_BODY}
    ${OWED} JOIN jobs j ON j.seq = p.job_seq WHERE ${IN_BATCH}`,
  /** A row per page (the page's number and text). */
  pages: `INSERT INTO results_fts (rowid, page, body)
    SELECT (p.job_seq << ${PART_BITS}) + e.key + 1, e.value ->> '$.number', e.value ->> '$.text'
    ${OWED}, json_each(r.document, '$.pages') e WHERE ${IN_BATCH} AND e.key < ${INDEX_ONLY_PART - 1}`,
  /** The index-only text (a model's strings) in the range's last row, its label as the row's page. */
  indexOnly: `INSERT INTO results_fts (rowid, page, body)
    SELECT (p.job_seq << ${PART_BITS}) + ${INDEX_ONLY_PART}, r.document ->> '$.indexOnly.label', r.document ->> '$.indexOnly.text'
    ${OWED} WHERE ${IN_BATCH} AND json_type(r.document, '$.indexOnly.text') = 'text'`,
  /** A spooled text's record stays, as its first chunk to stream (after its pages). */
  spooled: `UPDATE results_fts_pending SET part = (SELECT min(${PAGES}, ${INDEX_ONLY_PART - 1}) + 1 FROM results r WHERE r.job_seq = results_fts_pending.job_seq)
    WHERE part = 0 AND job_seq <= @upTo
      AND (SELECT json_type(r.document, '$.fullText') FROM results r WHERE r.job_seq = results_fts_pending.job_seq) = 'object'`,
  /** The rest are indexed: their records go. */
  done: `DELETE FROM results_fts_pending WHERE part = 0 AND job_seq <= @upTo`,
  /** What is still owed after the batch. */
  left: `SELECT count(*) FROM results_fts_pending WHERE part = 0`,
} as const;

/** The batch's statements as SQL text (the worker receives them as such). */
export type IndexBatchSql = Record<keyof typeof INDEX_BATCH_SQL, string>;

/** What one batch did: results indexed (spooled ones included), spooled texts now owed chunk by chunk, results still owed. */
export interface BatchOutcome {
  indexed: number;
  spooled: number;
  left: number;
  /** How long the batch held the write lock (ms): from when it had it, waits for it left out. */
  heldMs: number;
}

/**
 * Indexes the oldest `limit` owed results in one IMMEDIATE transaction (it
 * writes, so it takes the write lock first rather than failing to upgrade a
 * read). The same code for the worker thread (search-indexer.ts, which
 * evaluates its source: it refers to nothing outside itself) and the store.
 */
export function runIndexBatch(db: Db, sql: IndexBatchSql, limit: number, holding?: Int32Array): BatchOutcome {
  const st = {
    upTo: db.prepare(sql.upTo).pluck(),
    files: db.prepare(sql.files),
    pages: db.prepare(sql.pages),
    indexOnly: db.prepare(sql.indexOnly),
    spooled: db.prepare(sql.spooled),
    done: db.prepare(sql.done),
    left: db.prepare(sql.left).pluck(),
  };
  let locked = 0;
  let upTo: number | null = null;
  const tx = db.transaction((): BatchOutcome => {
    locked = performance.now();
    // The lock is this thread's now: the engine's thread waits on this flag (search-indexer.ts), not in SQLite's busy handler.
    if (holding) Atomics.store(holding, 0, 1);
    upTo = st.upTo.get({ limit }) as number | null;
    if (upTo === null) return { indexed: 0, spooled: 0, left: 0, heldMs: 0 };
    const indexed = st.files.run({ upTo }).changes;
    st.pages.run({ upTo });
    st.indexOnly.run({ upTo });
    const spooled = st.spooled.run({ upTo }).changes;
    st.done.run({ upTo });
    return { indexed, spooled, left: st.left.get() as number, heldMs: 0 };
  });
  let r: BatchOutcome;
  try {
    r = tx.immediate();
  } catch (err) {
    // The last result the failed batch held (the only one in a batch of one): the caller may give that one up.
    if (upTo !== null && err && typeof err === 'object') (err as { jobSeq?: number }).jobSeq = upTo;
    throw err;
  } finally {
    // Committed (or rolled back): whoever waits on the flag goes at once.
    if (holding) {
      Atomics.store(holding, 0, 0);
      Atomics.notify(holding, 0);
    }
  }
  // The commit (FTS5 writes its segment then) counts; the wait for the lock before does not.
  r.heldMs = performance.now() - locked;
  return r;
}

/** Results stored but not yet in the index (spooled texts' later chunks aside). */
export function pendingResults(s: StoreCore): number {
  if (!s.sql.hasSearchIndex) return 0;
  return s.sql.prepared(INDEX_BATCH_SQL.left).pluck().get() as number;
}

/** About how long one batch on the store's connection holds the write lock (ms), as the worker's. */
export const BATCH_TARGET_MS = 8;

/** The next batch's size: the last one's scaled towards `targetMs` of lock held (a wait for the lock says nothing of the batch). */
export function nextBatchSize(limit: number, heldMs: number, targetMs = BATCH_TARGET_MS, min = 1, max = 4_000): number {
  const ratio = Math.min(2, Math.max(0.5, targetMs / Math.max(heldMs, 0.5)));
  return Math.max(min, Math.min(max, Math.round(limit * ratio)));
}

/**
 * Indexes owed results now, on the store's connection, in batches sized by
 * time, for at most about `budgetMs` (a search or an export on the engine's
 * thread must not freeze it behind a backlog of 100,000 results); throws
 * what SQLite throws (SQLITE_BUSY when the lock stayed taken). Returns the
 * results indexed and those still owed.
 */
export function indexPendingFor(s: StoreCore, budgetMs = Infinity): { indexed: number; left: number } {
  if (!s.sql.hasSearchIndex || s.db.readonly) return { indexed: 0, left: pendingResults(s) };
  const end = performance.now() + budgetMs;
  let total = 0;
  let limit = 50;
  for (;;) {
    const r = runIndexBatch(s.db, INDEX_BATCH_SQL, limit);
    total += r.indexed;
    if (r.left === 0 || r.indexed === 0 || performance.now() >= end) return { indexed: total, left: r.left };
    limit = nextBatchSize(limit, r.heldMs);
  }
}

/** Indexes every owed result now, on the store's connection (tests, tools: no time limit). */
export function indexAllPending(s: StoreCore): number {
  return indexPendingFor(s).indexed;
}

/** Where a spooled text's indexing stands: the next chunk's part and its byte offset in the spool file. */
export interface PendingChunks {
  seq: number;
  part: number;
  byte: number;
}

/** The spooled texts still owed to the index, oldest first (job ids). */
export function pendingChunkJobs(s: StoreCore): string[] {
  if (!s.sql.hasSearchIndex) return [];
  return s.sql
    .prepared('SELECT j.id FROM results_fts_pending p JOIN jobs j ON j.seq = p.job_seq WHERE p.part > 0 ORDER BY p.job_seq')
    .pluck()
    .all() as string[];
}

export function pendingChunks(s: StoreCore, seq: number): PendingChunks | undefined {
  if (!s.sql.hasSearchIndex) return undefined;
  return s.sql.prepared('SELECT job_seq AS seq, part, byte FROM results_fts_pending WHERE job_seq = ? AND part > 0').get(seq) as PendingChunks | undefined;
}

/**
 * One chunk of a spooled full text, as the row `at.part` of the job's range,
 * starting at byte `at.byte` of the file and ending before `nextByte`; the
 * first chunk also empties the file row's body (which held the preview, the
 * same text). False, and nothing written, when the result is no longer the
 * one being indexed (the job was deleted or re-run meanwhile: its rows went
 * with it, and none may be added after) or another process wrote this chunk.
 */
export function indexChunk(s: StoreCore, at: PendingChunks, completedAt: number, nextByte: number, text: string | Buffer): boolean {
  if (!s.sql.hasSearchIndex || at.part < 1 || at.part >= INDEX_ONLY_PART) return false;
  return s.tx(() => {
    if (!owed(s, at, completedAt)) return false;
    const base = at.seq * PARTS;
    // The index keeps no values (migration 13): the row is written again, without the preview.
    if (at.byte === 0) s.sql.prepared(FILE_ROW_WITHOUT_BODY).run(at.seq);
    s.sql.indexChunk.run(base + at.part, text, at.byte);
    s.sql.prepared('UPDATE results_fts_pending SET part = part + 1, byte = ? WHERE job_seq = ?').run(nextByte, at.seq);
    return true;
  });
}

const FILE_ROW_WITHOUT_BODY = `INSERT OR REPLACE INTO results_fts (rowid, page, name, path, meta, body)
  SELECT j.seq << ${PART_BITS}, NULL, j.file_name, j.source_path, ${META}, '' FROM jobs j JOIN results r ON r.job_seq = j.seq WHERE j.seq = ?`;

/** The whole text is indexed: nothing is owed any more (false when the result changed or another process finished it). */
export function finishChunks(s: StoreCore, at: PendingChunks, completedAt: number): boolean {
  if (!s.sql.hasSearchIndex) return false;
  return s.tx(() => owed(s, at, completedAt) && s.sql.prepared('DELETE FROM results_fts_pending WHERE job_seq = ?').run(at.seq).changes > 0);
}

/**
 * The result is the one being indexed (its job completed when the indexer
 * read it: a re-run completes it again), and its record stands where the
 * indexer thinks it does. Read from the jobs row, not the results row,
 * whose created_at lies past the text, Markdown and document: reaching it
 * walked every overflow page of a 1 MB preview at each chunk.
 */
function owed(s: StoreCore, at: PendingChunks, completedAt: number): boolean {
  const row = s.sql
    .prepared('SELECT j.completed_at AS completedAt, p.part, p.byte FROM results_fts_pending p JOIN jobs j ON j.seq = p.job_seq WHERE p.job_seq = ?')
    .get(at.seq) as { completedAt: number | null; part: number; byte: number } | undefined;
  return row !== undefined && row.completedAt === completedAt && row.part === at.part && row.byte === at.byte;
}
