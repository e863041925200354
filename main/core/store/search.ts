/**
 * Full-text search over the index (search-index.ts): ranked by bm25 with
 * the file's name weighing most, then its title/author/subject, its path and
 * its text; one hit per matching row (a page, or the file itself), each with
 * a snippet whose matched terms are flagged.
 */
import type { SearchHit, SearchQuery, SearchResult, Snippet } from '../../../shared/search.js';
import type { StoreCore } from './core.js';
import { toFtsQuery } from './fts-query.js';
import { PART_BITS } from './search-index.js';

// Snippet markers: control characters that extracted text does not carry
// (the snippet is cut at them; any that do occur are dropped).
const OPEN = '\u0002';
const CLOSE = '\u0003';
const TREE = `WITH RECURSIVE tree(id) AS (SELECT @batch UNION ALL SELECT j.id FROM jobs j JOIN tree t ON j.parent_id = t.id)`;

export function search(s: StoreCore, q: SearchQuery & { batch?: string }): SearchResult {
  const match = toFtsQuery(q.query);
  if (match === null) return { hits: [], total: 0 };
  const { where, params } = filters(q, match);
  const from = `FROM results_fts f JOIN jobs j ON j.seq = (f.rowid >> ${PART_BITS}) WHERE ${where}`;
  const total = s.sql
    .prepared(`${q.batch ? TREE : ''} SELECT count(*) ${from}`)
    .pluck()
    .get(params) as number;
  if (total === 0) return { hits: [], total };
  const rows = s.sql
    .prepared(
      `${q.batch ? TREE : ''} SELECT j.id, j.file_name, j.source_path, j.format, j.status, f.page,
        bm25(results_fts, 0, 10, 2, 5, 1) AS score, snippet(results_fts, -1, '${OPEN}', '${CLOSE}', '…', 24) AS snippet
      ${from} ORDER BY score LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: q.limit ?? 20, offset: q.offset ?? 0 }) as Array<Record<string, unknown>>;
  return { hits: rows.map(toHit), total };
}

function filters(q: SearchQuery, match: string): { where: string; params: Record<string, unknown> } {
  const where = ['results_fts MATCH @match'];
  const params: Record<string, unknown> = { match };
  const add = (sql: string, name: string, value: unknown) => {
    if (value === undefined) return;
    where.push(sql);
    params[name] = value;
  };
  add('j.format = @format', 'format', q.format);
  add('j.status = @status', 'status', q.status);
  add('j.id IN (SELECT id FROM tree)', 'batch', q.batch);
  add('j.created_at >= @createdFrom', 'createdFrom', q.createdFrom);
  add('j.created_at < @createdTo', 'createdTo', q.createdTo);
  add('j.size_bytes >= @minSize', 'minSize', q.minSize);
  add('j.size_bytes <= @maxSize', 'maxSize', q.maxSize);
  return { where: where.join(' AND '), params };
}

function toHit(r: Record<string, unknown>): SearchHit {
  return {
    jobId: r.id as string,
    fileName: r.file_name as string | null,
    sourcePath: r.source_path as string | null,
    format: r.format as SearchHit['format'],
    status: r.status as SearchHit['status'],
    page: typeof r.page === 'number' ? r.page : null,
    snippet: parseSnippet(String(r.snippet ?? '')),
    score: r.score as number,
  };
}

/** FTS5's marked snippet as pieces: text outside the markers, and the matched terms inside. */
export function parseSnippet(marked: string): Snippet {
  const pieces: Snippet = [];
  for (const [i, part] of marked.split(OPEN).entries()) {
    const [hit, rest] = i === 0 ? [undefined, part] : splitOnce(part, CLOSE);
    if (hit) pieces.push({ text: hit, hit: true });
    if (rest) pieces.push({ text: rest.replaceAll(CLOSE, ''), hit: false });
  }
  return pieces;
}

function splitOnce(text: string, sep: string): [string, string] {
  const at = text.indexOf(sep);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + sep.length)];
}
