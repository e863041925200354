/**
 * How a batch reads in the UI: its failure policy, its caveat, what may be
 * done to it, and its counts. Like job-view.ts, the rules mirror the engine's
 * (which still has the last word).
 */
import { BLOCKED, type FailureAction, type Job, type JobStatus } from '../../shared/job.js';
import type { BatchProgress } from '../store/batches.js';
import { formatDuration } from './job-view.js';

export const FAILURE_ACTION_LABEL: Record<FailureAction, string> = {
  continue: 'Continue',
  stop_all: 'Stop all',
  mark_warning: 'Mark warning',
};

/** What each action does, in a few words (intake options and tooltips). */
export const FAILURE_ACTION_HINT: Record<FailureAction, string> = {
  continue: 'Every file runs; the batch ends partial if one failed.',
  stop_all: 'Past the limit, the rest is cancelled and the batch fails.',
  mark_warning: 'Every file runs; the batch completes, with a warning if one failed.',
};

export function policyLabel(job: Job): string {
  if (job.failureAction !== 'stop_all') return FAILURE_ACTION_LABEL[job.failureAction];
  if (job.maxChildFailures === 0) return 'Stop all (no limit)';
  return `Stop all after ${job.maxChildFailures} failure${job.maxChildFailures === 1 ? '' : 's'}`;
}

export function isPaused(job: Job): boolean {
  return (job.blocked & BLOCKED.batchPaused) !== 0;
}

/** Its files are still being added (a big folder is queued in chunks while it is walked). */
export function isFilling(job: Job): boolean {
  return (job.blocked & BLOCKED.filling) !== 0;
}

/** Pausing holds pending children: only worth it while some may still start. */
export function canPause(job: Job): boolean {
  return !isPaused(job) && (job.status === 'pending' || job.status === 'running');
}

/** A batch's caveat (completed with a warning) or why it stopped. */
export function batchNote(job: Job): string {
  if (job.warning) return job.warning;
  if (job.status !== 'completed' && job.errorMessage) return job.errorMessage;
  return '';
}

/** Statuses in the order a batch's counts read. */
const COUNT_ORDER: readonly JobStatus[] = ['completed', 'partial', 'failed', 'cancelled', 'running', 'pending'];

/** "3 completed · 1 failed · 29,872 pending": the non-zero counts. */
export function countsLabel(p: BatchProgress): string {
  const parts = COUNT_ORDER.filter((st) => (p.counts[st] ?? 0) > 0).map((st) => `${(p.counts[st] ?? 0).toLocaleString('en')} ${st}`);
  return parts.length ? parts.join(' · ') : 'no files';
}

export function percent(p: BatchProgress | undefined): number {
  return p ? Math.max(0, Math.min(100, Math.round(p.progress * 100))) : 0;
}

export function finishedCount(p: BatchProgress): number {
  return (p.counts.completed ?? 0) + (p.counts.failed ?? 0) + (p.counts.cancelled ?? 0) + (p.counts.partial ?? 0);
}

/**
 * While it runs, throughput and time left ("2.5 files/s · about 12 s left");
 * once finished, how long it took.
 */
export function paceLabel(p: BatchProgress, job: Job, queuePaused = false): string {
  if (job.status !== 'pending' && job.status !== 'running') {
    return job.startedAt !== null && job.completedAt !== null ? `took ${formatDuration(Math.max(0, job.completedAt - job.startedAt))}` : '';
  }
  const parts: string[] = [];
  if (p.perSecond > 0) parts.push(`${p.perSecond >= 10 ? Math.round(p.perSecond) : p.perSecond.toFixed(1)} files/s`);
  // Paused (the batch or the whole queue): no time left to promise.
  if (isPaused(job) || queuePaused) parts.push('paused');
  // More files are coming: a time left now would be too short.
  else if (isFilling(job)) parts.push(`adding files (${job.total.toLocaleString('en')} so far)`);
  else if (p.etaMs !== null && p.etaMs > 0) parts.push(`about ${formatDuration(p.etaMs)} left`);
  return parts.join(' · ');
}
