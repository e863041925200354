/**
 * Transitions: a job's changes of status, each in its own transaction, each
 * checked against the state machine (state-machine.ts) before it writes, each
 * followed by its consequences (batch-rules.ts).
 *
 * - The scheduler's: claim, fail, retryLater, release, recoverStale, and what
 *   it writes of a running job (lease, progress, pipeline step). Completion
 *   has its own module (completion.ts).
 * - A person's: cancel, retry, rerun, delete, prune, and priority.
 */
import type { Format } from '../../../shared/extraction.js';
import type { Job, JobStatus } from '../../../shared/job.js';
import { assertCan, InvalidTransitionError } from '../state-machine.js';
import { InvalidInputError } from '../errors.js';
import { cancelChildren, endFilling, finished, parentsOf, requeue, startBatch } from './batch-rules.js';
import type { StoreCore } from './core.js';
import { ownerIsDead, rowToJob, type JobError, type Progress, type Row } from './rows.js';

// ---- the scheduler's --------------------------------------------------------

/** Atomically moves up to `limit` due jobs to running, by priority then age; starts their batches. */
export function claim(s: StoreCore, limit: number, now: number, leaseMs: number, owner: string): Job[] {
  if (limit <= 0) return [];
  return s.tx(() => {
    // The statement sets the timing columns itself, so RETURNING shows the row as stored.
    const jobs = (s.sql.claim(limit).all({ owner, lease: now + leaseMs, now }) as unknown[][]).map(s.sql.readClaimed);
    for (const parentId of parentsOf(jobs)) startBatch(s, parentId);
    for (const job of jobs) s.announce('changed', job);
    return jobs.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  });
}

export function renewLeases(s: StoreCore, owner: string, until: number): void {
  s.sql.renew.run({ owner, lease: until });
}

/** Records progress of a running job; a no-op once the job has left running. */
export function progress(s: StoreCore, id: string, p: Progress): void {
  s.sql.progress.run({ id, total: Math.max(p.total, p.successful + p.failed), successful: p.successful, failed: p.failed });
}

/** Records how far a pipeline got (the step now running, 0-based). */
export function setStepIndex(s: StoreCore, id: string, index: number): void {
  s.sql.setStepIndex.run(index, id);
}

/** Ends a pending or running job as failed. */
export function fail(s: StoreCore, id: string, error: JobError, format?: Format): Job {
  return s.tx(() => {
    const job = s.require(id);
    assertCan('fail', job);
    // What the worker found replaces intake's guess (the extension, or a sniff of the first bytes).
    if (format && format !== job.format) s.sql.setFormat.run(format, id);
    return finished(s, s.transition(job, 'fail', 'failed', { error, retryCount: job.retryCount }));
  });
}

/** Puts a running job back to pending, due at `nextRetryAt`, with the attempt counted. */
export function retryLater(s: StoreCore, id: string, error: JobError, nextRetryAt: number): Job {
  return s.tx(() => {
    const job = s.require(id);
    assertCan('retryLater', job);
    return s.transition(job, 'retryLater', 'pending', { error, retryCount: job.retryCount + 1, nextRetryAt });
  });
}

/**
 * Puts a running job back to pending, due now, without counting the
 * attempt: it was not the job's fault (the app is quitting, the extraction
 * host died with other files in flight). The error stays in its history.
 */
export function release(s: StoreCore, id: string, error: JobError): Job {
  return s.tx(() => {
    const job = s.require(id);
    assertCan('recover', job);
    return s.transition(job, 'recover', 'pending', { error, retryCount: job.retryCount });
  });
}

/**
 * Recovers jobs left running by a process that is gone (a crash, a kill, a
 * power cut): their lease expired, or their owner process no longer exists.
 * Each goes back to pending with the attempt counted, or fails past max_retries.
 */
export function recoverStale(s: StoreCore, now: number, ownOwner?: string): Job[] {
  return s.tx(() => {
    const recovered: Job[] = [];
    for (const row of s.sql.running.all() as Row[]) {
      const owner = row.lease_owner as string | null;
      if (owner === ownOwner) continue;
      if (Number(row.lease_expires_at) > now && !ownerIsDead(owner)) continue;
      const job = rowToJob(row);
      const attempt = job.retryCount + 1;
      const error: JobError = {
        code: 'worker_crashed',
        message: `Quarry stopped while this job was running (attempt ${attempt} of ${job.maxRetries + 1}).`,
      };
      recovered.push(
        attempt > job.maxRetries
          ? finished(s, s.transition(job, 'recover', 'failed', { error, retryCount: job.retryCount }))
          : s.transition(job, 'recover', 'pending', { error, retryCount: attempt }),
      );
    }
    // Batches an intake was filling when its process died: they hold what got in.
    for (const { id, owner } of s.sql.filling.all() as Array<{ id: string; owner: string | null }>) {
      if (owner !== ownOwner && ownerIsDead(owner)) endFilling(s, id);
    }
    return recovered;
  });
}

// ---- a person's (ids may be unambiguous prefixes) --------------------------

/** Cancels a job; a batch cancels its unfinished children (running ones are aborted). */
export function cancel(s: StoreCore, idOrPrefix: string, message = 'Cancelled by the user.'): Job {
  return s.tx(() => {
    const job = s.resolve(idOrPrefix);
    assertCan('cancel', job);
    s.transition(job, 'cancel', 'cancelled', { error: { code: 'cancelled', message }, retryCount: job.retryCount });
    if (job.kind === 'batch') cancelChildren(s, job.id, message);
    if (job.status === 'running' && job.kind !== 'batch') s.announce('abort', job.id);
    return finished(s, s.require(job.id));
  });
}

/** Queues a finished job again with a fresh retry budget; a batch retries its failed and cancelled children. */
export function retry(s: StoreCore, idOrPrefix: string): Job {
  return s.tx(() => requeue(s, s.resolve(idOrPrefix), 'retry'));
}

/**
 * Queues a failed file job again with options added to its own (a password
 * for an encrypted file, given in the app): the next attempt reads the file
 * with them.
 */
export function retryWithOptions(s: StoreCore, idOrPrefix: string, options: Record<string, unknown>): Job {
  return s.tx(() => {
    const job = s.resolve(idOrPrefix);
    assertCan('retry', job);
    if (job.kind === 'batch') throw new InvalidInputError(`Job ${job.id} is a batch: options are given to its files one by one`);
    s.sql.setOptions.run(JSON.stringify({ ...job.options, ...options }), job.id);
    return requeue(s, s.require(job.id), 'retry');
  });
}

/** Runs a finished job again, even a completed one (forced, or a newer extractor). */
export function rerun(s: StoreCore, idOrPrefix: string): Job {
  return s.tx(() => requeue(s, s.resolve(idOrPrefix), 'rerun'));
}

/** Deletes a finished job with its children, events and results. */
export function remove(s: StoreCore, idOrPrefix: string): Job {
  return s.tx(() => {
    const job = s.resolve(idOrPrefix);
    assertCan('delete', job);
    const parentId = job.parentId;
    deleteTree(s, job.id);
    if (parentId && s.get(parentId)) s.changedJob(parentId);
    return job;
  });
}

/**
 * Retention: deletes finished top-level jobs (with their children, events
 * and results) that finished before `before`. Returns how many jobs went.
 */
export function prune(s: StoreCore, before: number, statuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'partial']): number {
  return s.tx(() => {
    let removed = 0;
    for (const id of s.sql.prunable.all(before, JSON.stringify(statuses)) as string[]) removed += deleteTree(s, id);
    return removed;
  });
}

/** Deletes a job and its descendants (the foreign keys cascade); returns how many went. */
function deleteTree(s: StoreCore, id: string): number {
  const gone = s.sql.treeIds.all(id) as string[];
  s.sql.deleteJob.run(id);
  for (const g of gone) s.announce('removed', g);
  return gone.length;
}

/** A pending job's priority; a batch's pending children take it too. */
export function setPriority(s: StoreCore, idOrPrefix: string, priority: number): Job {
  return s.tx(() => {
    const job = s.resolve(idOrPrefix);
    if (job.status !== 'pending') throw new InvalidTransitionError('claim', job.id, job.status, 'only pending jobs can change priority');
    s.sql.setPriority.run(priority, job.id);
    if (job.kind === 'batch') s.sql.setChildrenPriority.run(priority, job.id);
    return s.changedJob(job.id);
  });
}
