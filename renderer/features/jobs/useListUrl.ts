/**
 * Keeps the list's view and the URL in step, both ways, and remembers the
 * view and the scroll position in localStorage, so a reload, Back, and a
 * restart of the app all come back to the same rows (renderer/store/list-view.ts).
 */
import { useContext, useEffect, useRef, type RefObject } from 'react';
import { StoreContext } from '../../store/context.js';
import {
  hasListParams,
  LIST_PARAMS,
  listParams,
  sameView,
  savedScrollRow,
  saveScrollRow,
  savedView,
  saveView,
  viewFromParams,
  type ListView,
} from '../../store/list-view.js';
import { currentRoute, navigate, useRoute } from '../../store/route.js';
import { ROW_HEIGHT } from './useVirtualRows.js';

/** The view a route asks for: its list parameters, or the view last left when it has none. */
function viewOfRoute(params: Record<string, string>): ListView {
  return hasListParams(params) ? viewFromParams(params) : savedView();
}

export function useListUrl(): void {
  const store = useContext(StoreContext)!;
  const route = useRoute();

  // The URL (a reload, Back, a link from elsewhere in the window) sets the view.
  // Keyed on the parameters' text: the route object is new on every render.
  const paramsKey = JSON.stringify(route.params);
  const isJobs = route.view === 'jobs';
  useEffect(() => {
    if (!isJobs) return;
    const params = JSON.parse(paramsKey) as Record<string, string>;
    const view = viewOfRoute(params);
    if (!sameView(view, store.getState().view)) store.getState().setView(view);
    else if (!hasListParams(params) && hasListParams(listParams(view))) {
      // The view came from the window's memory (a restart opens a bare address): the address says it too.
      const r = currentRoute();
      navigate({ view: 'jobs', ...(r.id ? { id: r.id } : {}), params: { ...params, ...listParams(view) } }, { replace: true });
    }
  }, [isJobs, paramsKey, store]);

  // The view (a filter control, a sort header, a count card) sets the URL and is remembered.
  useEffect(
    () =>
      store.subscribe((s, prev) => {
        if (s.view === prev.view) return;
        saveView(s.view);
        const r = currentRoute();
        if (r.view !== 'jobs') return;
        const others = Object.fromEntries(Object.entries(r.params).filter(([k]) => !(LIST_PARAMS as readonly string[]).includes(k)));
        if (sameView(viewFromParams(r.params), s.view) && hasListParams(r.params)) return;
        navigate({ view: 'jobs', ...(r.id ? { id: r.id } : {}), params: { ...others, ...listParams(s.view) } }, { replace: true });
      }),
    [store],
  );
}

/**
 * Remembers the first row in view for the current view, and scrolls back to
 * it once that view's total is known again (after a reload or a restart).
 */
export function useScrollMemory(scroller: RefObject<HTMLElement | null>, view: ListView, total: number | null): void {
  const restored = useRef<ListView | null>(null);
  useEffect(() => {
    const el = scroller.current;
    if (!el || total === null || restored.current === view) return;
    restored.current = view;
    const row = Math.min(savedScrollRow(view), Math.max(0, total - 1));
    el.scrollTop = row * ROW_HEIGHT;
  }, [scroller, view, total]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onScroll = () => {
      clearTimeout(timer);
      // Only once the view's own position was put back: never save the old view's place under the new one.
      timer = setTimeout(() => restored.current === view && saveScrollRow(view, Math.floor(el.scrollTop / ROW_HEIGHT)), 150);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      el.removeEventListener('scroll', onScroll);
      clearTimeout(timer);
    };
  }, [scroller, view]);
}
