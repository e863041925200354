/**
 * The jobs table: a window of the newest file jobs matching its status
 * filter, optionally scoped to one batch's children, grown a page at a time
 * by "Load more", and the rows selected in it. Pushed events reach it through
 * `fold`, reloads through `load`; an answer for a filter or scope the table
 * has since left is dropped.
 */
import type { Job } from '../../shared/job.js';
import type { BatchRef } from './batches.js';
import type { EventBatch } from './event-batch.js';
import type { SliceKit } from './slice.js';
import { appendPage, applyBatch, EMPTY_VIEW, mergeSnapshot, type JobsView, type StatusFilter, type ViewFilter } from './view.js';
import { fetchOlder, fetchWindow, type RecentlyRemoved } from './window-load.js';

export interface TableState extends JobsView {
  filter: StatusFilter;
  /** The table shows this batch's children only, or every file job when null. */
  parent: BatchRef | null;
  /** Rows the window keeps: grows by PAGE_SIZE with each "Load more". */
  limit: number;
  loadingMore: boolean;
  selection: ReadonlySet<string>;
}

export interface TableActions {
  setFilter(filter: StatusFilter): void;
  /** Scopes the table to a batch's children (null: back to every file job). */
  showChildren(batch: BatchRef | null): void;
  loadMore(): Promise<void>;
  toggleSelected(id: string): void;
  setSelection(ids: readonly string[]): void;
}

/** Rows the table holds before "Load more"; also the page size. */
const PAGE_SIZE = 500;

function fileFilter(s: Pick<TableState, 'filter' | 'parent'>): ViewFilter {
  return { rows: 'files', status: s.filter, parentId: s.parent?.id ?? null };
}

/** Only the fields of a view: `view` may be a spread of the whole state. */
function viewOf(v: JobsView): JobsView {
  return { jobs: v.jobs, order: v.order, hasMore: v.hasMore };
}

export interface TableSlice {
  slice: TableState & TableActions;
  /** Asks for a fresh window now; the returned step merges it in, unless the filter or scope changed meanwhile. */
  load(): Promise<() => void>;
  /** One frame of events: the rows that changed, and the selection trimmed to the rows still shown. */
  fold(s: TableState, frame: EventBatch): Partial<TableState>;
}

export function createTableSlice({ client, set, get, reportError }: SliceKit<TableState & TableActions>, removed: RecentlyRemoved): TableSlice {
  /** Bumped whenever the table's window is reset, so late answers for an old filter are dropped. */
  let viewToken = 0;

  const merge = (list: readonly Job[], more: boolean) => set((s) => viewOf(mergeSnapshot(s, list, fileFilter(s), s.limit, more, removed.ids())));

  /** Empties the table at once for a new filter or scope, then loads it. */
  const resetTable = (change: Partial<Pick<TableState, 'filter' | 'parent'>>) => {
    const token = ++viewToken;
    // Rows of the old filter never show under the new one; events arriving
    // meanwhile fill it, the snapshot below completes it.
    set({ ...change, limit: PAGE_SIZE, jobs: {}, order: [], hasMore: false, selection: new Set() });
    fetchWindow(client, fileFilter(get()), PAGE_SIZE).then(
      ({ list, more }) => {
        if (token === viewToken) merge(list, more);
      },
      (err) => token === viewToken && reportError(err),
    );
  };

  return {
    slice: {
      ...EMPTY_VIEW,
      filter: 'all',
      parent: null,
      limit: PAGE_SIZE,
      loadingMore: false,
      selection: new Set(),

      setFilter(filter) {
        if (filter !== get().filter) resetTable({ filter });
      },

      showChildren(batch) {
        if ((batch?.id ?? null) !== (get().parent?.id ?? null)) resetTable({ parent: batch });
      },

      async loadMore() {
        const s = get();
        if (s.loadingMore || !s.hasMore) return;
        const token = viewToken;
        set({ loadingMore: true });
        try {
          const filter = fileFilter(s);
          const page = await fetchOlder(client, s, filter, PAGE_SIZE);
          if (token !== viewToken) return;
          set((cur) => ({ ...viewOf(appendPage(cur, page, filter, page.length === PAGE_SIZE)), limit: cur.limit + PAGE_SIZE }));
        } catch (err) {
          reportError(err);
        } finally {
          set({ loadingMore: false });
        }
      },

      toggleSelected(id) {
        set((s) => {
          const selection = new Set(s.selection);
          if (!selection.delete(id)) selection.add(id);
          return { selection };
        });
      },

      setSelection(ids) {
        set({ selection: new Set(ids) });
      },
    },

    async load() {
      const token = viewToken;
      const s = get();
      const { list, more } = await fetchWindow(client, fileFilter(s), s.limit);
      return () => {
        if (token === viewToken) merge(list, more);
      };
    },

    fold(s, frame) {
      const view = applyBatch(s, frame, fileFilter(s), s.limit);
      if (view === s) return {};
      const next: Partial<TableState> = viewOf(view);
      if (view.order !== s.order && s.selection.size > 0) next.selection = new Set([...s.selection].filter((id) => id in view.jobs));
      return next;
    },
  };
}
