/**
 * Full-text search over the index (search-index.ts): ranked by bm25 with
 * the file's name weighing most, then its title/author/subject, its path and
 * its text; one hit per matching row (a page, or the file itself), each with
 * a snippet whose matched terms are flagged. Case 11 of the bench times it
 * over 100,000 documents.
 */
import { MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET, type SearchHit, type SearchQuery, type SearchResult, type Snippet } from '../../../shared/search.js';
import type { StoreCore } from './core.js';
import { toFtsQuery } from './fts-query.js';
import { indexPendingFor, PART_BITS, pendingResults } from './search-index.js';
import { CLOSE, OPEN, snippets } from './snippets.js';

const TREE = `WITH RECURSIVE tree(id) AS (SELECT @batch UNION ALL SELECT j.id FROM jobs j JOIN tree t ON j.parent_id = t.id)`;

/**
 * The cost follows the page, not the number of hits:
 * 1. the candidates: the newest RANK_CANDIDATES hits with their bm25 score
 *    (FTS5 walks its matches newest first and stops there; the jobs are
 *    joined only when a filter needs them). bm25 reads each row's sizes, so
 *    ranking every hit of a word found in most documents would cost in
 *    proportion to the whole collection. Every page reachable (offset up to
 *    MAX_SEARCH_OFFSET) comes from the same candidates, so pages never overlap;
 * 2. the total: the candidates' number, or, when there are more hits (a
 *    common word), FTS5 counts them;
 * 3. snippets, for the page's rows only (FTS5 computes them before the sort otherwise).
 */
export function search(s: StoreCore, q: SearchQuery & { batch?: string }, catchUpMs = CATCH_UP_MS): SearchResult {
  const match = toFtsQuery(q.query);
  if (match === null) return { hits: [], total: 0 };
  const indexing = catchUp(s, catchUpMs);
  const found = rankedHits(s, q, match);
  return indexing > 0 ? { ...found, indexing } : found;
}

/**
 * Results stored but not yet indexed (the background indexer writes them
 * in batches, see search-index.ts) are indexed first for at most
 * `budgetMs` (a search right after a run finds everything; behind a large
 * backlog the engine's thread is not held up): the search then answers and
 * says how many files it could not look in yet. Only whole results count
 * (a spooled text whose preview is indexed is searchable). A lock that
 * stays taken, or a connection that cannot write, answers with what is indexed.
 */
function catchUp(s: StoreCore, budgetMs: number): number {
  if (!s.sql.hasSearchIndex) return 0;
  try {
    return indexPendingFor(s, budgetMs).left;
  } catch {
    return pendingResults(s);
  }
}

/** How long a search on the engine's thread indexes owed results before it answers (ms; about 2,000 small files). */
export const CATCH_UP_MS = 50;

function rankedHits(s: StoreCore, q: SearchQuery & { batch?: string }, match: string): SearchResult {
  const { where, params, joined } = filters(q, match);
  const from = joined ? `FROM results_fts f JOIN jobs j ON j.seq = (f.rowid >> ${PART_BITS}) WHERE ${where}` : `FROM results_fts f WHERE ${where}`;
  const tree = q.batch ? TREE : '';
  // The newest RANK_CANDIDATES + 1 hits with their scores: all of them, or, one more than that, a sign to count.
  const candidates = s.sql
    .prepared(`${tree} SELECT f.rowid AS rowid, bm25(results_fts, 0, 10, 2, 5, 1) AS score ${from} ORDER BY f.rowid DESC LIMIT ${RANK_CANDIDATES + 1}`)
    .all(params) as Array<{ rowid: number; score: number }>;
  const capped = candidates.length > RANK_CANDIDATES;
  if (capped) candidates.length = RANK_CANDIDATES;
  const total = capped ? (s.sql.prepared(`${tree} SELECT count(*) ${from}`).pluck().get(params) as number) : candidates.length;
  if (total === 0) return { hits: [], total };
  candidates.sort((a, b) => a.score - b.score || b.rowid - a.rowid);
  const offset = q.offset ?? 0;
  const page = candidates.slice(offset, offset + (q.limit ?? 20));
  const details = pageDetails(
    s,
    match,
    page.map((r) => r.rowid),
  );
  const hits = page.flatMap((r) => {
    const d = details.get(r.rowid);
    return d ? [toHit({ ...d, score: r.score })] : [];
  });
  return capped ? { hits, total, rankedAmong: RANK_CANDIDATES } : { hits, total };
}

/** The most hits bm25 ranks; more (a common word) are ranked among the newest this many. Every reachable page lies within. */
export const RANK_CANDIDATES = MAX_SEARCH_OFFSET + MAX_SEARCH_LIMIT;

/** The page's rows: their job, page number and snippet (whatever the total, the work of one page). */
function pageDetails(s: StoreCore, match: string, rowids: number[]): Map<number, Record<string, unknown>> {
  const rows = s.sql
    .prepared(
      `SELECT f.rowid AS rowid, j.id, j.file_name, j.source_path, j.format, j.status, f.page
      FROM results_fts f JOIN jobs j ON j.seq = (f.rowid >> ${PART_BITS})
      WHERE f.rowid IN (SELECT value FROM json_each(@rowids))`,
    )
    .all({ rowids: JSON.stringify(rowids) }) as Array<Record<string, unknown>>;
  const marked = snippets(s, match, rowids);
  return new Map(rows.map((r) => [r.rowid as number, { ...r, snippet: marked.get(r.rowid as number) ?? '' }]));
}

function filters(q: SearchQuery, match: string): { where: string; params: Record<string, unknown>; joined: boolean } {
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
  return { where: where.join(' AND '), params, joined: where.length > 1 };
}

function toHit(r: Record<string, unknown>): SearchHit {
  return {
    jobId: r.id as string,
    fileName: r.file_name as string | null,
    sourcePath: r.source_path as string | null,
    format: r.format as SearchHit['format'],
    status: r.status as SearchHit['status'],
    page: typeof r.page === 'number' ? r.page : null,
    // The index-only row's label (search-index.ts): "model strings".
    ...(typeof r.page === 'string' && r.page ? { section: r.page } : {}),
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
