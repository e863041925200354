/**
 * Pushed events arrive in bursts (thousands a second when a folder of small
 * files runs). Rendering each would freeze the page, so they are folded into
 * a batch as they arrive and the batch is applied once per animation frame.
 *
 * Folding keeps the batch as small as the number of distinct jobs touched:
 * only the latest version of a job matters, a progress event is only worth
 * keeping if it is newer than the job's last change, and only the last stats
 * snapshot counts.
 */
import type { EventPayload } from '../../shared/contract.js';
import type { Job, JobStats } from '../../shared/job.js';

export interface EventBatch {
  /** Latest version of each changed job, or null when it was removed. */
  jobs: Map<string, Job | null>;
  /**
   * Versions learnt from request replies (retry, cancel, addPaths), for
   * immediate feedback. The event stream is the authority: a hint never
   * replaces an event, and is applied only if strictly newer than what the
   * view shows (a reply can arrive after the events that superseded it, with
   * the same millisecond timestamp).
   */
  hints: Map<string, Job>;
  /** Progress newer than any change to the same job in this batch. */
  progress: Map<string, { processed: number; total: number }>;
  stats: JobStats | undefined;
}

function emptyBatch(): EventBatch {
  return { jobs: new Map(), hints: new Map(), progress: new Map(), stats: undefined };
}

/** If rAF never fires (hidden window), still flush a few times a second. */
const FALLBACK_MS = 250;
/** Without rAF at all (tests, workers), flush on a short timer. */
const NO_RAF_MS = 50;

/** Enough to remember every job a burst touches; cleared, not evicted, past it. */
const SEEN_MAX = 50_000;

export class FrameBatcher {
  private batch = emptyBatch();
  /** updatedAt of the last event per job, so a late reply cannot roll a job back. */
  private readonly seen = new Map<string, number>();
  private raf: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly apply: (batch: EventBatch) => void) {}

  jobChanged(job: EventPayload<'job.changed'>): void {
    if (this.seen.size >= SEEN_MAX) this.seen.clear();
    this.seen.set(job.id, job.updatedAt);
    this.batch.jobs.set(job.id, job);
    this.batch.hints.delete(job.id);
    this.batch.progress.delete(job.id);
    this.schedule();
  }

  /** A job from a request's reply: see EventBatch.hints. */
  hint(job: Job): void {
    const seen = this.seen.get(job.id);
    if (this.batch.jobs.has(job.id) || (seen !== undefined && seen >= job.updatedAt)) return;
    const queued = this.batch.hints.get(job.id);
    if (!queued || job.updatedAt > queued.updatedAt) this.batch.hints.set(job.id, job);
    this.schedule();
  }

  jobRemoved({ id }: EventPayload<'job.removed'>): void {
    this.seen.set(id, Number.MAX_SAFE_INTEGER); // gone for good
    this.batch.jobs.set(id, null);
    this.batch.hints.delete(id);
    this.batch.progress.delete(id);
    this.schedule();
  }

  jobProgress({ jobId, processed, total }: EventPayload<'job.progress'>): void {
    this.batch.progress.set(jobId, { processed, total });
    this.schedule();
  }

  statsChanged(stats: EventPayload<'stats.changed'>): void {
    this.batch.stats = stats;
    this.schedule();
  }

  /** Applies what is queued: from the animation frame, or the fallback timer. */
  flush = (): void => {
    if (this.raf !== undefined) cancelAnimationFrame(this.raf);
    clearTimeout(this.timer);
    this.raf = this.timer = undefined;
    const batch = this.batch;
    if (batch.jobs.size === 0 && batch.hints.size === 0 && batch.progress.size === 0 && !batch.stats) return;
    this.batch = emptyBatch();
    this.apply(batch);
  };

  dispose(): void {
    if (this.raf !== undefined) cancelAnimationFrame(this.raf);
    clearTimeout(this.timer);
    this.raf = this.timer = undefined;
    this.batch = emptyBatch();
  }

  private schedule(): void {
    if (this.raf !== undefined || this.timer !== undefined) return;
    const hasRaf = typeof requestAnimationFrame === 'function';
    if (hasRaf) this.raf = requestAnimationFrame(this.flush);
    this.timer = setTimeout(this.flush, hasRaf ? FALLBACK_MS : NO_RAF_MS);
  }
}
