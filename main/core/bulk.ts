/** Bulk retry, cancel, delete or re-run of every job matching a filter; one failure does not stop the rest. */
import type { JobFilter } from '../../shared/job.js';
import { JobNotFoundError, type JobStore } from './store/job-store.js';

export type BulkAction = 'retry' | 'cancel' | 'delete' | 'rerun';
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
