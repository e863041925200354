/**
 * The list's actions as the toolbar and the keyboard both use them: bulk
 * retry, cancel, delete and re-run of the selection, "Retry all failed",
 * "Clear finished", and a row's delete. Each destructive one asks first,
 * with the exact count, and none touches a running job (the engine skips
 * them and says so).
 */
import { useStore } from 'zustand';
import { useContext } from 'react';
import { TERMINAL_STATUSES, type JobStatus } from '../../../shared/job.js';
import type { ListBulkAction, ListFilter, ListTarget } from '../../../shared/list-query.js';
import { canDo, jobName, type RowAction } from '../../lib/job-view.js';
import { StoreContext } from '../../store/context.js';
import type { JobsActions, JobsState } from '../../store/jobs.js';
import { selectedCount } from '../../store/table.js';
import { useConfirm } from './ConfirmDialog.js';

type S = JobsState & JobsActions;

const n = (x: number) => x.toLocaleString('en-US');
const jobs = (x: number) => `${n(x)} job${x === 1 ? '' : 's'}`;

/** The selection as list.bulk takes it: ids, or the filter it was counted under (up to the seq it was counted at). */
export function selectionTarget(s: Pick<S, 'selection' | 'allMatching'>): ListTarget | null {
  if (s.allMatching) return { filter: { ...s.allMatching.filter, upToSeq: s.allMatching.maxSeq }, except: [...s.allMatching.except] };
  if (s.selection.size > 0) return { ids: [...s.selection] };
  return null;
}

/** The statuses of `wanted` that the view's own status filter allows. */
function within(filter: ListFilter, wanted: readonly JobStatus[]): JobStatus[] {
  return filter.status ? wanted.filter((st) => filter.status!.includes(st)) : [...wanted];
}

const ASK: Partial<Record<ListBulkAction, { verb: string; note: string }>> = {
  delete: { verb: 'Delete', note: 'Their results are deleted too. Running and unfinished jobs are left alone.' },
  cancel: { verb: 'Cancel', note: 'Only jobs that have not started are cancelled; running jobs are left alone.' },
  rerun: { verb: 'Run again', note: 'Their current results are replaced. Running and pending jobs are left alone.' },
};

export function useListCommands() {
  const store = useContext(StoreContext)!;
  const confirm = useConfirm();
  const count = useStore(store, selectedCount);
  const get = store.getState;

  /** A bulk action on the selection; destructive ones ask first. */
  const onSelection = (action: ListBulkAction) => {
    const s = get();
    const target = selectionTarget(s);
    if (!target) return;
    const total = selectedCount(s);
    const ask = ASK[action];
    if (!ask) return void s.bulk(action, target);
    confirm({
      title: `${ask.verb} ${jobs(total)}?`,
      message: `${ask.verb} the ${jobs(total)} selected. ${ask.note}`,
      confirmLabel: `${ask.verb} ${jobs(total)}`,
      danger: action !== 'rerun',
      run: () => s.bulk(action, target),
    });
  };

  /** Counts what a filter-wide action covers right now, then asks with that exact number. */
  const onFilter = async (action: ListBulkAction, statuses: JobStatus[], say: (count: number) => { title: string; message: string; label: string }) => {
    const s = get();
    if (statuses.length === 0) return void s.reportError('Nothing of that kind is in this view: its status filter leaves it out.');
    const filter: ListFilter = { ...s.view.filter, status: statuses };
    let counted: { total: number | null; maxSeq: number };
    try {
      counted = await s.countMatching(filter);
    } catch (err) {
      return void s.reportError(err);
    }
    const total = counted.total ?? 0;
    const text = say(total);
    if (total === 0) return void s.reportError(text.title);
    confirm({
      title: text.title,
      message: text.message,
      confirmLabel: text.label,
      danger: action === 'delete',
      run: () => s.bulk(action, { filter: { ...filter, upToSeq: counted.maxSeq } }),
    });
  };

  return {
    selected: count,
    onSelection,

    retryAllFailed: () =>
      onFilter('retry', within(get().view.filter, ['failed']), (c) => ({
        title: c === 0 ? 'No failed jobs to retry here.' : `Retry ${jobs(c)} that failed?`,
        message: `All ${jobs(c)} that failed${get().view.filter.batch || Object.keys(get().view.filter).length > 1 ? ' in this view' : ''} are queued again.`,
        label: `Retry ${jobs(c)}`,
      })),

    clearFinished: () => {
      const statuses = within(get().view.filter, TERMINAL_STATUSES);
      return onFilter('delete', statuses, (c) => ({
        title: c === 0 ? 'No finished jobs to clear here.' : `Delete ${jobs(c)} that finished?`,
        message: `Delete the ${jobs(c)} that finished (${statuses.join(', ')}) in this view, with their results. Running and pending jobs are not touched.`,
        label: `Delete ${jobs(c)}`,
      }));
    },

    /** A row's action; deleting asks first. */
    onRow: (action: RowAction, id: string) => {
      const s = get();
      const job = s.jobs[id];
      if (!job || !canDo(action, job.status)) return;
      if (action !== 'delete') return void s.act(action, [id]);
      confirm({
        title: `Delete “${jobName(job)}”?`,
        message: 'The job and its result are deleted. This cannot be undone.',
        confirmLabel: 'Delete 1 job',
        danger: true,
        run: () => s.act('delete', [id]),
      });
    },
  };
}
