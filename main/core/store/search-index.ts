/**
 * The full-text index's writes (table results_fts, migration 005): a stored
 * result's rows, written in the transaction that stores the result, so the
 * index never disagrees with the results table. Deleting a result (a job
 * deleted or pruned, or a re-run job's old result as its new one is stored,
 * see completion.ts) removes its rows through the migration's trigger.
 *
 * A spooled full text (over 32 MB, see main/core/full-text.ts) is indexed
 * from its stored preview at first: reading the spool file in the
 * completion's transaction would hold the write lock for the whole read.
 * The completion also records the text as owed (results_fts_pending,
 * migration 008); main/core/full-text-index.ts then streams the file and
 * writes it as chunk rows (indexChunk), a transaction per chunk that also
 * moves the record on, so a restart resumes where the last chunk ended.
 */
import type { ExtractionResult } from '../../../shared/extraction.js';
import type { StoreCore } from './core.js';

/** rowid = job_seq << PART_BITS | part: part 0 is the file's row, part i + 1 the i-th page (fixed by migration 005). */
export const PART_BITS = 20;
const PARTS = 2 ** PART_BITS;
const META_KEYS = ['title', 'author', 'subject'] as const;

export interface IndexedFile {
  seq: number;
  fileName: string | null;
  sourcePath: string | null;
}

/** A job's rows for its result (its old rows went with its old result). */
export function indexResult(s: StoreCore, file: IndexedFile, result: ExtractionResult): void {
  if (!s.sql.hasSearchIndex) return;
  const base = file.seq * PARTS;
  const pages = (result.pages ?? []).slice(0, PARTS - 1);
  s.sql.index.run(base, null, file.fileName, file.sourcePath, metaText(result.metadata), pages.length ? '' : result.text);
  pages.forEach((p, i) => s.sql.index.run(base + i + 1, p.number, null, null, null, p.text));
  if (result.fullText) s.sql.prepared('INSERT INTO results_fts_pending (job_seq, part, byte) VALUES (?, ?, 0)').run(file.seq, pages.length + 1);
}

/** Title, author and subject as one text; a value that is not a string counts as its JSON (as the migration's json_extract gives it). */
function metaText(metadata: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of META_KEYS) {
    const v = metadata[key];
    if (v === undefined || v === null) continue;
    parts.push(typeof v === 'string' ? v : JSON.stringify(v));
  }
  return parts.join(' ');
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
  return s.sql.prepared('SELECT j.id FROM results_fts_pending p JOIN jobs j ON j.seq = p.job_seq ORDER BY p.job_seq').pluck().all() as string[];
}

export function pendingChunks(s: StoreCore, seq: number): PendingChunks | undefined {
  if (!s.sql.hasSearchIndex) return undefined;
  return s.sql.prepared('SELECT job_seq AS seq, part, byte FROM results_fts_pending WHERE job_seq = ?').get(seq) as PendingChunks | undefined;
}

/**
 * One chunk of a spooled full text, as the row `at.part` of the job's range,
 * starting at byte `at.byte` of the file and ending before `nextByte`; the
 * first chunk also empties the file row's body (which held the preview, the
 * same text). False, and nothing written, when the result is no longer the
 * one being indexed (the job was deleted or re-run meanwhile: its rows went
 * with it, and none may be added after) or another process wrote this chunk.
 */
export function indexChunk(s: StoreCore, at: PendingChunks, resultCreatedAt: number, nextByte: number, text: string): boolean {
  if (!s.sql.hasSearchIndex || at.part < 1 || at.part >= PARTS) return false;
  return s.tx(() => {
    if (!owed(s, at, resultCreatedAt)) return false;
    const base = at.seq * PARTS;
    if (at.byte === 0) s.sql.prepared(`UPDATE results_fts SET body = '' WHERE rowid = ?`).run(base);
    s.sql.index.run(base + at.part, null, null, null, null, text);
    s.sql.prepared('UPDATE results_fts_pending SET part = part + 1, byte = ? WHERE job_seq = ?').run(nextByte, at.seq);
    return true;
  });
}

/** The whole text is indexed: nothing is owed any more (false when the result changed or another process finished it). */
export function finishChunks(s: StoreCore, at: PendingChunks, resultCreatedAt: number): boolean {
  if (!s.sql.hasSearchIndex) return false;
  return s.tx(() => owed(s, at, resultCreatedAt) && s.sql.prepared('DELETE FROM results_fts_pending WHERE job_seq = ?').run(at.seq).changes > 0);
}

/** The result is the one being indexed, and its record stands where the indexer thinks it does. */
function owed(s: StoreCore, at: PendingChunks, resultCreatedAt: number): boolean {
  const row = s.sql
    .prepared('SELECT r.created_at AS createdAt, p.part, p.byte FROM results r JOIN results_fts_pending p ON p.job_seq = r.job_seq WHERE r.job_seq = ?')
    .get(at.seq) as { createdAt: number; part: number; byte: number } | undefined;
  return row !== undefined && row.createdAt === resultCreatedAt && row.part === at.part && row.byte === at.byte;
}
