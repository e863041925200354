/**
 * Search results (#/search?q=…): the total, the ranked hits with their
 * snippets (the matched terms marked from the backend's flagged pieces, never
 * from markup), filters (format, status, date range) and paging. A hit opens
 * the file's detail beside the results, at the hit's page, with the terms
 * found in its text. "No results" and an error read differently.
 */
import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { FORMATS } from '../../../shared/extraction.js';
import { JOB_STATUSES } from '../../../shared/job.js';
import type { SearchHit } from '../../../shared/search.js';
import { STATUS_LABEL } from '../../lib/job-view.js';
import { HITS_PER_PAGE, indexingLabel, pageCount, pageOf, rangeLabel, SEARCH_PARAMS, searchRequest } from '../../lib/search-view.js';
import { useJobs } from '../../store/context.js';
import { navigate, useRoute } from '../../store/route.js';
import { openJob } from '../detail/open-job.js';
import './search.css';

export function SearchView() {
  const route = useRoute();
  const params = route.params;
  // Only the search's own parameters make a new request (not the open detail's tab or page).
  const key = SEARCH_PARAMS.map((k) => params[k] ?? '').join('\u0000');
  const request = useMemo(() => searchRequest(params), [key]); // params: read through key
  const [search, runSearch] = useJobs(useShallow((s) => [s.search, s.runSearch] as const));

  useEffect(() => {
    if (request) runSearch(request);
  }, [request, runSearch]);

  /** Changes a filter: the results start again at their first page; the open detail stays. */
  const setParam = (key: string, value: string) => {
    const next = { ...params, [key]: value };
    delete next.p;
    navigate({ view: 'search', ...(route.id ? { id: route.id } : {}), params: next }, { replace: true });
  };
  const goToPage = (p: number) => navigate({ view: 'search', params: { ...params, p: String(p) } });

  const current = search && request && JSON.stringify(search.request) === JSON.stringify(request) ? search : null;
  const result = current?.result ?? null;
  const page = pageOf(params);

  return (
    <section className="search-view panel" aria-label="Search results" aria-busy={current?.loading ?? false}>
      <div className="search-filters">
        <h2>{request ? <>Search: “{request.query.length > 80 ? `${request.query.slice(0, 80)}…` : request.query}”</> : 'Search'}</h2>
        <label>
          Format
          <select aria-label="Format filter" value={params.format ?? ''} onChange={(e) => setParam('format', e.target.value)}>
            <option value="">All formats</option>
            {FORMATS.filter((f) => f !== 'unknown').map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select aria-label="Status of the results" value={params.status ?? ''} onChange={(e) => setParam('status', e.target.value)}>
            <option value="">Any status</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" aria-label="Added from" value={params.from ?? ''} onChange={(e) => setParam('from', e.target.value)} />
        </label>
        <label>
          To
          <input type="date" aria-label="Added until" value={params.to ?? ''} onChange={(e) => setParam('to', e.target.value)} />
        </label>
        {(params.format || params.status || params.from || params.to) && (
          <button
            type="button"
            className="small"
            onClick={() => navigate({ view: 'search', ...(route.id ? { id: route.id } : {}), params: { q: params.q ?? '' } }, { replace: true })}
          >
            Clear filters
          </button>
        )}
      </div>

      {request && result?.indexing ? (
        <p className="muted search-indexing" role="note">
          {indexingLabel(result.indexing)}
        </p>
      ) : null}
      {!request ? (
        <div className="search-empty">
          <p>Type in the search box above and press Enter.</p>
          <p className="muted">
            All words must match; “exact phrases” in quotes; <code>prefix*</code>; <code>OR</code> between alternatives; <code>-word</code> or{' '}
            <code>NOT word</code> to exclude. Case and accents do not matter.
          </p>
        </div>
      ) : current?.error ? (
        <div className="search-error" role="alert">
          <strong>The search could not run.</strong> {current.error}
        </div>
      ) : !result ? (
        <p className="muted search-status" role="status">
          Searching…
        </p>
      ) : result.total === 0 || result.hits.length === 0 ? (
        <div className="search-none" role="status">
          <strong>No results</strong> for “{request.query}”{params.format || params.status || params.from || params.to ? ' with these filters' : ''}.
          <p className="muted">
            Try fewer words, a prefix (<code>invoic*</code>), or clear the filters.
          </p>
        </div>
      ) : (
        <>
          <p className="search-total" role="status">
            {rangeLabel(request.offset ?? 0, result.hits.length, result.total)}
          </p>
          <ol className={`search-hits${current?.loading ? ' is-stale' : ''}`} aria-label="Hits" start={(request.offset ?? 0) + 1}>
            {result.hits.map((hit, i) => (
              <Hit
                key={`${hit.jobId}:${hit.page ?? ''}:${i}`}
                hit={hit}
                open={route.id === hit.jobId && String(hit.page ?? '') === (route.params.page ?? '')}
              />
            ))}
          </ol>
          {result.total > HITS_PER_PAGE && (
            <nav className="search-pages" aria-label="Result pages">
              <button type="button" className="small" disabled={page <= 1} onClick={() => goToPage(page - 1)}>
                ‹ Previous
              </button>
              <span>
                Page {page} of {pageCount(result.total)}
              </span>
              <button type="button" className="small" disabled={page >= pageCount(result.total)} onClick={() => goToPage(page + 1)}>
                Next ›
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

function Hit({ hit, open }: { hit: SearchHit; open: boolean }) {
  const name = hit.fileName ?? hit.sourcePath ?? hit.jobId.slice(0, 8);
  return (
    <li className={`search-hit${open ? ' is-open' : ''}`} aria-current={open || undefined}>
      <div className="hit-head">
        <button
          type="button"
          className="link hit-name"
          data-job-id={hit.jobId}
          aria-label={`Open ${name}${hit.page !== null ? ` at page ${hit.page}` : ''}`}
          onClick={() => openJob(hit.jobId, { tab: 'text', page: hit.page })}
        >
          {name}
        </button>
        {hit.page !== null && <span className="hit-page">page {hit.page}</span>}
        {hit.page === null && hit.section && (
          <span className="hit-page" title="Found in the model's string values, which its extracted text summarises">
            in {hit.section}
          </span>
        )}
        {hit.format && <span className="hit-format">{hit.format}</span>}
        {hit.status !== 'completed' && <span className={`badge status-${hit.status}`}>{STATUS_LABEL[hit.status]}</span>}
      </div>
      {hit.sourcePath && (
        <div className="hit-path" title={hit.sourcePath}>
          {hit.sourcePath}
        </div>
      )}
      <p className="hit-snippet">{hit.snippet.map((piece, i) => (piece.hit ? <mark key={i}>{piece.text}</mark> : <span key={i}>{piece.text}</span>))}</p>
    </li>
  );
}
