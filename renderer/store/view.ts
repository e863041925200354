/**
 * A window onto a job list: the newest `limit` jobs matching a filter, newest
 * first. The jobs table and the batches panel each keep one. Pure functions,
 * so the store stays about wiring.
 */
import type { Job, JobStatus } from '../../shared/job.js';
import type { EventBatch } from './event-batch.js';

export type StatusFilter = JobStatus | 'all';

/** What a window shows: file jobs or batch parents, by status, optionally one batch's children. */
export interface ViewFilter {
  rows: 'files' | 'batches';
  status: StatusFilter;
  /** Only the children of this batch. */
  parentId: string | null;
}

export interface JobsView {
  jobs: Record<string, Job>;
  /** Ids, newest (highest seq) first. */
  order: string[];
  /** Older matching jobs exist beyond the window ("Load more"). */
  hasMore: boolean;
}

export const EMPTY_VIEW: JobsView = { jobs: {}, order: [], hasMore: false };

/**
 * File rows are file jobs. Batch parents (a folder, several files dropped at
 * once) are containers whose state derives from their children; the count
 * cards leave them out too, so the jobs table does the same and the batches
 * panel shows them instead.
 */
export function isFileJob(job: Job): boolean {
  return job.kind !== 'batch';
}

/** The kind and parent part of a filter: what the engine's list cannot get wrong by a status change. */
function belongs(f: ViewFilter, job: Job): boolean {
  if (isFileJob(job) !== (f.rows === 'files')) return false;
  return f.parentId === null || job.parentId === f.parentId;
}

export function matches(f: ViewFilter, job: Job): boolean {
  return belongs(f, job) && (f.status === 'all' || job.status === f.status);
}

/** jobs.list input for a filter (the kind of row is also checked here: the list may hold both). */
export function listInput(f: ViewFilter): { status?: JobStatus; parentId?: string; kind?: string } {
  return {
    ...(f.status === 'all' ? {} : { status: f.status }),
    ...(f.parentId === null ? {} : { parentId: f.parentId }),
    ...(f.rows === 'batches' ? { kind: 'batch' } : {}),
  };
}

/** Sorts the window and trims it to `limit`, dropping the oldest. */
function windowOf(jobs: Record<string, Job>, limit: number, hasMore: boolean): JobsView {
  const sorted = Object.values(jobs).sort((a, b) => b.seq - a.seq);
  if (sorted.length <= limit) return { jobs, order: sorted.map((j) => j.id), hasMore };
  for (const j of sorted.slice(limit)) delete jobs[j.id];
  return { jobs, order: sorted.slice(0, limit).map((j) => j.id), hasMore: true };
}

/** Folds one frame's events into the view. Returns the same view when nothing visible changed. */
export function applyBatch(view: JobsView, batch: EventBatch, filter: ViewFilter, limit: number): JobsView {
  let jobs: Record<string, Job> | undefined;
  const draft = () => (jobs ??= { ...view.jobs });
  let membershipChanged = false;
  const oldestId = view.order[view.order.length - 1];
  const oldestSeq = oldestId !== undefined ? view.jobs[oldestId]!.seq : -Infinity;

  const put = (job: Job, current: Job | undefined) => {
    if (matches(filter, job)) {
      // Older than the window's oldest row while more exist: it belongs to an unloaded page.
      if (!current && view.hasMore && job.seq < oldestSeq) return;
      if (!current) membershipChanged = true;
      draft()[job.id] = job;
    } else if (current) {
      delete draft()[job.id];
      membershipChanged = true;
    }
  };

  for (const [id, job] of batch.jobs) {
    const current = (jobs ?? view.jobs)[id];
    if (job === null) {
      if (current) {
        delete draft()[id];
        membershipChanged = true;
      }
      continue;
    }
    // Events come in order, but a snapshot loaded meanwhile may be newer.
    if (current && job.updatedAt < current.updatedAt) continue;
    put(job, current);
  }

  for (const [id, job] of batch.hints) {
    const current = (jobs ?? view.jobs)[id];
    if (!current || job.updatedAt > current.updatedAt) put(job, current);
  }

  for (const [id, p] of batch.progress) {
    const current = (jobs ?? view.jobs)[id];
    if (current?.status === 'running' && (current.processed !== p.processed || current.total !== p.total))
      draft()[id] = { ...current, processed: p.processed, total: p.total };
  }

  if (!jobs) return view;
  if (!membershipChanged) return { jobs, order: view.order, hasMore: view.hasMore };
  return windowOf(jobs, limit, view.hasMore);
}

/**
 * Replaces the window with a fresh list from the engine, keeping what events
 * told us since: newer versions of listed jobs, and jobs added after the
 * snapshot was taken. `removed` holds ids deleted recently, which a snapshot
 * taken just before the deletion would otherwise bring back.
 */
export function mergeSnapshot(view: JobsView, list: readonly Job[], filter: ViewFilter, limit: number, more: boolean, removed: ReadonlySet<string>): JobsView {
  const jobs: Record<string, Job> = {};
  for (const j of list) if (!removed.has(j.id) && belongs(filter, j)) jobs[j.id] = j;
  const newestListed = list.reduce((max, j) => Math.max(max, j.seq), -Infinity);
  for (const id of view.order) {
    const current = view.jobs[id]!;
    const listed = jobs[id];
    if (listed) {
      if (current.updatedAt > listed.updatedAt && matches(filter, current)) jobs[id] = current;
    } else if (current.seq > newestListed && matches(filter, current)) {
      jobs[id] = current;
    }
  }
  return windowOf(jobs, limit, more);
}

/** Appends an older page (keyset pagination) below the window. */
export function appendPage(view: JobsView, page: readonly Job[], filter: ViewFilter, more: boolean): JobsView {
  const jobs = { ...view.jobs };
  const order = [...view.order];
  for (const j of page) {
    if (jobs[j.id] || !belongs(filter, j)) continue;
    jobs[j.id] = j;
    order.push(j.id);
  }
  return { jobs, order, hasMore: more };
}
