/**
 * The jobs an export writes (shared/export-filter.ts), read in pages of 200
 * by seq: never through an open cursor, since the export awaits the disk
 * between rows and better-sqlite3 refuses every other query on the
 * connection while a cursor is open.
 *
 * Every file the user gave has a record of its own: a container (an e-mail,
 * an archive) is a batch of its entries but keeps its own result, so it is
 * exported as well as its entries. A batch with no result (a folder, files
 * dropped together) is only a grouping and is not.
 */
import type { ExportFilter } from '../../../shared/export-filter.js';
import type { Job, JobStatus } from '../../../shared/job.js';
import type { StoreCore } from './core.js';
import { toFtsQuery } from './fts-query.js';
import { rowToJob, rowToResult, type Row, type StoredResult } from './rows.js';
import { PART_BITS } from './search-index.js';

const PAGE = 200;
const EXPORTED: readonly JobStatus[] = ['completed', 'partial', 'failed'];
const TREE = `WITH RECURSIVE tree(id) AS (SELECT @batch UNION ALL SELECT j.id FROM jobs j JOIN tree t ON j.parent_id = t.id)`;
/** A file job, or a container: a batch that stored a result of its own. */
export const HAS_OWN_RECORD = `(j.kind != 'batch' OR EXISTS (SELECT 1 FROM results r WHERE r.job_seq = j.seq))`;

export interface ExportRow {
  job: Job;
  result: StoredResult | undefined;
}

/** The exported jobs with their results, oldest first. `filter.batch` and `filter.ids` are full ids (resolved by the caller). */
export function* exportRows(s: StoreCore, filter: ExportFilter = {}): Generator<ExportRow> {
  const q = exportQuery(filter, s.sql.hasSearchIndex);
  if (!q) return;
  const stmt = s.sql.prepared(`${q.with} SELECT j.* FROM jobs j WHERE j.seq > @after AND ${q.where} ORDER BY j.seq LIMIT ${PAGE}`);
  for (let after = 0; ;) {
    const rows = stmt.all({ ...q.params, after }) as Row[];
    for (const row of rows) {
      const job = rowToJob(row);
      const r = s.sql.result.get(job.id) as Row | undefined;
      yield { job, result: r ? rowToResult(r) : undefined };
    }
    if (rows.length < PAGE) return;
    after = Number(rows.at(-1)!.seq);
  }
}

/** How many jobs the export would write. */
export function countExportRows(s: StoreCore, filter: ExportFilter = {}): number {
  const q = exportQuery(filter, s.sql.hasSearchIndex);
  if (!q) return 0;
  return s.sql.prepared(`${q.with} SELECT count(*) FROM jobs j WHERE ${q.where}`).pluck().get(q.params) as number;
}

/** The WHERE clause and its parameters; null when nothing can match (a query with nothing to look for). */
function exportQuery(f: ExportFilter, hasIndex: boolean): { with: string; where: string; params: Record<string, unknown> } | null {
  const where = [HAS_OWN_RECORD];
  const params: Record<string, unknown> = {};
  const add = (sql: string, name: string, value: unknown) => {
    if (value === undefined) return;
    where.push(sql);
    params[name] = value;
  };
  add('j.status IN (SELECT value FROM json_each(@statuses))', 'statuses', JSON.stringify(f.status ? [f.status] : EXPORTED));
  add('j.status IN (SELECT value FROM json_each(@anyStatus))', 'anyStatus', f.statuses ? JSON.stringify(f.statuses) : undefined);
  add('j.format = @format', 'format', f.format);
  add('j.format IN (SELECT value FROM json_each(@formats))', 'formats', f.formats ? JSON.stringify(f.formats) : undefined);
  add('j.id NOT IN (SELECT value FROM json_each(@exclude))', 'exclude', f.exclude ? JSON.stringify(f.exclude) : undefined);
  add('j.seq <= @maxSeq', 'maxSeq', f.maxSeq);
  add('j.id IN (SELECT id FROM tree)', 'batch', f.batch);
  add('j.id IN (SELECT value FROM json_each(@ids))', 'ids', f.ids ? JSON.stringify(f.ids) : undefined);
  add('j.created_at >= @createdFrom', 'createdFrom', f.createdFrom);
  add('j.created_at < @createdTo', 'createdTo', f.createdTo);
  add('j.size_bytes >= @minSize', 'minSize', f.minSize);
  add('j.size_bytes <= @maxSize', 'maxSize', f.maxSize);
  if (f.search) {
    const like = `%${f.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    add(`(j.file_name LIKE @search ESCAPE '\\' OR j.error_message LIKE @search ESCAPE '\\' OR j.id LIKE @idPrefix ESCAPE '\\')`, 'search', like);
    params.idPrefix = like.slice(1);
  }
  if (f.query !== undefined) {
    const match = toFtsQuery(f.query);
    if (match === null || !hasIndex) return null;
    add(`j.seq IN (SELECT rowid >> ${PART_BITS} FROM results_fts WHERE results_fts MATCH @match)`, 'match', match);
  }
  return { with: f.batch ? TREE : '', where: where.join(' AND '), params };
}
