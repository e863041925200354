/**
 * Where the person is in the window, kept in the URL's hash so a reload and
 * the Back button keep the place (and Back never leaves the app: every place
 * is a hash of the same page). One source of truth for navigation: the
 * sidebar, the list, the detail and the search all read and write it here.
 *
 *   #/jobs                 the jobs list          #/jobs/<id>        a job's detail
 *   #/batches[/<id>]       batches (one opened)    #/search?q=…      search results
 *   #/stats  #/automation  #/settings  #/workers
 * Extra query parameters (filters, a page) ride along: #/jobs/<id>?page=3.
 */
import { useSyncExternalStore } from 'react';

export const VIEWS = ['jobs', 'batches', 'search', 'stats', 'automation', 'settings', 'workers'] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  view: View;
  /** The opened item: a job (jobs, search) or a batch (batches). */
  id?: string;
  /** Query parameters, for example q (search) or page (the detail's page). */
  params: Record<string, string>;
}

export const HOME: Route = { view: 'jobs', params: {} };

/** Reads a hash ("#/jobs/abc?page=2"); anything unknown is the home place. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const [view, ...rest] = pathPart.split('/').filter(Boolean);
  if (!view || !(VIEWS as readonly string[]).includes(view)) return { ...HOME, params: {} };
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(queryPart)) params[k] = v;
  const id = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  return { view: view as View, ...(id ? { id } : {}), params };
}

/** The hash for a route; parameters in a stable order so equal routes give equal hashes. */
export function formatRoute(route: Route): string {
  const id = route.id ? `/${encodeURIComponent(route.id)}` : '';
  const entries = Object.entries(route.params)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => a.localeCompare(b));
  const query = entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
  return `#/${route.view}${id}${query}`;
}

/** Goes to a place. `replace` for refinements that should not fill the Back history (typing a query). */
export function navigate(route: Partial<Route> & { view: View }, opts: { replace?: boolean } = {}): void {
  const hash = formatRoute({ params: {}, ...route });
  if (hash === window.location.hash) return;
  if (opts.replace) window.history.replaceState(null, '', hash);
  else window.history.pushState(null, '', hash);
  // pushState/replaceState do not fire hashchange; tell the subscribers ourselves.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The current place. */
export function currentRoute(): Route {
  return parseRoute(window.location.hash);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  window.addEventListener('popstate', onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener('popstate', onChange);
  };
}

/** The current place, re-rendering on every change. The hash string is the snapshot: stable between changes. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
