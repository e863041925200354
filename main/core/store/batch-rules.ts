/**
 * Batch and dependency rules: what follows when a job changes, in the same
 * transaction as the change.
 *
 * - A job that reaches a terminal status releases, fails or skips the jobs
 *   that depend on it, and settles its batch (`finished`).
 * - A batch starts with its first child, applies its error tolerance as
 *   children finish, and ends when none is left to run (`settleBatch`).
 * - A cancelled batch cancels its unfinished children (`cancelChildren`); a
 *   retried one takes its unsuccessful children along, and a finished batch
 *   above a retried job reopens (`requeue`).
 * - Dependencies are recorded here, and a paused batch holds its children.
 */
import { BLOCKED, isTerminal, type Job, type JobStatus } from '../../../shared/job.js';
import { assertCan, InvalidTransitionError } from '../state-machine.js';
import type { StoreCore } from './core.js';
import type { JobError } from './rows.js';

/** What follows a job reaching a terminal status: its dependents, then its batch. */
export function finished(s: StoreCore, job: Job): Job {
  finishedMany(s, [job]);
  return job;
}

/** The same for many jobs at once: dependents looked up in one query, each batch settled once. */
export function finishedMany(s: StoreCore, jobs: readonly Job[]): void {
  if (!jobs.length) return;
  for (const job of jobs) s.announce('changed', job);
  const withDependents = new Set(s.sql.dependedOn.all(JSON.stringify(jobs.map((j) => j.id))) as string[]);
  for (const job of jobs) {
    if (!withDependents.has(job.id)) continue;
    if (job.status === 'completed') releaseDependents(s, job.id);
    else if (job.status === 'failed' || job.status === 'cancelled') settleDependents(s, job);
  }
  for (const parentId of parentsOf(jobs)) settleBatch(s, parentId);
}

export function parentsOf(jobs: readonly Job[]): Set<string> {
  return new Set(jobs.map((j) => j.parentId).filter((p): p is string => !!p));
}

// ---- dependencies -----------------------------------------------------------

/** Records that `id` waits for `dependsOn` (ids or prefixes): held while any is unfinished. */
export function addDependencies(s: StoreCore, id: string, dependsOn: readonly string[]): void {
  const deps = dependsOn.map((d) => s.resolve(d));
  for (const d of deps) s.sql.insertDependency.run(id, d.id);
  if (unmetDependencies(s, id)) s.sql.setBlocked.run(BLOCKED.waitingForDependencies, id);
  // A dependency that already failed settles this job at once.
  for (const d of deps) if (d.status === 'failed' || d.status === 'cancelled') settleDependents(s, d);
}

function unmetDependencies(s: StoreCore, id: string): number {
  return (s.sql.unmetDependencies.get(id) as { n: number }).n;
}

/** Clears the "waiting for dependencies" hold of jobs whose dependencies have all completed. */
function releaseDependents(s: StoreCore, id: string): void {
  for (const depId of s.sql.dependents.all(id) as string[]) {
    if (unmetDependencies(s, depId) === 0) {
      s.sql.releaseDependencyHold.run(depId);
      s.changedJob(depId);
    }
  }
}

/** A dependency failed or was cancelled: its dependents fail, or are skipped (cancelled), as they asked. */
function settleDependents(s: StoreCore, dep: Job): void {
  for (const depId of s.sql.dependents.all(dep.id) as string[]) {
    const job = s.require(depId);
    const message = `Dependency ${dep.shortId} (${dep.fileName ?? dep.kind}) ${dep.status}.`;
    const error: JobError = { code: 'dependency_failed', message };
    const next =
      job.onDependencyFailure === 'skip'
        ? s.transition(job, 'cancel', 'cancelled', { error, retryCount: job.retryCount })
        : s.transition(job, 'fail', 'failed', { error, retryCount: job.retryCount });
    finished(s, next);
  }
}

// ---- batches ----------------------------------------------------------------

/** A batch becomes running when its first child starts (and so do its own parents). */
export function startBatch(s: StoreCore, id: string): void {
  const batch = s.get(id);
  if (!batch || batch.status !== 'pending') return;
  s.transition(batch, 'claim', 'running', { error: null, retryCount: batch.retryCount });
  if (batch.parentId) startBatch(s, batch.parentId);
}

/**
 * Applies a batch's error tolerance after a child finished, and ends the
 * batch when no child is left to run:
 * - stop_all past max_child_failures: the rest is cancelled, the batch fails;
 * - otherwise, when all children are done: completed if none failed, else
 *   completed with a warning (mark_warning) or partial (continue, stop_all).
 */
function settleBatch(s: StoreCore, id: string): void {
  let batch = s.get(id);
  if (!batch) return;
  s.announce('changed', batch); // its counters moved
  // Files are still being added: it ends when they are all in (endFilling).
  if (isTerminal(batch.status) || batch.blocked & BLOCKED.filling) return;
  const failed = batch.failed;
  const over = batch.maxChildFailures > 0 && failed > batch.maxChildFailures;
  if (over && batch.failureAction === 'stop_all') {
    const message = `${failed} of ${batch.total} files failed (the limit is ${batch.maxChildFailures}); the rest was cancelled.`;
    cancelChildren(s, batch.id, 'Cancelled: too many files in this batch failed.');
    batch = s.require(id);
    finished(s, s.transition(batch, 'fail', 'failed', { error: { code: 'too_many_failures', message }, retryCount: batch.retryCount }));
    return;
  }
  if (s.sql.hasActiveChildren.get(batch.id) === 1) return;
  if (batch.status === 'pending') batch = s.transition(batch, 'claim', 'running', { error: null, retryCount: batch.retryCount });
  const cancelled = s.sql.countChildrenIn.get(batch.id, 'cancelled') as number;
  const clean = failed === 0 && cancelled === 0;
  const to: JobStatus = clean || batch.failureAction === 'mark_warning' ? 'completed' : 'partial';
  const warning = clean ? null : batchWarning(failed, cancelled, batch.total);
  finished(s, s.transition(batch, 'complete', to, { error: null, retryCount: batch.retryCount, warning }));
}

/** Cancels a batch's pending and running children (and theirs); running ones are aborted. */
export function cancelChildren(s: StoreCore, batchId: string, message: string): void {
  for (const childId of s.sql.activeChildren.all(batchId) as string[]) {
    const child = s.require(childId);
    s.transition(child, 'cancel', 'cancelled', { error: { code: 'cancelled', message }, retryCount: child.retryCount });
    if (child.kind === 'batch') cancelChildren(s, child.id, message);
    else if (child.status === 'running') s.announce('abort', child.id);
    s.changedJob(childId);
    if (child.kind !== 'batch') settleDependents(s, s.require(childId));
  }
}

/** retry / rerun: back to pending; a batch takes its unsuccessful children along; a finished batch above reopens. */
export function requeue(s: StoreCore, job: Job, action: 'retry' | 'rerun'): Job {
  assertCan(action, job);
  // A job held by dependencies stays held until they complete.
  if (unmetDependencies(s, job.id)) s.sql.holdForDependencies.run(job.id);
  const requeued = s.transition(job, action, 'pending', { error: null, retryCount: 0 });
  if (job.kind === 'batch') {
    const which = action === 'rerun' ? '["failed","cancelled","partial","completed"]' : '["failed","cancelled","partial"]';
    for (const childId of s.sql.childrenIn.all(job.id, which) as string[]) requeue(s, s.require(childId), action);
  }
  reopenAncestors(s, requeued.parentId);
  return s.require(job.id);
}

function reopenAncestors(s: StoreCore, parentId: string | null): void {
  if (!parentId) return;
  const parent = s.require(parentId);
  if (isTerminal(parent.status)) {
    s.transition(parent, 'rerun', 'pending', { error: null, retryCount: 0 });
    reopenAncestors(s, parent.parentId);
  }
}

/** Holds (or releases) a batch's pending children; running ones finish normally. */
export function setBatchPaused(s: StoreCore, idOrPrefix: string, paused: boolean): Job {
  return s.tx(() => {
    const batch = s.resolve(idOrPrefix);
    if (batch.kind !== 'batch') throw new InvalidTransitionError('claim', batch.id, batch.status, 'only batches can be paused');
    (paused ? s.sql.pauseTree : s.sql.resumeTree).run(batch.id);
    return s.changedJob(batch.id);
  });
}

/**
 * A batch whose files an intake is still adding (a big folder, queued in
 * chunks so its first files start at once): it does not end while filling,
 * even if every file added so far is done. `owner` is the intake's process:
 * if it dies, recovery ends the filling (ownerIsDead).
 */
export function startFilling(s: StoreCore, batchId: string, owner: string): void {
  s.sql.startFilling.run(owner, batchId);
}

/** All its files are in: the batch may end now (and does, if they are all done). `name` renames it (its count is known now). */
export function endFilling(s: StoreCore, batchId: string, name?: string): Job | undefined {
  return s.tx(() => {
    s.sql.endFilling.run(name ?? null, batchId);
    if (!s.get(batchId)) return undefined;
    settleBatch(s, batchId);
    return s.get(batchId);
  });
}

/** What a finished batch says of its files that did not complete: only the counts that are not zero. */
function batchWarning(failed: number, cancelled: number, total: number): string {
  if (!cancelled) return `${failed} of ${total} files failed.`;
  if (!failed) return `${cancelled} of ${total} files were cancelled.`;
  return `${failed} failed and ${cancelled} cancelled of ${total} files.`;
}
