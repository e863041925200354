/**
 * How a job reads in the UI. The action rules mirror main's state machine
 * (renderer code may not import main/); the engine still has the last word
 * and refuses anything illegal with a readable error.
 */
import { BLOCKED, type Job, type JobStatus } from '../../shared/job.js';

export type RowAction = 'retry' | 'cancel' | 'delete';

const ALLOWED: Record<RowAction, readonly JobStatus[]> = {
  retry: ['failed', 'cancelled', 'partial'],
  cancel: ['pending', 'running'],
  delete: ['completed', 'failed', 'cancelled', 'partial'],
};

export function canDo(action: RowAction, status: JobStatus): boolean {
  return ALLOWED[action].includes(status);
}

export function jobName(job: Job): string {
  if (job.fileName) return job.fileName;
  if (job.sourcePath) return job.sourcePath.split(/[\\/]/).pop() || job.sourcePath;
  return job.shortId;
}

/** Percent done; completed is always 100 even when the extractor counted nothing. */
export function progressPercent(job: Job): number {
  if (job.status === 'completed') return 100;
  if (job.total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((job.processed / job.total) * 100)));
}

/** Attempts made so far, counting the one under way: "retryCount + (started ? 1 : 0)". */
export function attemptsMade(job: Job): number {
  // A pending job's previous attempts are already in retryCount; only a
  // running or finished attempt adds one.
  const started = job.status === 'running' || (job.status !== 'pending' && job.startedAt !== null);
  return job.retryCount + (started ? 1 : 0);
}

export function attemptsLabel(job: Job): string {
  return `${attemptsMade(job)} of ${job.maxRetries + 1}`;
}

/** Elapsed time of the current or last attempt, or null when it never started. */
export function durationMs(job: Job, now: number): number | null {
  if (job.startedAt === null) return null;
  if (job.status === 'running') return Math.max(0, now - job.startedAt);
  if (job.status === 'pending') return null;
  return job.completedAt !== null ? Math.max(0, job.completedAt - job.startedAt) : null;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatBytes(n: number | null): string {
  if (n === null) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** One line about a finished job: what went wrong, or what came out. */
export function jobDetail(job: Job): string {
  if (job.status === 'pending' && job.blocked & BLOCKED.batchPaused) return 'Held: its batch is paused.';
  if (job.status === 'pending' && job.blocked & BLOCKED.waitingForDependencies) return 'Waiting for the jobs it depends on.';
  if (job.errorMessage && job.status !== 'completed') return job.errorMessage;
  const s = job.resultSummary;
  if (!s) return '';
  const parts = [`${s.items} item${s.items === 1 ? '' : 's'}`];
  if (s.pages) parts.push(`${s.pages} page${s.pages === 1 ? '' : 's'}`);
  if (s.tables) parts.push(`${s.tables} table${s.tables === 1 ? '' : 's'}`);
  if (s.entities) parts.push(`${s.entities} entit${s.entities === 1 ? 'y' : 'ies'}`);
  if (s.warnings) parts.push(`${s.warnings} warning${s.warnings === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

export const STATUS_LABEL: Record<JobStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  partial: 'Partial',
};
