/**
 * Bulk retry, cancel, delete or re-run. One failure does not stop the rest.
 *
 * - `bulkApply`: every job matching a CLI filter (`quarry retry --status failed`).
 * - `bulkList`: the dashboard's selection, by ids or by list filter, which
 *   never touches a running job (a person clearing finished work must not
 *   kill what runs: HandBrake #2587) and says what it left alone and why.
 */
import type { JobFilter, JobStatus } from '../../shared/job.js';
import { listTargetSchema, type BulkOutcome, type ListBulkAction, type ListTarget, type SkipReason } from '../../shared/list-query.js';
import { JobNotFoundError, type JobStore } from './store/job-store.js';

export type BulkAction = ListBulkAction;
export type BulkFilter = Omit<JobFilter, 'limit' | 'before'>;

export function bulkApply(store: JobStore, action: BulkAction, filter: BulkFilter) {
  const done: string[] = [];
  const errors: Array<{ id: string; message: string }> = [];
  for (const id of store.ids(filter)) {
    try {
      store[action](id);
      done.push(id);
    } catch (err) {
      // A child deleted with its batch earlier in this loop is not an error.
      if (action === 'delete' && err instanceof JobNotFoundError) continue;
      errors.push({ id, message: (err as Error).message });
    }
  }
  return { done, errors };
}

/** The statuses each action takes from in bulk: cancel only what has not started. */
const FROM: Record<BulkAction, readonly JobStatus[]> = {
  retry: ['failed', 'cancelled', 'partial'],
  cancel: ['pending'],
  delete: ['completed', 'failed', 'cancelled', 'partial'],
  rerun: ['completed', 'failed', 'cancelled', 'partial'],
};

/** Why a job in `status` is left alone by `action` (only asked when FROM refuses it). */
function skipReason(action: BulkAction, status: JobStatus): SkipReason {
  if (status === 'running') return 'running';
  if (action === 'cancel') return 'finished';
  if (status === 'pending') return 'pending';
  return 'completed';
}

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Errors kept in the answer at most; the count says the rest. */
const ERRORS_MAX = 100;
/** Jobs written per transaction: one commit per page, not per job. */
const PAGE = 1000;

/**
 * A page at a time, each in its own transaction, yielding to the event loop
 * between pages: deleting 10,000 jobs must not stall the engine (the
 * extraction host's heartbeat, the scheduler, the event stream) for seconds.
 */
export async function bulkList(store: JobStore, action: BulkAction, rawTarget: ListTarget): Promise<BulkOutcome> {
  const target = listTargetSchema.parse(rawTarget);
  const outcome: BulkOutcome = { action, done: 0, skipped: {}, errors: [] };
  let failures = 0;
  const skip = (why: SkipReason) => (outcome.skipped[why] = (outcome.skipped[why] ?? 0) + 1);

  // Each job's status is read inside the page's transaction, right before acting:
  // a job that started meanwhile is seen running and left alone.
  const apply = (ids: readonly string[]) =>
    store.tx(() => {
      for (const id of ids) {
        const status = store.get(id)?.status;
        if (status === undefined) skip('gone');
        else if (!FROM[action].includes(status)) skip(skipReason(action, status));
        else {
          try {
            store[action](id);
            outcome.done++;
          } catch (err) {
            // Deleted meanwhile (with its batch, or by another process): nothing left to do.
            if (err instanceof JobNotFoundError) skip('gone');
            else if (failures++ < ERRORS_MAX) outcome.errors.push({ id, message: (err as Error).message });
          }
        }
      }
    });

  if ('ids' in target) {
    // Exact ids only: a bulk action never guesses a prefix.
    for (let i = 0; i < target.ids.length; i += PAGE) {
      apply(target.ids.slice(i, i + PAGE));
      await breathe();
    }
  } else {
    const except = new Set(target.except);
    // Keyset pages read between writes (matching), so the writes never meet an open cursor.
    for (const page of store.matching(target.filter, PAGE)) {
      apply(page.filter((j) => !except.has(j.id)).map((j) => j.id));
      await breathe();
    }
  }
  return outcome;
}
