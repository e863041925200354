/**
 * The dashboard's state. Pushed events feed it (never polling): they are
 * batched per animation frame (FrameBatcher) and folded into a bounded window
 * of the newest jobs matching the filter. Requests go through the typed
 * client; their failures land in `errors`, which the alert region shows.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Client } from '../../shared/client.js';
import type { Output } from '../../shared/contract.js';
import type { Job, JobStats } from '../../shared/job.js';
import { jobName, type RowAction } from '../lib/job-view.js';
import { FrameBatcher } from './event-batch.js';
import { appendPage, applyBatch, isFileJob, mergeSnapshot, type JobsView, type StatusFilter } from './view.js';

export type { StatusFilter } from './view.js';
export type AppInfo = Output<'app.info'>;
export type ExportFormat = Output<'results.export'>['format'];

/** Rows the table holds before "Load more"; also the page size. */
export const PAGE_SIZE = 500;
/** jobs.list answers at most this many per call. */
const LIST_MAX = 1000;
/** jobs.addPaths takes at most this many paths per call. */
const ADD_MAX = 10_000;
/** Bulk actions take at most this many ids per call. */
const IDS_MAX = 1000;
/** How many accepted names an intake report lists (the count is always exact). */
const REPORT_NAMES = 50;
/** How long a deletion shields against a snapshot taken just before it. */
const REMOVED_TTL_MS = 30_000;

export interface Rejection {
  path: string;
  reason: string;
}

export interface IntakeReport {
  added: number;
  acceptedNames: string[];
  rejected: Rejection[];
}

export interface ExportReport {
  format: ExportFormat;
  jobs: number;
  fileName: string;
  /** Where it was written: a folder path (desktop) or "downloads" (browser). */
  file: string;
  downloaded: boolean;
}

export interface UiError {
  id: number;
  message: string;
}

export interface JobsState extends JobsView {
  ready: boolean;
  app: AppInfo | null;
  stats: JobStats | null;
  filter: StatusFilter;
  /** Rows the window keeps: grows by PAGE_SIZE with each "Load more". */
  limit: number;
  loadingMore: boolean;
  selection: ReadonlySet<string>;
  /** What intake is doing right now ("Uploading 3 files…"), or null. */
  intakeBusy: string | null;
  lastIntake: IntakeReport | null;
  exporting: ExportFormat | null;
  lastExport: ExportReport | null;
  errors: UiError[];
}

export interface JobsActions {
  /** Subscribes to events and loads everything; returns the unsubscribe. */
  start(): () => void;
  refresh(): Promise<void>;
  setFilter(filter: StatusFilter): void;
  loadMore(): Promise<void>;
  toggleSelected(id: string): void;
  setSelection(ids: readonly string[]): void;
  act(action: RowAction, ids: readonly string[]): Promise<void>;
  intake(files: readonly File[], preRejected?: readonly Rejection[]): Promise<void>;
  exportResults(format: ExportFormat): Promise<void>;
  setConcurrency(n: number): Promise<void>;
  setPaused(paused: boolean): Promise<void>;
  reportError(err: unknown): void;
  dismissError(id: number): void;
}

export type JobsStore = StoreApi<JobsState & JobsActions>;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createJobsStore(client: Client): JobsStore {
  let nextErrorId = 1;
  /** Bumped whenever the window is reset, so late answers for an old filter are dropped. */
  let viewToken = 0;
  const removedAt = new Map<string, number>();

  const recentlyRemoved = (): Set<string> => {
    const cutoff = Date.now() - REMOVED_TTL_MS;
    for (const [id, at] of removedAt) if (at < cutoff) removedAt.delete(id);
    return new Set(removedAt.keys());
  };

  const store = createStore<JobsState & JobsActions>()((set, get) => {
    const batcher = new FrameBatcher((batch) => {
      for (const [id, job] of batch.jobs) if (job === null) removedAt.set(id, Date.now());
      set((s) => {
        const next: Partial<JobsState> = batch.stats ? { stats: batch.stats } : {};
        const view = applyBatch(s, batch, s.filter, s.limit);
        if (view !== s) {
          // Only the view's own fields: `view` may be a spread of the whole state.
          next.jobs = view.jobs;
          next.order = view.order;
          next.hasMore = view.hasMore;
          if (view.order !== s.order && s.selection.size > 0) {
            next.selection = new Set([...s.selection].filter((id) => id in view.jobs));
          }
        }
        return next;
      });
    });

    /** The newest `limit` file jobs for `filter`, in pages the contract allows. */
    const fetchWindow = async (filter: StatusFilter, limit: number): Promise<{ list: Job[]; more: boolean }> => {
      const list: Job[] = [];
      let before: number | undefined;
      for (;;) {
        const want = Math.min(LIST_MAX, limit - list.length);
        const page = await client.invoke('jobs.list', {
          limit: want,
          ...(filter === 'all' ? {} : { status: filter }),
          ...(before === undefined ? {} : { before }),
        });
        // Batch parents come back too; the cursor still moves past them.
        list.push(...page.filter(isFileJob));
        if (page.length < want) return { list, more: false };
        if (list.length >= limit) return { list, more: true };
        before = page[page.length - 1]!.seq;
      }
    };

    // The same failure repeated (a resync loop, a burst of refusals) is shown once.
    const reportError = (err: unknown) =>
      set((s) => {
        const text = message(err);
        if (s.errors.some((e) => e.message === text)) return {};
        return { errors: [...s.errors.slice(-4), { id: nextErrorId++, message: text }] };
      });

    return {
      ready: false,
      app: null,
      stats: null,
      jobs: {},
      order: [],
      hasMore: false,
      filter: 'all',
      limit: PAGE_SIZE,
      loadingMore: false,
      selection: new Set(),
      intakeBusy: null,
      lastIntake: null,
      exporting: null,
      lastExport: null,
      errors: [],

      start() {
        const offs = [
          client.on('job.changed', (j) => batcher.jobChanged(j)),
          client.on('job.removed', (r) => batcher.jobRemoved(r)),
          client.on('job.progress', (p) => batcher.jobProgress(p)),
          client.on('stats.changed', (s) => batcher.statsChanged(s)),
        ];
        const transport = client.transport;
        if (transport.onResync) offs.push(transport.onResync(() => void get().refresh()));
        void get().refresh();
        return () => {
          for (const off of offs) off();
          batcher.dispose();
        };
      },

      async refresh() {
        const token = viewToken;
        const { filter, limit } = get();
        // Each part on its own: one failing channel must not blank the others.
        const [app, stats, listed] = await Promise.allSettled([
          client.invoke('app.info', {}),
          client.invoke('jobs.stats', {}),
          fetchWindow(filter, limit),
        ]);
        set({ ready: true });
        if (app.status === 'fulfilled') set({ app: app.value });
        if (stats.status === 'fulfilled') set({ stats: stats.value });
        if (listed.status === 'fulfilled' && token === viewToken) {
          const { list, more } = listed.value;
          set((s) => mergeSnapshot(s, list, s.filter, s.limit, more, recentlyRemoved()));
        }
        for (const r of [app, stats, listed]) if (r.status === 'rejected') reportError(r.reason);
      },

      setFilter(filter) {
        if (filter === get().filter) return;
        const token = ++viewToken;
        // Empty at once so rows of the old filter never show under the new one;
        // events arriving meanwhile fill it, the snapshot below completes it.
        set({ filter, limit: PAGE_SIZE, jobs: {}, order: [], hasMore: false, selection: new Set() });
        fetchWindow(filter, PAGE_SIZE).then(
          ({ list, more }) => {
            if (token === viewToken) set((s) => mergeSnapshot(s, list, s.filter, s.limit, more, recentlyRemoved()));
          },
          (err) => token === viewToken && reportError(err),
        );
      },

      async loadMore() {
        const s = get();
        if (s.loadingMore || !s.hasMore) return;
        const token = viewToken;
        const oldest = s.jobs[s.order[s.order.length - 1] ?? '']?.seq;
        set({ loadingMore: true });
        try {
          const page = await client.invoke('jobs.list', {
            limit: PAGE_SIZE,
            ...(s.filter === 'all' ? {} : { status: s.filter }),
            ...(oldest === undefined ? {} : { before: oldest }),
          });
          if (token !== viewToken) return;
          set((cur) => ({ ...appendPage(cur, page, page.length === PAGE_SIZE), limit: cur.limit + PAGE_SIZE }));
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

      async act(action, ids) {
        if (ids.length === 0) return;
        const channel = action === 'retry' ? 'jobs.retry' : action === 'cancel' ? 'jobs.cancel' : 'jobs.delete';
        const failures: string[] = [];
        try {
          for (const part of chunks(ids, IDS_MAX)) {
            const res = await client.invoke(channel, { ids: part });
            // Show the outcome now; the matching events will agree.
            for (const job of res.jobs) action === 'delete' ? batcher.jobRemoved({ id: job.id }) : batcher.hint(job);
            failures.push(...res.errors.map((e) => e.message));
          }
        } catch (err) {
          failures.push(message(err));
        }
        if (action === 'delete') set((s) => ({ selection: new Set([...s.selection].filter((id) => !ids.includes(id))) }));
        if (failures.length === 1) reportError(failures[0]);
        else if (failures.length > 1)
          reportError(`${failures.length} jobs could not be changed: ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '…' : ''}`);
      },

      async intake(files, preRejected = []) {
        const rejected: Rejection[] = [...preRejected];
        const acceptedNames: string[] = [];
        let added = 0;
        set({ intakeBusy: client.transport.kind === 'browser' ? `Uploading ${files.length} file${files.length === 1 ? '' : 's'}…` : 'Adding…' });
        try {
          const found = files.length ? await client.transport.filesToPaths(files) : { paths: [], rejected: [] };
          rejected.push(...found.rejected);
          if (found.paths.length) set({ intakeBusy: 'Queuing…' });
          for (const paths of chunks(found.paths, ADD_MAX)) {
            const res = await client.invoke('jobs.addPaths', { paths });
            added += res.added;
            rejected.push(...res.rejected);
            for (const job of res.jobs) {
              batcher.hint(job);
              if (acceptedNames.length < REPORT_NAMES) acceptedNames.push(jobName(job));
            }
          }
        } catch (err) {
          reportError(err);
        } finally {
          set({ intakeBusy: null, lastIntake: { added, acceptedNames, rejected } });
        }
      },

      async exportResults(format) {
        if (get().exporting) return;
        set({ exporting: format });
        try {
          const app = get().app;
          let report: ExportReport;
          if (app?.canChooseFolder) {
            const { path } = await client.invoke('dialog.chooseFolder', {});
            if (!path) return; // the person cancelled the dialog
            const r = await client.invoke('results.export', { format, outDir: path });
            report = { format, jobs: r.jobs, fileName: r.fileName, file: r.file, downloaded: false };
          } else {
            const r = await client.invoke('results.export', { format });
            const download = client.transport.download;
            if (download) await download.call(client.transport, r.fileName);
            report = { format, jobs: r.jobs, fileName: r.fileName, file: r.file, downloaded: Boolean(download) };
          }
          set({ lastExport: report });
        } catch (err) {
          reportError(err);
        } finally {
          set({ exporting: null });
        }
      },

      async setConcurrency(n) {
        try {
          const { concurrency } = await client.invoke('engine.setConcurrency', { concurrency: n });
          set((s) => (s.app ? { app: { ...s.app, concurrency } } : {}));
        } catch (err) {
          reportError(err);
        }
      },

      async setPaused(paused) {
        try {
          const res = paused ? await client.invoke('engine.pause', {}) : await client.invoke('engine.resume', {});
          set((s) => (s.app ? { app: { ...s.app, paused: res.paused } } : {}));
        } catch (err) {
          reportError(err);
        }
      },

      reportError,

      dismissError(id) {
        set((s) => ({ errors: s.errors.filter((e) => e.id !== id) }));
      },
    };
  });
  return store;
}
