/**
 * Full-text search in the window (issue 13): the request the search view
 * built from the route (#/search?q=…), the ranked hits that answered it, or
 * why there are none. "No results" (an answer with no hits) and an error (a
 * refused query, a lost connection) are kept apart so the view can show
 * them differently. An answer for a request the person has since left is
 * dropped.
 */
import type { SearchQuery, SearchResult } from '../../shared/search.js';
import { message } from './errors.js';
import type { SliceKit } from './slice.js';

export interface SearchInfo {
  /** What was asked; null before the first search. */
  request: SearchQuery;
  /** The answer to `request`; null while it runs or when it failed. */
  result: SearchResult | null;
  loading: boolean;
  /** The backend's message when it refused the query or could not answer. */
  error: string | null;
}

export interface SearchState {
  search: SearchInfo | null;
}

export interface SearchActions {
  /** Runs a search, unless this very request is already answered or running. */
  runSearch(request: SearchQuery): void;
  clearSearch(): void;
}

function sameRequest(a: SearchQuery, b: SearchQuery): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function createSearchSlice({ client, set, get }: SliceKit<SearchState & SearchActions>): SearchState & SearchActions {
  let token = 0;
  return {
    search: null,

    runSearch(request) {
      const now = get().search;
      if (now && sameRequest(now.request, request) && !now.error) return;
      const mine = ++token;
      // The previous hits stay on screen (dimmed) until the new ones come: no flash of emptiness between pages.
      set({ search: { request, result: now?.result ?? null, loading: true, error: null } });
      client.invoke('results.search', request).then(
        (result) => mine === token && set({ search: { request, result, loading: false, error: null } }),
        (err) => mine === token && set({ search: { request, result: null, loading: false, error: message(err) } }),
      );
    },

    clearSearch() {
      token++;
      set({ search: null });
    },
  };
}
