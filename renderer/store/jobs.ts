/**
 * The dashboard's state. Pushed events feed it (never polling): they are
 * batched per animation frame (FrameBatcher) and folded into two bounded
 * windows — the newest file jobs matching the table's filter, and the newest
 * batches. Requests go through the typed client; their failures land in
 * `errors`, which the alert region shows.
 */
import { relativePathOf } from '../transport/relative-path.js';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Client } from '../../shared/client.js';
import { ContractError, type ExportFormat, type Output, type Rejection } from '../../shared/contract.js';
import type { FailureAction, Job, JobStats } from '../../shared/job.js';
import { jobName, type RowAction } from '../lib/job-view.js';
import { createAutomationSlice, DEFAULT_DEFINITION, type AutomationActions, type AutomationState } from './automation.js';
import { FrameBatcher } from './event-batch.js';
import { KeyedThrottle } from './throttle.js';
import { appendPage, applyBatch, EMPTY_VIEW, isFileJob, listInput, mergeSnapshot, type JobsView, type StatusFilter, type ViewFilter } from './view.js';

export type AppInfo = Output<'app.info'>;
export type BatchProgress = Omit<Output<'batches.progress'>, 'batch'>;

/** Rows the table holds before "Load more"; also the page size. */
export const PAGE_SIZE = 500;
/** Batches the panel holds before "Load more batches"; also its page size. */
export const BATCH_PAGE_SIZE = 50;
/** jobs.list answers at most this many per call. */
const LIST_MAX = 1000;
/** The top folder every relative path shares ("scans/a.pdf", "scans/x/b.pdf" -> "scans"), if any. */
export function commonFolder(relativePaths: readonly string[]): string | undefined {
  const tops = new Set(relativePaths.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  const [top] = tops;
  return tops.size === 1 && top ? top : undefined;
}

/** jobs.addPaths takes at most this many paths per call. */
const ADD_MAX = 10_000;
/** Bulk actions take at most this many ids per call. */
const IDS_MAX = 1000;
/** How many accepted names an intake report lists (the count is always exact). */
const REPORT_NAMES = 50;
/** How long a deletion shields against a snapshot taken just before it. */
const REMOVED_TTL_MS = 30_000;
/** A batch's progress is asked for at most this often (its job.changed may come many times a second). */
const PROGRESS_INTERVAL_MS = 500;
/** A large intake announces itself once ('jobs.added'); reloads for a burst of them are merged. */
const RELOAD_DELAY_MS = 250;

export interface BatchRef {
  id: string;
  name: string;
}

export interface IntakeReport {
  added: number;
  acceptedNames: string[];
  rejected: Rejection[];
  /** The batches the files were grouped under (one per 10,000 files), if any. */
  batches: BatchRef[];
  definition: string;
}

/** What new files are queued with: chosen next to the drop zone. */
export interface IntakeOptions {
  definition: string;
  failureAction: FailureAction;
  /** Only used with stop_all: failed children tolerated before the rest is cancelled (0 = no limit). */
  maxChildFailures: number;
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

export interface JobsState extends JobsView, AutomationState {
  ready: boolean;
  app: AppInfo | null;
  stats: JobStats | null;
  filter: StatusFilter;
  /** The table shows this batch's children only, or every file job when null. */
  parent: BatchRef | null;
  /** Rows the window keeps: grows by PAGE_SIZE with each "Load more". */
  limit: number;
  loadingMore: boolean;
  selection: ReadonlySet<string>;
  /** The newest batches, for the batches panel. */
  batchView: JobsView;
  batchLimit: number;
  loadingMoreBatches: boolean;
  /** Per batch: counts per status, progress, throughput, ETA (batches.progress). */
  batchProgress: Record<string, BatchProgress>;
  intakeOptions: IntakeOptions;
  /** What intake is doing right now ("Uploading 3 files…"), or null. */
  intakeBusy: string | null;
  lastIntake: IntakeReport | null;
  exporting: ExportFormat | null;
  lastExport: ExportReport | null;
  errors: UiError[];
}

export interface JobsActions extends AutomationActions {
  /** Subscribes to events and loads everything; returns the unsubscribe. */
  start(): () => void;
  refresh(): Promise<void>;
  setFilter(filter: StatusFilter): void;
  /** Scopes the table to a batch's children (null: back to every file job). */
  showChildren(batch: BatchRef | null): void;
  loadMore(): Promise<void>;
  loadMoreBatches(): Promise<void>;
  toggleSelected(id: string): void;
  setSelection(ids: readonly string[]): void;
  act(action: RowAction, ids: readonly string[]): Promise<void>;
  setBatchPaused(id: string, paused: boolean): Promise<void>;
  setIntakeOptions(options: Partial<IntakeOptions>): void;
  intake(files: readonly File[], preRejected?: readonly Rejection[]): Promise<void>;
  exportResults(format: ExportFormat): Promise<void>;
  setConcurrency(n: number): Promise<void>;
  setPaused(paused: boolean): Promise<void>;
  reportError(err: unknown): void;
  dismissError(id: number): void;
}

export type JobsStore = StoreApi<JobsState & JobsActions>;

/** What a batch row may do, passed in rather than selected per row. */
export type BatchActions = Pick<JobsActions, 'act' | 'setBatchPaused' | 'showChildren'>;

const BATCHES: ViewFilter = { rows: 'batches', status: 'all', parentId: null };

function fileFilter(s: Pick<JobsState, 'filter' | 'parent'>): ViewFilter {
  return { rows: 'files', status: s.filter, parentId: s.parent?.id ?? null };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Only the fields of a view: `view` may be a spread of the whole state. */
function viewOf(v: JobsView): JobsView {
  return { jobs: v.jobs, order: v.order, hasMore: v.hasMore };
}

export function createJobsStore(client: Client): JobsStore {
  let nextErrorId = 1;
  /** Bumped whenever the table's window is reset, so late answers for an old filter are dropped. */
  let viewToken = 0;
  /**
   * Counts pushed stats events. A jobs.stats reply asked for before the
   * latest push may be older than it (the reply waits for the lists fetched
   * with it) and must not overwrite it: after the last change the engine
   * always pushes once more, so the pushed counts are the ones that settle.
   */
  let statsPushes = 0;
  const removedAt = new Map<string, number>();

  const recentlyRemoved = (): Set<string> => {
    const cutoff = Date.now() - REMOVED_TTL_MS;
    for (const [id, at] of removedAt) if (at < cutoff) removedAt.delete(id);
    return new Set(removedAt.keys());
  };

  const store = createStore<JobsState & JobsActions>()((set, get) => {
    const progress = new KeyedThrottle(async (id) => {
      try {
        const { batch, ...p } = await client.invoke('batches.progress', { id });
        batcher.hint(batch);
        set((s) => ({ batchProgress: { ...s.batchProgress, [id]: p } }));
      } catch (err) {
        // Deleted meanwhile: its job.removed is on its way.
        if (!(err instanceof ContractError && err.kind === 'not_found')) reportError(err);
      }
    }, PROGRESS_INTERVAL_MS);

    const batcher = new FrameBatcher((batch) => {
      for (const [id, job] of batch.jobs) if (job === null) removedAt.set(id, Date.now());
      set((s) => {
        const next: Partial<JobsState> = batch.stats ? { stats: batch.stats } : {};
        const view = applyBatch(s, batch, fileFilter(s), s.limit);
        if (view !== s) {
          Object.assign(next, viewOf(view));
          if (view.order !== s.order && s.selection.size > 0) {
            next.selection = new Set([...s.selection].filter((id) => id in view.jobs));
          }
        }
        const batches = applyBatch(s.batchView, batch, BATCHES, s.batchLimit);
        if (batches !== s.batchView) {
          next.batchView = batches;
          if (batches.order !== s.batchView.order) {
            // Batches that left the window: forget their progress.
            const kept: Record<string, BatchProgress> = {};
            for (const id of batches.order) if (s.batchProgress[id]) kept[id] = s.batchProgress[id];
            next.batchProgress = kept;
          }
        }
        return next;
      });
      // A batch's counts move when it or one of its children changes: ask again (throttled).
      const shown = get().batchView.jobs;
      for (const [id, job] of batch.jobs) {
        if (job === null) progress.forget(id);
        else {
          if (id in shown) progress.request(id);
          if (job.parentId && job.parentId in shown) progress.request(job.parentId);
        }
      }
    });

    /** The newest `limit` jobs for `filter`, in pages the contract allows. */
    const fetchWindow = async (filter: ViewFilter, limit: number): Promise<{ list: Job[]; more: boolean }> => {
      const list: Job[] = [];
      let before: number | undefined;
      for (;;) {
        const want = Math.min(LIST_MAX, limit - list.length);
        const page = await client.invoke('jobs.list', { limit: want, ...listInput(filter), ...(before === undefined ? {} : { before }) });
        // Rows of the other kind may come back too; the cursor still moves past them.
        list.push(...page.filter((j) => isFileJob(j) === (filter.rows === 'files')));
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

    /** Empties the table at once for a new filter or scope, then loads it. */
    const resetTable = (change: Partial<Pick<JobsState, 'filter' | 'parent'>>) => {
      const token = ++viewToken;
      // Rows of the old filter never show under the new one; events arriving
      // meanwhile fill it, the snapshot below completes it.
      set({ ...change, limit: PAGE_SIZE, jobs: {}, order: [], hasMore: false, selection: new Set() });
      fetchWindow(fileFilter(get()), PAGE_SIZE).then(
        ({ list, more }) => {
          if (token === viewToken) set((s) => viewOf(mergeSnapshot(s, list, fileFilter(s), s.limit, more, recentlyRemoved())));
        },
        (err) => token === viewToken && reportError(err),
      );
    };

    /** After a batch is deleted, its descendants are gone too: shown at once (their job.removed events agree). */
    const dropDescendants = (batchIds: readonly string[]) => {
      const gone = new Set(batchIds);
      const batches = Object.values(get().batchView.jobs);
      for (let grew = true; grew; ) {
        grew = false;
        for (const b of batches)
          if (b.parentId && gone.has(b.parentId) && !gone.has(b.id)) {
            gone.add(b.id);
            grew = true;
          }
      }
      const { jobs, parent } = get();
      for (const j of Object.values(jobs)) if (j.parentId && gone.has(j.parentId)) batcher.jobRemoved({ id: j.id });
      for (const id of gone) batcher.jobRemoved({ id });
      if (parent && gone.has(parent.id)) get().showChildren(null);
    };

    let reloadTimer: ReturnType<typeof setTimeout> | undefined;
    const reloadSoon = () => {
      reloadTimer ??= setTimeout(() => {
        reloadTimer = undefined;
        void get().refresh();
      }, RELOAD_DELAY_MS);
    };

    const automation = createAutomationSlice(client, set, get, reportError);

    return {
      ...automation,
      ready: false,
      app: null,
      stats: null,
      ...EMPTY_VIEW,
      filter: 'all',
      parent: null,
      limit: PAGE_SIZE,
      loadingMore: false,
      selection: new Set(),
      batchView: EMPTY_VIEW,
      batchLimit: BATCH_PAGE_SIZE,
      loadingMoreBatches: false,
      batchProgress: {},
      intakeOptions: { definition: DEFAULT_DEFINITION, failureAction: 'continue', maxChildFailures: 0 },
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
          client.on('stats.changed', (s) => {
            statsPushes++;
            batcher.statsChanged(s);
          }),
          // A large intake comes as one event instead of one per job: reload the windows.
          client.on('jobs.added', () => reloadSoon()),
        ];
        const transport = client.transport;
        if (transport.onResync)
          offs.push(
            transport.onResync(() => {
              void get().refresh();
              void get().loadAutomation();
            }),
          );
        void get().refresh();
        void get().loadAutomation();
        return () => {
          for (const off of offs) off();
          batcher.dispose();
          progress.dispose();
          clearTimeout(reloadTimer);
        };
      },

      async refresh() {
        const token = viewToken;
        const s0 = get();
        const pushes = statsPushes;
        // Each part on its own: one failing channel must not blank the others.
        const [app, stats, listed, batches] = await Promise.allSettled([
          client.invoke('app.info', {}),
          client.invoke('jobs.stats', {}),
          fetchWindow(fileFilter(s0), s0.limit),
          fetchWindow(BATCHES, s0.batchLimit),
        ]);
        set({ ready: true });
        if (app.status === 'fulfilled') set({ app: app.value });
        if (stats.status === 'fulfilled' && pushes === statsPushes) set({ stats: stats.value });
        if (listed.status === 'fulfilled' && token === viewToken) {
          const { list, more } = listed.value;
          set((s) => viewOf(mergeSnapshot(s, list, fileFilter(s), s.limit, more, recentlyRemoved())));
        }
        if (batches.status === 'fulfilled') {
          const { list, more } = batches.value;
          set((s) => ({ batchView: mergeSnapshot(s.batchView, list, BATCHES, s.batchLimit, more, recentlyRemoved()) }));
          for (const id of get().batchView.order) progress.request(id);
        }
        for (const r of [app, stats, listed, batches]) if (r.status === 'rejected') reportError(r.reason);
      },

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
        const oldest = s.jobs[s.order[s.order.length - 1] ?? '']?.seq;
        set({ loadingMore: true });
        try {
          const filter = fileFilter(s);
          const page = await client.invoke('jobs.list', {
            limit: PAGE_SIZE,
            ...listInput(filter),
            ...(oldest === undefined ? {} : { before: oldest }),
          });
          if (token !== viewToken) return;
          set((cur) => ({ ...viewOf(appendPage(cur, page, filter, page.length === PAGE_SIZE)), limit: cur.limit + PAGE_SIZE }));
        } catch (err) {
          reportError(err);
        } finally {
          set({ loadingMore: false });
        }
      },

      async loadMoreBatches() {
        const s = get();
        if (s.loadingMoreBatches || !s.batchView.hasMore) return;
        const oldest = s.batchView.jobs[s.batchView.order[s.batchView.order.length - 1] ?? '']?.seq;
        set({ loadingMoreBatches: true });
        try {
          const page = await client.invoke('jobs.list', {
            limit: BATCH_PAGE_SIZE,
            ...listInput(BATCHES),
            ...(oldest === undefined ? {} : { before: oldest }),
          });
          set((cur) => ({
            batchView: appendPage(cur.batchView, page, BATCHES, page.length === BATCH_PAGE_SIZE),
            batchLimit: cur.batchLimit + BATCH_PAGE_SIZE,
          }));
          for (const j of page) progress.request(j.id);
        } catch (err) {
          reportError(err);
        } finally {
          set({ loadingMoreBatches: false });
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
            if (action === 'delete') dropDescendants(res.jobs.filter((j) => j.kind === 'batch').map((j) => j.id));
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

      async setBatchPaused(id, paused) {
        try {
          batcher.hint(paused ? await client.invoke('batches.pause', { id }) : await client.invoke('batches.resume', { id }));
        } catch (err) {
          reportError(err);
          return;
        }
        // Its pending files were held or released without events of their own: reload what the table shows.
        void get().refresh();
      },

      setIntakeOptions(options) {
        set((s) => ({ intakeOptions: { ...s.intakeOptions, ...options } }));
      },

      async intake(files, preRejected = []) {
        const rejected: Rejection[] = [...preRejected];
        const acceptedNames: string[] = [];
        const batches: BatchRef[] = [];
        const { definition, failureAction, maxChildFailures } = get().intakeOptions;
        let added = 0;
        set({ intakeBusy: client.transport.kind === 'browser' ? `Uploading ${files.length} file${files.length === 1 ? '' : 's'}…` : 'Adding…' });
        try {
          const found = files.length ? await client.transport.filesToPaths(files) : { paths: [], rejected: [] };
          // A folder dropped in the browser arrives as separate uploads: name its batch after the folder.
          const batchName = commonFolder(files.map(relativePathOf));
          rejected.push(...found.rejected);
          if (found.paths.length) set({ intakeBusy: 'Queuing…' });
          for (const paths of chunks(found.paths, ADD_MAX)) {
            const res = await client.invoke('jobs.addPaths', {
              paths,
              ...(batchName ? { batchName } : {}),
              failureAction,
              ...(failureAction === 'stop_all' ? { maxChildFailures } : {}),
              ...(definition !== DEFAULT_DEFINITION ? { definition } : {}),
            });
            added += res.added;
            rejected.push(...res.rejected);
            if (res.batch) {
              batcher.hint(res.batch);
              batches.push({ id: res.batch.id, name: jobName(res.batch) });
              progress.request(res.batch.id);
            }
            for (const job of res.jobs) {
              batcher.hint(job);
              if (acceptedNames.length < REPORT_NAMES) acceptedNames.push(jobName(job));
            }
          }
        } catch (err) {
          reportError(err);
        } finally {
          set({ intakeBusy: null, lastIntake: { added, acceptedNames, rejected, batches, definition } });
        }
      },

      async exportResults(format) {
        if (get().exporting) return;
        set({ exporting: format });
        try {
          const app = get().app;
          let report: ExportReport;
          if (app?.canChooseFolder) {
            const { handle } = await client.invoke('dialog.chooseFolder', {});
            if (!handle) return; // the person cancelled the dialog
            const r = await client.invoke('results.export', { format, folder: handle });
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
