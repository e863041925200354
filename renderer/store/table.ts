/**
 * The jobs list at scale: the engine sorts and filters (list.query), the
 * table knows the exact total and fetches only the windows around its
 * viewport (pages of PAGE rows, a few dozen kept), so scrolling reaches the
 * last of 100,000 rows with a scrollbar true to the total. Its selection is
 * a set of ids, or "all N matching" (the filter, the seq it was counted up
 * to, and the rows unticked since).
 *
 * Pushed events: a shown job is updated in place at once; a change that can
 * move rows (a job entering or leaving the filter, its sort value changing,
 * a deletion) marks the list stale, and it is fetched again, the total and
 * the pages in view, at most every STALE_MS.
 */
import type { Job, JobStatus } from '../../shared/job.js';
import type { ListFilter } from '../../shared/list-query.js';
import type { BatchRef } from './batches.js';
import type { EventBatch } from './event-batch.js';
import { DEFAULT_VIEW, inFilter, sameView, savedScrollRow, sortValue, type ListView } from './list-view.js';
import type { SliceKit } from './slice.js';
import type { RecentlyRemoved } from './window-load.js';

/** The status filter as the count cards and the sidebar set it (one status, or all). */
export type StatusFilter = JobStatus | 'all';

/** "All N matching this filter": counted up to `maxSeq`, minus the rows unticked since. */
export interface AllMatching {
  filter: ListFilter;
  count: number;
  maxSeq: number;
  except: ReadonlySet<string>;
}

export interface TableState {
  view: ListView;
  /** Every job matching the view (null until the first answer). */
  total: number | null;
  /** The newest seq when the total was counted. */
  maxSeq: number;
  /** Loaded rows: page index -> ids in order. */
  pages: Record<number, readonly string[]>;
  /** The jobs of the loaded pages. */
  jobs: Record<string, Job>;
  /** The last load failed (the list shows the failure, not "no results"). */
  listError: string | null;
  /** The status filter, when the view has exactly one (the count cards' pressed card). */
  filter: StatusFilter;
  /** The batch the list is narrowed to, with its name. */
  parent: BatchRef | null;
  selection: ReadonlySet<string>;
  allMatching: AllMatching | null;
  /** Where a shift-click or Shift+arrow range starts (a row index). */
  anchor: number | null;
  /** The row keyboard focus is on. */
  focusRow: number;
}

export interface TableActions {
  /** Shows a view (from the URL, a filter control, a sort header). */
  setView(view: ListView): void;
  setFilter(filter: StatusFilter): void;
  /** Narrows the list to a batch's children (null: back to every file job). */
  showChildren(batch: BatchRef | null): void;
  /** The rows [first, last) are in view: fetch the pages they need. */
  showRows(first: number, last: number): void;
  /** The id at a row index, if its page is loaded. */
  idAt(row: number): string | undefined;
  /** Moves the keyboard focus; `anchor` also starts the next Shift range there. */
  setFocusRow(row: number, opts?: { anchor?: boolean }): void;
  toggleSelected(id: string, row?: number): void;
  /**
   * Selects the rows between the anchor and `row` (fetching ids of rows not
   * loaded). `from` is the anchor when none is set yet (Shift+arrow starts at the focused row).
   */
  selectRange(row: number, opts?: { add?: boolean; from?: number }): Promise<void>;
  setSelection(ids: readonly string[]): void;
  selectAllMatching(): Promise<void>;
  clearSelection(): void;
  /** Fetches the total and the pages in view again. */
  reloadList(): Promise<void>;
  /** The exact count under a filter now, and the seq it was counted up to. */
  countMatching(filter: ListFilter): Promise<{ total: number | null; maxSeq: number }>;
}

/** Rows per fetched page. */
export const PAGE = 100;
/** Pages kept; the farthest from the viewport go first. */
const PAGES_KEPT = 30;
/** A stale list is fetched again at most this often while events pour in. */
const STALE_MS = 400;
/** Ids a shift-click range may cover (list.ids answers at most this many). */
const RANGE_MAX = 10_000;

export function isSelected(s: Pick<TableState, 'selection' | 'allMatching'>, id: string): boolean {
  return s.allMatching ? !s.allMatching.except.has(id) : s.selection.has(id);
}

export function selectedCount(s: Pick<TableState, 'selection' | 'allMatching'>): number {
  return s.allMatching ? s.allMatching.count - s.allMatching.except.size : s.selection.size;
}

function statusOf(v: ListView): StatusFilter {
  return v.filter.status?.length === 1 ? v.filter.status[0]! : 'all';
}

export interface TableSlice {
  slice: TableState & TableActions;
  /** Asks for the total and the pages in view now; the returned step applies them, unless the view changed meanwhile. */
  load(): Promise<() => void>;
  /** One frame of events: shown jobs updated in place; a change that moves rows makes the list stale. */
  fold(s: TableState, frame: EventBatch): Partial<TableState>;
  dispose(): void;
}

type Get = () => TableState & TableActions;

export function createTableSlice(
  { client, set, get, reportError }: SliceKit<TableState & TableActions>,
  removed: RecentlyRemoved,
  initial: ListView = DEFAULT_VIEW,
): TableSlice {
  /** Bumped whenever the view changes, so late answers for an old view are dropped. */
  let token = 0;
  // The first load asks for the rows the window will scroll back to (useScrollMemory), not for the top.
  const back = savedScrollRow(initial);
  let visible = { first: back, last: back + 1 };
  const inFlight = new Set<number>();
  /** The pages a fetchAll is asking for: fill leaves them to it (on opening, both asked for page 0). */
  let reloadingPages: ReadonlySet<number> = new Set();
  let staleTimer: ReturnType<typeof setTimeout> | undefined;
  let lastReload = 0;

  const pagesInView = () => {
    const out: number[] = [];
    for (let p = Math.floor(visible.first / PAGE); p * PAGE < Math.max(visible.last, visible.first + 1); p++) out.push(p);
    return out;
  };

  /** Puts fetched pages in, dropping the pages farthest from the viewport past PAGES_KEPT, and their jobs. */
  const applyPages = (s: TableState, fetched: Record<number, Job[]>, replaceAll: boolean): Pick<TableState, 'pages' | 'jobs'> => {
    const pages: Record<number, readonly string[]> = replaceAll ? {} : { ...s.pages };
    const jobs: Record<string, Job> = replaceAll ? {} : { ...s.jobs };
    // Deleted since the answer was read: its place stays (positions hold) until the list is fetched again.
    const gone = removed.ids();
    for (const [p, rows] of Object.entries(fetched)) {
      pages[Number(p)] = rows.map((j) => j.id);
      for (const j of rows) {
        if (gone.has(j.id)) continue;
        // An answer read before the latest events must not roll a row back to what it was;
        // an unchanged job keeps its object, so its memoised row does not render again.
        const cur = s.jobs[j.id];
        jobs[j.id] = cur && (cur.updatedAt > j.updatedAt || (cur.updatedAt === j.updatedAt && sameRow(cur, j))) ? cur : j;
      }
    }
    const keys = Object.keys(pages).map(Number);
    if (keys.length > PAGES_KEPT) {
      const centre = Math.floor(visible.first / PAGE);
      keys.sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
      for (const p of keys.slice(0, keys.length - PAGES_KEPT)) delete pages[p];
      const kept = new Set(Object.values(pages).flat());
      for (const id of Object.keys(jobs)) if (!kept.has(id)) delete jobs[id];
    }
    return { pages, jobs };
  };

  const fetchPage = (view: ListView, p: number, withTotal: boolean) =>
    client.invoke('list.query', { filter: view.filter, sort: view.sort, offset: p * PAGE, limit: PAGE, withTotal });

  /** Fetches the pages in view that are missing. */
  const fill = () => {
    const s = get();
    // Before the first answer, the load under way asks for the rows to show, and fills after.
    if (s.total === null) return;
    const mine = token;
    for (const p of pagesInView()) {
      if (s.pages[p] || inFlight.has(p) || reloadingPages.has(p) || (s.total !== null && p * PAGE >= s.total)) continue;
      inFlight.add(p);
      fetchPage(s.view, p, false).then(
        (page) => {
          inFlight.delete(p);
          if (mine === token) set((cur) => applyPages(cur, { [p]: page.rows }, false));
        },
        (err) => {
          inFlight.delete(p);
          if (mine === token) set({ listError: errorText(err) });
        },
      );
    }
  };

  /** The total and every page in view, fetched together; the step applies them. */
  const fetchAll = async (): Promise<() => void> => {
    const mine = token;
    const { view } = get();
    const wanted = pagesInView();
    const asking = (reloadingPages = new Set(wanted));
    lastReload = Date.now();
    try {
      const answers = await Promise.all(wanted.map((p, i) => fetchPage(view, p, i === 0)));
      return () => {
        // Until applied, fill would still ask again for pages the answer holds.
        if (reloadingPages === asking) reloadingPages = new Set();
        if (mine !== token) return;
        const first = answers[0]!;
        const fetched: Record<number, Job[]> = {};
        wanted.forEach((p, i) => (fetched[p] = answers[i]!.rows));
        set((s) => ({ ...applyPages(s, fetched, true), total: first.total, maxSeq: first.maxSeq, listError: null }));
        fill();
      };
    } catch (err) {
      return () => {
        if (reloadingPages === asking) reloadingPages = new Set();
        if (mine === token) set({ listError: errorText(err) });
      };
    }
  };

  const reload = async () => (await fetchAll())();

  /** One stale reload at a time: events during a slow one (a text filter at a million jobs) ask for one more after it. */
  let reloading = false;
  let again = false;
  const markStale = () => {
    if (reloading) return void (again = true);
    if (staleTimer) return;
    staleTimer = setTimeout(
      () => {
        staleTimer = undefined;
        reloading = true;
        void reload().finally(() => {
          reloading = false;
          if (again) {
            again = false;
            markStale();
          }
        });
      },
      Math.max(0, lastReload + STALE_MS - Date.now()),
    );
  };

  const resetTo = (view: ListView, parent: BatchRef | null) => {
    token++;
    inFlight.clear();
    set({
      view,
      parent,
      filter: statusOf(view),
      total: null,
      pages: {},
      jobs: {},
      listError: null,
      selection: new Set(),
      allMatching: null,
      anchor: null,
      focusRow: 0,
    });
    void reload();
  };

  const slice: TableState & TableActions = {
    view: initial,
    total: null,
    maxSeq: 0,
    pages: {},
    jobs: {},
    listError: null,
    filter: statusOf(initial),
    parent: initial.filter.batch ? { id: initial.filter.batch, name: '' } : null,
    selection: new Set(),
    allMatching: null,
    anchor: null,
    focusRow: 0,

    setView(view) {
      const s = get();
      if (sameView(view, s.view)) return;
      // The batch's name is known when it was picked in the panel; from a URL, it is looked up.
      const parent = view.filter.batch ? (s.parent?.id === view.filter.batch ? s.parent : { id: view.filter.batch, name: '' }) : null;
      resetTo(view, parent);
      if (parent && !parent.name) void nameBatch(get, set, client, parent.id);
    },

    setFilter(filter) {
      const { view } = get();
      const { status: _old, ...rest } = view.filter;
      get().setView({ ...view, filter: filter === 'all' ? rest : { ...rest, status: [filter] } });
    },

    showChildren(batch) {
      const { view } = get();
      const { batch: _old, ...rest } = view.filter;
      if (batch) set({ parent: batch });
      get().setView({ ...view, filter: batch ? { ...rest, batch: batch.id } : rest });
    },

    showRows(first, last) {
      visible = { first, last };
      fill();
    },

    idAt(row) {
      return get().pages[Math.floor(row / PAGE)]?.[row % PAGE];
    },

    setFocusRow(row, opts = {}) {
      const { total } = get();
      const focusRow = Math.max(0, Math.min(row, Math.max(0, (total ?? 0) - 1)));
      set(opts.anchor ? { focusRow, anchor: focusRow } : { focusRow });
    },

    toggleSelected(id, row) {
      set((s) => {
        const anchor = row ?? s.anchor;
        if (s.allMatching) {
          const except = new Set(s.allMatching.except);
          if (!except.delete(id)) except.add(id);
          return { allMatching: { ...s.allMatching, except }, anchor };
        }
        const selection = new Set(s.selection);
        if (!selection.delete(id)) selection.add(id);
        return { selection, anchor };
      });
    },

    async selectRange(row, opts = {}) {
      if (get().anchor === null && opts.from !== undefined) set({ anchor: opts.from });
      const s = get();
      const from = Math.min(s.anchor ?? row, row);
      const to = Math.max(s.anchor ?? row, row);
      const mine = token;
      let ids: string[] = [];
      for (let r = from; r <= to; r++) {
        const id = s.idAt(r);
        if (id === undefined) {
          ids = [];
          break;
        }
        ids.push(id);
      }
      if (ids.length !== to - from + 1) {
        try {
          ids = await client.invoke('list.ids', { filter: s.view.filter, sort: s.view.sort, offset: from, limit: Math.min(RANGE_MAX, to - from + 1) });
        } catch (err) {
          reportError(err);
          return;
        }
        if (mine !== token) return;
      }
      set((cur) => {
        if (cur.allMatching) {
          const except = new Set(cur.allMatching.except);
          for (const id of ids) except.delete(id);
          return { allMatching: { ...cur.allMatching, except }, anchor: cur.anchor ?? row };
        }
        const selection = new Set(opts.add ? cur.selection : []);
        for (const id of ids) selection.add(id);
        return { selection, anchor: cur.anchor ?? row };
      });
    },

    setSelection(ids) {
      set({ selection: new Set(ids), allMatching: null });
    },

    async selectAllMatching() {
      const { view } = get();
      const mine = token;
      try {
        // Counted now, and acted on up to this seq: N is exactly what the action will cover.
        const { total, maxSeq } = await client.invoke('list.query', { filter: view.filter, sort: view.sort, limit: 0 });
        if (mine === token) set({ allMatching: { filter: view.filter, count: total ?? 0, maxSeq, except: new Set() }, selection: new Set() });
      } catch (err) {
        reportError(err);
      }
    },

    clearSelection() {
      set({ selection: new Set(), allMatching: null, anchor: null });
    },

    reloadList: reload,

    countMatching(filter) {
      return client.invoke('list.query', { filter, limit: 0 });
    },
  };

  return {
    slice,
    load() {
      const { parent } = get();
      // Narrowed to a batch by the URL at start: only its id is known so far.
      if (parent && !parent.name) void nameBatch(get, set, client, parent.id);
      return fetchAll();
    },

    fold(s, frame) {
      let jobs: Record<string, Job> | undefined;
      let stale = false;
      const { filter, sort } = s.view;
      const take = (job: Job) => {
        const cur = (jobs ?? s.jobs)[job.id];
        if (cur) {
          if (job.updatedAt < cur.updatedAt) return;
          if (!inFilter(filter, job) || sortValue(sort.key, job) !== sortValue(sort.key, cur)) stale = true;
          (jobs ??= { ...s.jobs })[job.id] = job;
        } else if (inFilter(filter, job) && (job.seq > s.maxSeq || movesUnseen(s.view))) {
          // A row the list does not hold: new, or one that may have just entered the filter or moved into view.
          stale = true;
        }
      };
      for (const [id, job] of frame.jobs) {
        if (job === null) {
          // Gone at once; its place is taken when the list is fetched again.
          if (id in (jobs ?? s.jobs)) delete (jobs ??= { ...s.jobs })[id];
          stale = true;
          continue;
        }
        take(job);
      }
      for (const [, job] of frame.hints) {
        const cur = (jobs ?? s.jobs)[job.id];
        if (cur && job.updatedAt > cur.updatedAt) take(job);
      }
      for (const [id, p] of frame.progress) {
        const cur = (jobs ?? s.jobs)[id];
        if (cur?.status === 'running' && (cur.processed !== p.processed || cur.total !== p.total))
          (jobs ??= { ...s.jobs })[id] = { ...cur, processed: p.processed, total: p.total };
      }
      if (stale) markStale();
      const next: Partial<TableState> = jobs ? { jobs } : {};
      const removed = [...frame.jobs].filter(([, j]) => j === null).map(([id]) => id);
      if (removed.some((id) => s.selection.has(id))) next.selection = new Set([...s.selection].filter((id) => !removed.includes(id)));
      return next;
    },

    dispose() {
      clearTimeout(staleTimer);
    },
  };
}

/**
 * Whether a change to a job the list does not hold can change what it shows:
 * under a filter on what running changes (status, the detected format, the
 * error's text) it may enter the list; under a sort on it, it may move into view.
 */
function movesUnseen(v: ListView): boolean {
  const f = v.filter;
  return f.status !== undefined || f.format !== undefined || f.text !== undefined || ['status', 'format', 'duration', 'finished'].includes(v.sort.key);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The list narrowed to a batch by URL knows only its id: its name comes from the engine. */
async function nameBatch(get: Get, set: SliceKit<TableState>['set'], client: SliceKit<TableState>['client'], id: string) {
  try {
    const { job } = await client.invoke('jobs.get', { id });
    if (get().parent?.id === id) set({ parent: { id, name: job.fileName ?? job.sourcePath ?? job.shortId } });
  } catch {
    if (get().parent?.id === id) set({ parent: { id, name: id.slice(0, 8) } });
  }
}

/**
 * What a row shows, compared: some writes (progress, a detected format, a
 * batch's counts) keep updated_at within the same millisecond, so a tie alone
 * does not prove the kept object is as new as the answer.
 */
const ROW_FIELDS = ['status', 'format', 'total', 'processed', 'successful', 'failed', 'retryCount', 'errorCode', 'stepIndex', 'blocked'] as const;
function sameRow(a: Job, b: Job): boolean {
  return ROW_FIELDS.every((k) => a[k] === b[k]);
}
