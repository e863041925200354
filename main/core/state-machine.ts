/**
 * The one place that decides which status changes are legal.
 *
 * Every store operation asks `assertCan(action, job)` before writing; the
 * database's guard trigger (migration 001) is the second line of defence and
 * holds the same pairs. A test checks that the two agree.
 */
import type { JobStatus } from '../../shared/job.js';
import { EngineError } from './errors.js';

export type JobAction =
  | 'claim' // pending -> running
  | 'complete' // running -> completed | partial
  | 'fail' // running | pending -> failed
  | 'retryLater' // running -> pending (automatic retry with backoff)
  | 'recover' // running -> pending | failed (after a crash or an expired lease)
  | 'cancel' // pending | running -> cancelled
  | 'retry' // failed | cancelled | partial -> pending (asked by a person)
  | 'rerun' // any finished job -> pending (forced, or its extractor has a newer version)
  | 'delete'; // terminal -> gone

interface Rule {
  from: readonly JobStatus[];
  to: readonly JobStatus[];
  /** Said to a person when the action is refused. */
  explain: string;
}

export const RULES: Record<JobAction, Rule> = {
  claim: { from: ['pending'], to: ['running'], explain: 'only pending jobs can start' },
  complete: { from: ['running'], to: ['completed', 'partial'], explain: 'only running jobs can complete' },
  fail: { from: ['running', 'pending'], to: ['failed'], explain: 'only pending or running jobs can fail' },
  retryLater: { from: ['running'], to: ['pending'], explain: 'only running jobs can be rescheduled' },
  recover: { from: ['running'], to: ['pending', 'failed'], explain: 'only running jobs can be recovered' },
  cancel: { from: ['pending', 'running'], to: ['cancelled'], explain: 'only pending or running jobs can be cancelled' },
  retry: {
    from: ['failed', 'cancelled', 'partial'],
    to: ['pending'],
    explain: 'only failed, cancelled or partial jobs can be retried',
  },
  rerun: {
    from: ['completed', 'failed', 'cancelled', 'partial'],
    to: ['pending'],
    explain: 'only finished jobs can be run again',
  },
  delete: {
    from: ['completed', 'failed', 'cancelled', 'partial'],
    to: [],
    explain: 'only finished jobs (completed, failed, cancelled or partial) can be deleted',
  },
};

const VERBS: Record<JobAction, string> = {
  claim: 'start',
  complete: 'complete',
  fail: 'fail',
  retryLater: 'reschedule',
  recover: 'recover',
  cancel: 'cancel',
  retry: 'retry',
  rerun: 'run again',
  delete: 'delete',
};

/** A status change the rules forbid (or that another process made first). */
export class InvalidTransitionError extends EngineError {
  override name = 'InvalidTransitionError';
  readonly code = 'invalid_transition';
  constructor(
    public readonly action: JobAction,
    public readonly jobId: string,
    public readonly status: JobStatus,
    explain: string = RULES[action].explain,
  ) {
    super(`Cannot ${VERBS[action]} job ${jobId.slice(0, 8)}: it is ${status}; ${explain}.`);
  }
}

export function can(action: JobAction, status: JobStatus): boolean {
  return RULES[action].from.includes(status);
}

export function assertCan(action: JobAction, job: { id: string; status: JobStatus }): void {
  if (!can(action, job.status)) throw new InvalidTransitionError(action, job.id, job.status);
}
