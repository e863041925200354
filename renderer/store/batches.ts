/**
 * The batches panel: a window of the newest batches, grown by "Load more
 * batches", and each shown batch's progress (batches.progress: counts per
 * status, throughput, ETA), asked for again, throttled per batch, whenever
 * the batch or one of its children changes. Pushed events reach the window
 * through `fold`, reloads through `load`.
 */
import { ContractError, type Output } from '../../shared/contract.js';
import type { EventBatch, FrameBatcher } from './event-batch.js';
import type { SliceKit } from './slice.js';
import { KeyedThrottle } from './throttle.js';
import { appendPage, applyBatch, EMPTY_VIEW, mergeSnapshot, type JobsView, type ViewFilter } from './view.js';
import { fetchOlder, fetchWindow, type RecentlyRemoved } from './window-load.js';

export type BatchProgress = Omit<Output<'batches.progress'>, 'batch'>;

/** A batch as the table's scope and the intake report name it. */
export interface BatchRef {
  id: string;
  name: string;
}

export interface BatchesState {
  /** The newest batches, for the batches panel. */
  batchView: JobsView;
  batchLimit: number;
  loadingMoreBatches: boolean;
  /** Per batch: counts per status, progress, throughput, ETA (batches.progress). */
  batchProgress: Record<string, BatchProgress>;
}

export interface BatchesActions {
  loadMoreBatches(): Promise<void>;
}

/** Batches the panel holds before "Load more batches"; also its page size. */
const BATCH_PAGE_SIZE = 50;
/** A batch's progress is asked for at most this often (its job.changed may come many times a second). */
const PROGRESS_INTERVAL_MS = 500;

const BATCHES: ViewFilter = { rows: 'batches', status: 'all', parentId: null };

export interface BatchesSlice {
  slice: BatchesState & BatchesActions;
  /** Asks for a fresh window now; the returned step merges it in and asks for each batch's progress. */
  load(): Promise<() => void>;
  /** One frame of events: the batches that changed; the progress of those that left the window is forgotten. */
  fold(s: BatchesState, frame: EventBatch): Partial<BatchesState>;
  /** After a frame is applied: asks again for the progress of the shown batches it touched. */
  followUp(frame: EventBatch): void;
  /** Asks for one batch's progress (throttled). */
  requestProgress(id: string): void;
  dispose(): void;
}

export function createBatchesSlice(
  { client, set, get, reportError }: SliceKit<BatchesState>,
  removed: RecentlyRemoved,
  feed: Pick<FrameBatcher, 'hint'>,
): BatchesSlice {
  const progress = new KeyedThrottle(async (id) => {
    try {
      const { batch, ...p } = await client.invoke('batches.progress', { id });
      feed.hint(batch);
      set((s) => ({ batchProgress: { ...s.batchProgress, [id]: p } }));
    } catch (err) {
      // Deleted meanwhile: its job.removed is on its way.
      if (!(err instanceof ContractError && err.kind === 'not_found')) reportError(err);
    }
  }, PROGRESS_INTERVAL_MS);

  return {
    slice: {
      batchView: EMPTY_VIEW,
      batchLimit: BATCH_PAGE_SIZE,
      loadingMoreBatches: false,
      batchProgress: {},

      async loadMoreBatches() {
        const s = get();
        if (s.loadingMoreBatches || !s.batchView.hasMore) return;
        set({ loadingMoreBatches: true });
        try {
          const page = await fetchOlder(client, s.batchView, BATCHES, BATCH_PAGE_SIZE);
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
    },

    async load() {
      const { list, more } = await fetchWindow(client, BATCHES, get().batchLimit);
      return () => {
        set((s) => ({ batchView: mergeSnapshot(s.batchView, list, BATCHES, s.batchLimit, more, removed.ids()) }));
        for (const id of get().batchView.order) progress.request(id);
      };
    },

    fold(s, frame) {
      const batchView = applyBatch(s.batchView, frame, BATCHES, s.batchLimit);
      if (batchView === s.batchView) return {};
      if (batchView.order === s.batchView.order) return { batchView };
      // Batches that left the window: forget their progress.
      const kept: Record<string, BatchProgress> = {};
      for (const id of batchView.order) if (s.batchProgress[id]) kept[id] = s.batchProgress[id];
      return { batchView, batchProgress: kept };
    },

    followUp(frame) {
      // A batch's counts move when it or one of its children changes: ask again (throttled).
      const shown = get().batchView.jobs;
      for (const [id, job] of frame.jobs) {
        if (job === null) progress.forget(id);
        else {
          if (id in shown) progress.request(id);
          if (job.parentId && job.parentId in shown) progress.request(job.parentId);
        }
      }
    },

    requestProgress: (id) => progress.request(id),
    dispose: () => progress.dispose(),
  };
}
