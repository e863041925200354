/**
 * The jobs list's reads (shared/list-query.ts): a window of file jobs at an
 * offset, under any combination of filters and sorted on any column, with
 * the exact count of what matches.
 *
 * Staying fast at a million jobs:
 * - each sort key has an index holding file jobs only (migration 006), so a
 *   window is a walk down an index, never a sort of the table;
 * - the offset is skipped inside that index (the inner SELECT reads seq
 *   only), and only the window's rows are then read from the table;
 * - a count under status and format alone is a read of job_counts (kept by
 *   triggers); anything else counts through an index.
 */
import type { Job } from '../../../shared/job.js';
import { listIdsQuerySchema, listQuerySchema, type ListFilter, type ListPage, type ListSort } from '../../../shared/list-query.js';
import type { z } from 'zod';
import type { StoreCore } from './core.js';
import { rowToJob, type Row } from './rows.js';

/** The ORDER BY expression of each key (columns prefixed by `t`); each matches an index (INDEX), or the rowid. */
const ORDER: Record<ListSort['key'], (t: string) => string> = {
  name: (t) => `${t}file_name COLLATE NOCASE`,
  format: (t) => `${t}format`,
  status: (t) => `${t}status`,
  size: (t) => `${t}size_bytes`,
  duration: (t) => `(${t}completed_at - ${t}started_at)`,
  created: () => '',
  finished: (t) => `${t}completed_at`,
};

/** The index that walks each key in order (migration 006; status: migration 009; finished: migration 010). */
const INDEX: Record<ListSort['key'], string> = {
  name: 'jobs_files_name',
  format: 'jobs_files_format',
  status: 'jobs_status_seq',
  size: 'jobs_files_size',
  duration: 'jobs_files_duration',
  created: 'jobs_files',
  finished: 'jobs_completed_at',
};

/** Written into the SQL, not bound: the partial indexes of migration 006 apply only to a literal. */
const FILES = `kind != 'batch'`;

export interface Where {
  sql: string;
  params: Record<string, unknown>;
}

/** The WHERE clause of a filter. Lists are bound as JSON so one statement serves any number of values. */
export function whereOf(f: ListFilter): Where {
  const where = [FILES];
  const params: Record<string, unknown> = {};
  const add = (sql: string, name: string, value: unknown) => {
    where.push(sql);
    params[name] = value;
  };
  if (f.status?.length === 1) add('status = @status', 'status', f.status[0]);
  else if (f.status) add('status IN (SELECT value FROM json_each(@status))', 'status', JSON.stringify(f.status));
  if (f.format?.length === 1) add('format = @format', 'format', f.format[0]);
  else if (f.format) add('format IN (SELECT value FROM json_each(@format))', 'format', JSON.stringify(f.format));
  if (f.batch) add('parent_id = @batch', 'batch', f.batch);
  if (f.createdFrom !== undefined) add('created_at >= @createdFrom', 'createdFrom', f.createdFrom);
  if (f.createdTo !== undefined) add('created_at < @createdTo', 'createdTo', f.createdTo);
  if (f.upToSeq !== undefined) add('seq <= @upToSeq', 'upToSeq', f.upToSeq);
  if (f.text) {
    const escaped = f.text.replace(/[\\%_]/g, (c) => '\\' + c);
    params.textAny = `%${escaped}%`;
    params.textStart = `${escaped.toLowerCase()}%`;
    where.push(`(file_name LIKE @textAny ESCAPE '\\' OR error_message LIKE @textAny ESCAPE '\\' OR id LIKE @textStart ESCAPE '\\')`);
  }
  return { sql: where.join(' AND '), params };
}

/** ORDER BY for a sort: its key, then seq the same way, so equal keys keep a stable order across windows. */
export function orderOf(sort: ListSort, t = ''): string {
  const dir = sort.dir === 'asc' ? 'ASC' : 'DESC';
  const key = ORDER[sort.key](t);
  return key ? `${key} ${dir}, ${t}seq ${dir}` : `${t}seq ${dir}`;
}

/**
 * The seqs of one window: an index walk that reads no row but those it keeps.
 * Under a status or format filter SQLite would rather find the matching rows
 * by status and sort them all (125,000 failed jobs of a million: 350 ms); when
 * the filter keeps a large share and the window is near the top, walking the
 * sort key's index and skipping the rows that do not match is far cheaper.
 */
function windowSql(s: StoreCore, f: ListFilter, w: Where, sort: ListSort, end: number): string {
  let from = 'jobs';
  if ((f.status || f.format) && sort.key !== 'created' && sort.key !== 'status') {
    const share = count(s, { ...(f.status ? { status: f.status } : {}), ...(f.format ? { format: f.format } : {}) });
    const all = count(s, {});
    if (share >= WALK_MIN_SHARE && (end * all) / Math.max(1, share) <= WALK_MAX_ROWS) from = `jobs INDEXED BY ${INDEX[sort.key]}`;
  }
  return `SELECT seq FROM ${from} WHERE ${w.sql} ORDER BY ${orderOf(sort)} LIMIT @limit OFFSET @offset`;
}

/** Below this many matches, sorting them is cheap: no forced walk. */
const WALK_MIN_SHARE = 20_000;
/** A forced walk reads at most about this many index entries. */
const WALK_MAX_ROWS = 200_000;

/** A window of file jobs and, when asked, the exact count of every match. */
export function query(s: StoreCore, raw: unknown): ListPage {
  const q = listQuerySchema.parse(raw);
  const w = whereOf(q.filter);
  // One snapshot: the count, the window and maxSeq agree.
  return s.db.transaction(() => {
    const maxSeq = Number(s.sql.prepared('SELECT coalesce(max(seq), 0) FROM jobs').pluck().get());
    let rows: Job[] = [];
    if (q.limit > 0) {
      // The window is chosen from the index first; only its rows are read whole. CROSS JOIN
      // keeps that order of work: with the LIMIT bound, SQLite would otherwise scan the jobs.
      const sql = `WITH page AS MATERIALIZED (${windowSql(s, q.filter, w, q.sort, q.offset + q.limit)})
        SELECT jobs.* FROM page CROSS JOIN jobs ON jobs.seq = page.seq ORDER BY ${orderOf(q.sort, 'jobs.')}`;
      rows = (s.sql.prepared(sql).all({ ...w.params, limit: q.limit, offset: q.offset }) as Row[]).map(rowToJob);
    }
    return { rows, total: q.withTotal ? count(s, q.filter, w) : null, maxSeq };
  })();
}

/** The ids of a range of the list (a shift-click), in its order. */
export function queryIds(s: StoreCore, raw: z.input<typeof listIdsQuerySchema>): string[] {
  const q = listIdsQuerySchema.parse(raw);
  const w = whereOf(q.filter);
  const sql = `WITH page AS MATERIALIZED (${windowSql(s, q.filter, w, q.sort, q.offset + q.limit)})
    SELECT jobs.id FROM page CROSS JOIN jobs ON jobs.seq = page.seq ORDER BY ${orderOf(q.sort, 'jobs.')}`;
  return s.sql
    .prepared(sql)
    .pluck()
    .all({ ...w.params, limit: q.limit, offset: q.offset }) as string[];
}

/** Only status and format narrow it: the trigger-kept counters answer without touching the jobs. */
function countable(f: ListFilter): boolean {
  return f.batch === undefined && f.text === undefined && f.createdFrom === undefined && f.createdTo === undefined && f.upToSeq === undefined;
}

export function count(s: StoreCore, f: ListFilter, w: Where = whereOf(f)): number {
  if (countable(f)) {
    const where = [FILES, 'n > 0'];
    const params: Record<string, unknown> = {};
    if (f.status) {
      where.push('status IN (SELECT value FROM json_each(@status))');
      params.status = JSON.stringify(f.status);
    }
    if (f.format) {
      where.push('format IN (SELECT value FROM json_each(@format))');
      params.format = JSON.stringify(f.format);
    }
    return Number(
      s.sql
        .prepared(`SELECT coalesce(sum(n), 0) FROM job_counts WHERE ${where.join(' AND ')}`)
        .pluck()
        .get(params),
    );
  }
  return Number(s.sql.prepared(`SELECT count(*) FROM jobs WHERE ${w.sql}`).pluck().get(w.params));
}

/**
 * Every file job matching a filter, oldest first, as (id, status) in pages of
 * `size` read by keyset: bulk actions write between pages, which an open
 * cursor would not allow.
 */
export function* matching(s: StoreCore, f: ListFilter, size = 1000): Generator<Array<{ id: string; status: Job['status'] }>> {
  const w = whereOf(f);
  const stmt = s.sql.prepared(`SELECT seq, id, status FROM jobs WHERE ${w.sql} AND seq > @after ORDER BY seq LIMIT @size`);
  let after = 0;
  for (;;) {
    const rows = stmt.all({ ...w.params, after, size }) as Array<{ seq: number; id: string; status: Job['status'] }>;
    if (rows.length) yield rows.map((r) => ({ id: r.id, status: r.status }));
    if (rows.length < size) return;
    after = rows.at(-1)!.seq;
  }
}
