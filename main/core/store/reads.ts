/**
 * Reads and statistics: listings, a job's history and result, the export's
 * pages, the dashboard's counts, a batch's progress, and the questions the
 * scheduler and the pipeline ask (what is due next, is anything active, which
 * of these stopped running, is there a result to reuse). Nothing here writes.
 */
import { JOB_STATUSES, jobEventSchema, jobFilterSchema, type Job, type JobEvent, type JobFilter, type JobStats, type JobStatus } from '../../../shared/job.js';
import type { StoreCore } from './core.js';
import type { FinishCounter } from './finish-counter.js';
import { rowToJob, rowToResult, type Row, type StoredResult } from './rows.js';
import { listQuery } from './statements.js';

/** Keyset-paginated listing (pass the last row's seq as `before`, or `after` when sorting oldest first). */
export function list(s: StoreCore, filter: JobFilter = {}): Job[] {
  const { sql, params } = listQuery(jobFilterSchema.parse(filter));
  return (s.sql.list(sql).all(params) as Row[]).map(rowToJob);
}

/** The ids of every job matching a filter (no page limit), for bulk operations. */
export function ids(s: StoreCore, filter: Omit<JobFilter, 'limit' | 'before'> = {}): string[] {
  const out: string[] = [];
  let before: number | undefined;
  for (;;) {
    const page = list(s, { ...filter, sort: 'newest', limit: 1000, ...(before !== undefined ? { before } : {}) });
    out.push(...page.map((j) => j.id));
    if (page.length < 1000) return out;
    before = page.at(-1)!.seq;
  }
}

/**
 * A job's history: its creation and its current (or completing) attempt
 * come from the row, the rest from job_events (see migration 003: the usual
 * path is not written twice).
 */
export function events(s: StoreCore, id: string): JobEvent[] {
  // One snapshot: another process (the CLI) may rerun the job between the two reads.
  return s.db.transaction(() => readEvents(s, id))();
}

function readEvents(s: StoreCore, id: string): JobEvent[] {
  const job = s.get(id);
  if (!job) return [];
  type Step = Omit<JobEvent, 'id' | 'jobId'>;
  const step = (at: number, fromStatus: JobStatus | null, toStatus: JobStatus, attempt: number, ran: Ran = NOT_RAN): Step => ({
    at,
    fromStatus,
    toStatus,
    attempt,
    errorCode: null,
    errorMessage: null,
    ...ran,
  });
  const history: Step[] = [step(job.createdAt, null, 'pending', 0)];
  type EventRow = {
    at: number;
    from_status: JobStatus | null;
    to_status: JobStatus;
    attempt: number;
    error_code: string | null;
    error_message: string | null;
    ran_by: string | null;
    ran_extractor: string | null;
  };
  for (const r of s.sql.events.all(job.seq) as EventRow[]) {
    history.push({
      at: r.at,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      attempt: r.attempt,
      errorCode: r.error_code,
      errorMessage: r.error_message,
      ranBy: r.ran_by,
      extractor: r.ran_extractor,
    });
  }
  const current = job.retryCount + 1;
  const inRow = job.status === 'running' || job.status === 'completed' || job.status === 'partial';
  const row = s.sql.ranBy.get(job.seq) as { ran_by: string | null; ran_extractor: string | null };
  const ran = { ranBy: row.ran_by, extractor: row.ran_extractor };
  if (inRow && job.startedAt !== null) history.push(step(job.startedAt, 'pending', 'running', current, ran));
  if (inRow && job.completedAt !== null) history.push(step(job.completedAt, 'running', job.status, current, ran));
  return history.map((e, i) => jobEventSchema.parse({ id: i + 1, jobId: job.id, ...e }));
}

/** Who ran an attempt, and with which extractor (migration 7); unknown before it. */
type Ran = { ranBy: string | null; extractor: string | null };
const NOT_RAN: Ran = { ranBy: null, extractor: null };

export function result(s: StoreCore, id: string): StoredResult | undefined {
  const r = s.sql.result.get(id) as Row | undefined;
  return r ? rowToResult(r) : undefined;
}

/**
 * Jobs in the given statuses with their results, oldest first, for export.
 * Read in pages, never through an open cursor: the caller awaits between
 * rows, and better-sqlite3 refuses every other query on the connection
 * while a cursor is open.
 */
export function* finishedWithResults(
  s: StoreCore,
  statuses: readonly JobStatus[] = ['completed', 'partial'],
): Generator<{ job: Job; result: StoredResult | undefined }> {
  let after = 0;
  for (;;) {
    const rows = s.sql.finishedPage.all(after, JSON.stringify(statuses)) as Row[];
    for (const row of rows) {
      const job = rowToJob(row);
      yield { job, result: result(s, job.id) };
    }
    if (rows.length < 200) return;
    after = Number(rows.at(-1)!.seq);
  }
}

/** Counts come from trigger-kept counters; durations from the last 1,000 finished jobs. */
export function stats(s: StoreCore, finishes: FinishCounter, now = Date.now()): JobStats {
  const byStatus = zeroByStatus();
  const batches = zeroByStatus();
  const byFormat: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  let total = 0;
  let items = 0;
  for (const r of s.sql.jobCounts.all() as Row[]) {
    const n = Number(r.n);
    if (r.kind === 'batch') {
      batches[r.status as JobStatus] += n;
      continue;
    }
    total += n;
    items += Number(r.items);
    byStatus[r.status as JobStatus] += n;
    const format = String(r.format) || 'unknown';
    byFormat[format] = (byFormat[format] ?? 0) + n;
    bySource[String(r.source)] = (bySource[String(r.source)] ?? 0) + n;
  }
  const durations = s.sql.recentDurations.all() as number[];
  durations.sort((a, b) => a - b);
  const pct = (p: number) => (durations.length ? durations[Math.min(durations.length - 1, Math.floor(p * durations.length))]! : null);
  const finished = finishes.counts(now);
  return {
    total,
    byStatus,
    byFormat,
    bySource,
    batches,
    itemsExtracted: items,
    avgDurationMs: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
    p50DurationMs: pct(0.5),
    p95DurationMs: pct(0.95),
    finishedLastMinute: finished.minute,
    finishedLastHour: finished.hour,
  };
}

/** Finishes per second in [fromMs, toMs): what the FinishCounter recounts. */
export function finishesBySecond(s: StoreCore, fromMs: number, toMs: number): Array<{ s: number; n: number }> {
  return s.sql.finishesBySecond.all(fromMs, toMs) as Array<{ s: number; n: number }>;
}

/** A batch's children by status, its progress 0..1, throughput and ETA (linear extrapolation). */
export function batchProgress(s: StoreCore, id: string, now = Date.now()) {
  const { batch, counts } = s.db.transaction(() => childStatusCounts(s, s.resolve(id)))();
  const total = batch.total;
  const finished = counts.completed + counts.failed + counts.cancelled + counts.partial;
  const elapsed = batch.startedAt ? (batch.completedAt ?? now) - batch.startedAt : 0;
  const perSecond = elapsed > 0 ? (finished * 1000) / elapsed : 0;
  const remaining = counts.pending + counts.running;
  return {
    batch,
    counts,
    total,
    progress: total ? finished / total : 0,
    perSecond,
    etaMs: remaining === 0 ? 0 : perSecond > 0 ? Math.round((remaining / perSecond) * 1000) : null,
  };
}

/**
 * A batch's children by status. The dashboard asks every half second while
 * a batch runs, so the children are not counted one by one (65 ms for a
 * batch of a million files): the batch's own counters (kept by triggers)
 * give completed + partial and failed, and the index on (parent_id, status)
 * counts the statuses that stay few: running, partial, cancelled. Pending
 * is what remains.
 */
function childStatusCounts(s: StoreCore, batch: Job): { batch: Job; counts: Record<JobStatus, number> } {
  const counts = zeroByStatus();
  // A file job has no children (its own counters count its items, not jobs).
  if (batch.kind !== 'batch') return { batch, counts };
  for (const r of s.sql.fewChildCounts.all(batch.id) as Row[]) counts[r.status as JobStatus] = Number(r.n);
  counts.failed = batch.failed;
  counts.completed = batch.successful - counts.partial;
  counts.pending = batch.total - batch.successful - batch.failed - counts.cancelled - counts.running;
  return { batch, counts };
}

function zeroByStatus(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((st) => [st, 0])) as Record<JobStatus, number>;
}

/** Earliest time a claimable job becomes due (0 = due now), or null when none waits. */
export function nextDueAt(s: StoreCore): number | null {
  return (s.sql.nextDue.get() as { t: number | null }).t;
}

/** True while any job is pending or running: what "drained" waits for. */
export function hasActive(s: StoreCore): boolean {
  return (s.sql.anyActive.get() as { x: number }).x === 1;
}

/** Those of the given ids whose job is no longer running (cancelled or deleted meanwhile). */
export function notRunning(s: StoreCore, ids: readonly string[]): string[] {
  if (!ids.length) return [];
  const still = new Set(s.sql.stillRunning.all(JSON.stringify(ids)) as string[]);
  return ids.filter((id) => !still.has(id));
}

/** Dedup: the newest completed job with this content and the same options, whose result may be reused. */
export function findReusable(s: StoreCore, contentHash: string, options: Record<string, unknown>, excludeId: string): string | undefined {
  return s.sql.findReusable.get(contentHash, JSON.stringify(options), excludeId) as string | undefined;
}

/** Completed jobs whose result came from an older version of its extractor than `current` (name -> version). */
export function outdated(s: StoreCore, current: Record<string, string>): string[] {
  return s.sql.outdated.all(JSON.stringify(current)) as string[];
}
