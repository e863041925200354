/**
 * Loading a window (view.ts) from the engine, for the jobs table and the
 * batches panel alike: the newest `limit` jobs in the pages jobs.list allows,
 * the next older page for "Load more", and the ids deleted lately, which a
 * snapshot taken just before the deletion would otherwise bring back.
 */
import type { Client } from '../../shared/client.js';
import type { Job } from '../../shared/job.js';
import type { EventBatch } from './event-batch.js';
import { isFileJob, listInput, type JobsView, type ViewFilter } from './view.js';

/** jobs.list answers at most this many per call. */
const LIST_MAX = 1000;
/** How long a deletion shields against a snapshot taken just before it. */
const REMOVED_TTL_MS = 30_000;

/** The newest `limit` jobs for `filter`, in pages the contract allows. */
export async function fetchWindow(client: Client, filter: ViewFilter, limit: number): Promise<{ list: Job[]; more: boolean }> {
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
}

/** The `size` jobs for `filter` just older than the window's oldest row (keyset pagination). */
export function fetchOlder(client: Client, view: JobsView, filter: ViewFilter, size: number): Promise<Job[]> {
  const oldest = view.jobs[view.order[view.order.length - 1] ?? '']?.seq;
  return client.invoke('jobs.list', { limit: size, ...listInput(filter), ...(oldest === undefined ? {} : { before: oldest }) });
}

/** The ids removed in the last REMOVED_TTL_MS, for mergeSnapshot. */
export class RecentlyRemoved {
  private readonly removedAt = new Map<string, number>();

  /** Notes the removals in a frame of events. */
  note(frame: EventBatch): void {
    for (const [id, job] of frame.jobs) if (job === null) this.removedAt.set(id, Date.now());
  }

  ids(): Set<string> {
    const cutoff = Date.now() - REMOVED_TTL_MS;
    for (const [id, at] of this.removedAt) if (at < cutoff) this.removedAt.delete(id);
    return new Set(this.removedAt.keys());
  }
}
