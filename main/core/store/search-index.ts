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
 * Then main/core/full-text-index.ts streams the file and writes it as chunk
 * rows (indexChunk), a transaction per chunk, after the pages' parts.
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

/**
 * One chunk of a spooled full text, as the row `part` of the job's range;
 * the first chunk also empties the file row's body (which held the preview,
 * the same text). False, and nothing written, when the result is no longer
 * the one being indexed (the job was deleted or re-run meanwhile): its rows
 * went with it, and none may be added after.
 */
export function indexChunk(s: StoreCore, seq: number, resultCreatedAt: number, part: number, text: string): boolean {
  if (!s.sql.hasSearchIndex || part < 1 || part >= PARTS) return false;
  return s.tx(() => {
    const current = s.sql.prepared('SELECT created_at FROM results WHERE job_seq = ?').pluck().get(seq) as number | undefined;
    if (current !== resultCreatedAt) return false;
    const base = seq * PARTS;
    if (part === firstChunkPart(s, seq)) s.sql.prepared(`UPDATE results_fts SET body = '' WHERE rowid = ?`).run(base);
    s.sql.index.run(base + part, null, null, null, null, text);
    return true;
  });
}

/** The first chunk's part: after the file row and the pages' rows. */
function firstChunkPart(s: StoreCore, seq: number): number {
  const pages = s.sql.prepared(`SELECT json_array_length(document, '$.pages') FROM results WHERE job_seq = ?`).pluck().get(seq) as number | null;
  return (pages ?? 0) + 1;
}
