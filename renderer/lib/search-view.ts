/**
 * The search view's route parameters (#/search?q=…&format=pdf&from=2026-01-01&p=2)
 * as a request to `results.search`, and how its answer reads. Pure, tested in
 * test/unit/renderer/search-view.test.ts.
 */
import { FORMATS, type Format } from '../../shared/extraction.js';
import { JOB_STATUSES, type JobStatus } from '../../shared/job.js';
import { MAX_SEARCH_OFFSET, type SearchQuery } from '../../shared/search.js';

export const HITS_PER_PAGE = 20;

/** The filters a search keeps in its route, beside the query. */
export const SEARCH_PARAMS = ['q', 'format', 'status', 'from', 'to', 'p'] as const;

/** Local midnight of a "YYYY-MM-DD" day (ms), or null for anything else. */
export function dayStart(day: string | undefined): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day ?? '');
  if (!m) return null;
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
  return Number.isNaN(t) ? null : t;
}

/** The results page a route asks for (1-based), kept within what the backend pages to. */
export function pageOf(params: Record<string, string>): number {
  const p = Number.parseInt(params.p ?? '1', 10);
  const last = Math.floor(MAX_SEARCH_OFFSET / HITS_PER_PAGE) + 1;
  return Number.isInteger(p) && p >= 1 ? Math.min(p, last) : 1;
}

/** The request for a route's parameters; null when there is nothing to search for. */
export function searchRequest(params: Record<string, string>): SearchQuery | null {
  const query = (params.q ?? '').trim();
  if (!query) return null;
  const req: SearchQuery = { query, limit: HITS_PER_PAGE, offset: (pageOf(params) - 1) * HITS_PER_PAGE };
  if (params.format && (FORMATS as readonly string[]).includes(params.format)) req.format = params.format as Format;
  if (params.status && (JOB_STATUSES as readonly string[]).includes(params.status)) req.status = params.status as JobStatus;
  const from = dayStart(params.from);
  const to = dayStart(params.to);
  if (from !== null) req.createdFrom = from;
  // "To" is a whole day: everything before the next midnight (the backend's bound is exclusive).
  if (to !== null) {
    const next = new Date(to);
    next.setDate(next.getDate() + 1);
    req.createdTo = next.getTime();
  }
  return req;
}

/** "Results 21–40 of 137" */
export function rangeLabel(offset: number, shown: number, total: number): string {
  if (total === 0) return 'No results';
  const n = (v: number) => v.toLocaleString('en-US');
  if (shown === 0) return `${n(total)} result${total === 1 ? '' : 's'}`;
  return `Results ${n(offset + 1)}–${n(offset + shown)} of ${n(total)}`;
}

/** Pages there are for a total, within what the backend pages to. */
export function pageCount(total: number): number {
  return Math.max(1, Math.min(Math.ceil(total / HITS_PER_PAGE), Math.floor(MAX_SEARCH_OFFSET / HITS_PER_PAGE) + 1));
}

/** Files whose results the index does not hold yet (a large run being indexed): the search left them out. */
export function indexingLabel(files: number): string {
  const n = files.toLocaleString('en-US');
  return `Indexing ${n} file${files === 1 ? '' : 's'}… ${files === 1 ? 'it is' : 'they are'} not searched yet: search again in a moment.`;
}
