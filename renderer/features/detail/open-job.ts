/**
 * Opening and closing a job's detail through the route (store/route.ts), so
 * reload keeps it open and Back closes it:
 * - from the list the detail is #/jobs/<id>; from search results it is
 *   #/search/<id>?q=… (the results stay beside it, like a mail client);
 * - opening a second job while one is open replaces the history entry, so
 *   Back (or Esc) returns to the list rather than to the previous job;
 * - Esc goes back when this window pushed the detail, and otherwise (a
 *   reload, a link) replaces the entry with the list.
 */
import { currentRoute, navigate, type Route } from '../../store/route.js';

/** Route parameters that belong to the opened detail, dropped when it closes. */
export const DETAIL_PARAMS = ['tab', 'page', 'find'] as const;

export type DetailTab = 'files' | 'text' | 'markdown' | 'tables' | 'metadata' | 'entities' | 'warnings' | 'error' | 'history';

/** Set when this window pushed the entry the detail is on. */
let pushed = false;

if (typeof window !== 'undefined')
  window.addEventListener('popstate', () => {
    // Back or Forward moved through history: the entry we pushed is no longer necessarily the current one.
    pushed = false;
  });

function withoutDetail(params: Record<string, string>): Record<string, string> {
  const out = { ...params };
  for (const k of DETAIL_PARAMS) delete out[k];
  return out;
}

/** The job whose detail a route shows, if any. */
export function openedJob(route: Route): string | undefined {
  return route.view === 'jobs' || route.view === 'search' ? route.id : undefined;
}

export interface OpenOptions {
  tab?: DetailTab;
  /** A page to open the text at (1-based). */
  page?: number | null;
  /** Terms to find in the text (a search query). */
  find?: string;
}

/** Opens a job's detail beside the current list (the jobs list, or the search results). */
export function openJob(id: string, opts: OpenOptions = {}): void {
  const route = currentRoute();
  const view = route.view === 'search' ? 'search' : 'jobs';
  const params = withoutDetail(route.view === view ? route.params : {});
  const replace = openedJob(route) !== undefined;
  // Going from one open job to another keeps the tab being read, as a mail client keeps its view.
  const tab = opts.tab ?? (replace ? route.params.tab : undefined);
  if (tab) params.tab = tab;
  if (opts.page) params.page = String(opts.page);
  if (opts.find) params.find = opts.find;
  navigate({ view, id, params }, { replace });
  if (!replace) pushed = true;
}

/** Closes the detail, back to the list it was opened from, with the focus back on the job's row. */
export function closeJob(): void {
  const route = currentRoute();
  const id = openedJob(route);
  if (!id) return;
  if (pushed) {
    pushed = false;
    window.history.back();
  } else navigate({ view: route.view, params: withoutDetail(route.params) }, { replace: true });
  refocus(id);
}

/** Focuses the list's entry for a job (a row, a hit) once the list has re-rendered; Back lands a little later. */
function refocus(id: string): void {
  let tries = 0;
  const attempt = () => {
    const el = document.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(id)}"]`);
    if (el && !openedJob(currentRoute())) el.focus({ preventScroll: false });
    else if (tries++ < 10) setTimeout(attempt, 30);
  };
  setTimeout(attempt, 0);
}

/** Changes one of the open detail's parameters (its tab, its page) without a new history entry. */
export function setDetailParam(key: (typeof DETAIL_PARAMS)[number], value: string | null): void {
  const route = currentRoute();
  if (!openedJob(route)) return;
  const params = { ...route.params };
  if (value === null || value === '') delete params[key];
  else params[key] = value;
  navigate({ view: route.view, id: route.id!, params }, { replace: true });
}

/**
 * A job row's click or Enter: opens its detail. Clicks on the row's own
 * controls (checkbox, buttons) and a click that ends a text selection do not.
 */
export function openFromRow(e: { type: string; key?: string; target: EventTarget; currentTarget: EventTarget }, id: string): void {
  if (e.type === 'keydown') {
    if (e.key === 'Enter' && e.target === e.currentTarget) openJob(id);
    return;
  }
  if ((e.target as HTMLElement).closest('button, input, select, a, label')) return;
  if (window.getSelection()?.toString()) return;
  openJob(id);
}
