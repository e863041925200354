/**
 * What a person does to queued jobs: retry, cancel or delete them (a row, or
 * a few ids in pieces the contract accepts), a bulk action on the list's
 * selection or on everything matching a filter (list.bulk: running jobs are
 * never touched, and the reply says what was skipped and why), and pause or
 * resume a batch. Each reply is shown at once; the events that follow agree with it.
 */
import { describeOutcome, type ListBulkAction, type ListTarget } from '../../shared/list-query.js';
import type { RowAction } from '../lib/job-view.js';
import type { BatchesState } from './batches.js';
import type { ConnectionActions } from './connection.js';
import { message } from './errors.js';
import type { FrameBatcher } from './event-batch.js';
import { chunks, type SliceKit } from './slice.js';
import type { TableActions, TableState } from './table.js';

export interface QueuedJobActionsState {
  /** What the last bulk action did ("412 retried, 3 skipped: still running"), for the list's status line. */
  bulkOutcome: { text: string; at: number } | null;
  bulkRunning: boolean;
}

export interface QueuedJobActions {
  act(action: RowAction, ids: readonly string[]): Promise<void>;
  /** A bulk action on a selection or a filter; clears the selection and reloads the list. */
  bulk(action: ListBulkAction, target: ListTarget): Promise<void>;
  setBatchPaused(id: string, paused: boolean): Promise<void>;
  /** A failed encrypted file, queued again with the password the person typed; false when that was refused (said in the error banner). */
  retryWithPassword(id: string, password: string): Promise<boolean>;
}

/** Bulk actions take at most this many ids per call. */
const IDS_MAX = 1000;

/** What these actions read, and the other actions they call. */
type Reads = Pick<TableState, 'jobs' | 'parent' | 'selection'> &
  QueuedJobActionsState &
  Pick<BatchesState, 'batchView'> &
  Pick<TableActions, 'showChildren' | 'clearSelection' | 'reloadList'> &
  Pick<ConnectionActions, 'refresh'>;

export function createQueuedJobActions(
  { client, set, get, reportError }: SliceKit<Reads>,
  feed: Pick<FrameBatcher, 'hint' | 'jobRemoved'>,
): QueuedJobActions & QueuedJobActionsState {
  /** After a batch is deleted, its descendants are gone too: shown at once (their job.removed events agree). */
  const dropDescendants = (batchIds: readonly string[]) => {
    const gone = new Set(batchIds);
    const batches = Object.values(get().batchView.jobs);
    for (let grew = true; grew;) {
      grew = false;
      for (const b of batches)
        if (b.parentId && gone.has(b.parentId) && !gone.has(b.id)) {
          gone.add(b.id);
          grew = true;
        }
    }
    const { jobs, parent } = get();
    for (const j of Object.values(jobs)) if (j.parentId && gone.has(j.parentId)) feed.jobRemoved({ id: j.id });
    for (const id of gone) feed.jobRemoved({ id });
    if (parent && gone.has(parent.id)) get().showChildren(null);
  };

  return {
    bulkOutcome: null,
    bulkRunning: false,

    async bulk(action, target) {
      set({ bulkRunning: true });
      try {
        const outcome = await client.invoke('list.bulk', { action, target });
        set({ bulkOutcome: { text: describeOutcome(outcome), at: Date.now() } });
        get().clearSelection();
      } catch (err) {
        reportError(err);
      } finally {
        set({ bulkRunning: false });
        void get().reloadList();
      }
    },

    async act(action, ids) {
      if (ids.length === 0) return;
      const channel = action === 'retry' ? 'jobs.retry' : action === 'cancel' ? 'jobs.cancel' : 'jobs.delete';
      const failures: string[] = [];
      try {
        for (const part of chunks(ids, IDS_MAX)) {
          const res = await client.invoke(channel, { ids: part });
          // Show the outcome now; the matching events will agree.
          for (const job of res.jobs) action === 'delete' ? feed.jobRemoved({ id: job.id }) : feed.hint(job);
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

    async retryWithPassword(id, password) {
      try {
        feed.hint(await client.invoke('jobs.retryWithPassword', { id, password }));
        return true;
      } catch (err) {
        reportError(err);
        return false;
      }
    },

    async setBatchPaused(id, paused) {
      try {
        feed.hint(paused ? await client.invoke('batches.pause', { id }) : await client.invoke('batches.resume', { id }));
      } catch (err) {
        reportError(err);
        return;
      }
      // Its pending files were held or released without events of their own: reload what the table shows.
      void get().refresh();
    },
  };
}
