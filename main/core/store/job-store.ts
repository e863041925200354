/**
 * The durable job store: every read and write of jobs goes through here.
 *
 * Each operation checks the state machine first, then writes with the
 * expected status in its WHERE clause, so a change made meanwhile by another
 * process is refused rather than overwritten.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import {
  categoryOf,
  type ErrorCode,
  type ExtractionResult,
  type Format,
} from '../../../shared/extraction.js';
import {
  isTerminal,
  jobEventSchema,
  jobFilterSchema,
  jobSchema,
  JOB_STATUSES,
  type Job,
  type JobEvent,
  type JobFilter,
  type JobStats,
  type JobStatus,
  type ResultSummary,
} from '../../../shared/job.js';
import { assertCan, InvalidTransitionError, RULES, type JobAction } from '../state-machine.js';
import { openDatabase, type Db } from './database.js';

export interface NewJob {
  kind?: string;
  sourcePath?: string;
  fileName?: string;
  sizeBytes?: number;
  format?: Format;
  options?: Record<string, unknown>;
  priority?: number;
  maxRetries?: number;
  timeoutMs?: number;
  parentId?: string;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface Progress {
  total: number;
  successful: number;
  failed: number;
}

export interface StoredResult {
  jobId: string;
  format: string;
  extractor: string;
  extractorVersion: string;
  text: string;
  markdown: string;
  document: Omit<ExtractionResult, 'text' | 'markdown'>;
  createdAt: number;
}

export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
}

type Row = Record<string, unknown>;

const parseJson = (v: unknown): any => (typeof v === 'string' ? JSON.parse(v) : null);

function rowToJob(r: Row): Job {
  return jobSchema.parse({
    seq: r.seq,
    id: r.id,
    shortId: String(r.id).slice(0, 8),
    kind: r.kind,
    sourcePath: r.source_path,
    fileName: r.file_name,
    sizeBytes: r.size_bytes,
    contentHash: r.content_hash,
    format: r.format,
    options: parseJson(r.options) ?? {},
    status: r.status,
    priority: r.priority,
    total: r.total,
    processed: r.processed,
    successful: r.successful,
    failed: r.failed,
    retryCount: r.retry_count,
    maxRetries: r.max_retries,
    nextRetryAt: r.next_retry_at,
    timeoutMs: r.timeout_ms,
    errorCode: r.error_code,
    errorCategory: r.error_category,
    errorMessage: r.error_message,
    errorDetails: parseJson(r.error_details),
    resultSummary: parseJson(r.result_summary),
    parentId: r.parent_id,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    updatedAt: r.updated_at,
  });
}

/** A summary small enough to list: counts and the title, not the content. */
export function summarize(result: ExtractionResult): ResultSummary {
  const types: Record<string, number> = {};
  for (const e of result.entities) types[e.type] = (types[e.type] ?? 0) + 1;
  const title = result.metadata.title;
  return {
    items: result.counters.items,
    pages: result.pages?.length ?? (typeof result.counters.pages === 'number' ? result.counters.pages : undefined),
    tables: result.tables.length,
    entities: result.entities.length,
    warnings: result.warnings.length,
    chars: result.text.length,
    types,
    ...(typeof title === 'string' && title ? { title } : {}),
  };
}

/** Identifies this process as a lease owner: host, pid and a random part. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** True when the owner is a process on this host that no longer exists. */
function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pidText] = owner.split(':');
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid)) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class JobStore {
  readonly db: Db;
  private readonly stmts: ReturnType<JobStore['prepare']>;

  constructor(db: Db) {
    this.db = db;
    this.stmts = this.prepare();
  }

  static open(file: string): JobStore {
    return new JobStore(openDatabase(file));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private prepare() {
    const db = this.db;
    return {
      insert: db.prepare(`INSERT INTO jobs
        (id, kind, source_path, file_name, size_bytes, format, options, priority, max_retries, timeout_ms, parent_id)
        VALUES (@id, @kind, @sourcePath, @fileName, @sizeBytes, @format, @options, @priority, @maxRetries, @timeoutMs, @parentId)`),
      byId: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      byPrefix: db.prepare(`SELECT * FROM jobs WHERE id >= ? AND id < ? LIMIT 2`),
      claim: db.prepare(`UPDATE jobs SET status = 'running', lease_owner = @owner, lease_expires_at = @lease,
          next_retry_at = NULL
        WHERE seq IN (SELECT seq FROM jobs INDEXED BY jobs_claim
                      WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= @now)
                      ORDER BY priority DESC, seq LIMIT @limit)
        RETURNING id`),
      renew: db.prepare(`UPDATE jobs SET lease_expires_at = @lease WHERE status = 'running' AND lease_owner = @owner`),
      progress: db.prepare(`UPDATE jobs SET total = @total, processed = @successful + @failed,
          successful = @successful, failed = @failed
        WHERE id = @id AND status = 'running'`),
      setStatus: db.prepare(`UPDATE jobs SET status = @to, lease_owner = NULL, lease_expires_at = NULL,
          error_code = @errorCode, error_category = @errorCategory, error_message = @errorMessage,
          error_details = @errorDetails, retry_count = @retryCount, next_retry_at = @nextRetryAt
        WHERE id = @id AND status = @from RETURNING id`),
      complete: db.prepare(`UPDATE jobs SET status = @to, lease_owner = NULL, lease_expires_at = NULL,
          format = @format, content_hash = coalesce(@contentHash, content_hash), result_summary = @summary,
          total = @total, processed = @successful + @failed, successful = @successful, failed = @failed,
          error_code = NULL, error_category = NULL, error_message = NULL, error_details = NULL
        WHERE id = @id AND status = 'running' RETURNING id`),
      insertResult: db.prepare(`INSERT OR REPLACE INTO results
          (job_id, format, extractor, extractor_version, text, markdown, document)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
      running: db.prepare(`SELECT * FROM jobs WHERE status = 'running'`),
      events: db.prepare('SELECT * FROM job_events WHERE job_id = ? ORDER BY id'),
      result: db.prepare('SELECT * FROM results WHERE job_id = ?'),
      nextDue: db.prepare(`SELECT min(coalesce(next_retry_at, 0)) AS t FROM jobs WHERE status = 'pending'`),
      countActive: db.prepare(`SELECT count(*) AS n FROM jobs WHERE status IN ('pending','running')`),
    };
  }

  // ---- intake -------------------------------------------------------------

  /** Adds jobs in one transaction; returns them as stored. */
  add(jobs: readonly NewJob[]): Job[] {
    const ids = this.db.transaction(() =>
      jobs.map((j) => {
        const id = randomUUID();
        this.stmts.insert.run({
          id,
          kind: j.kind ?? 'extract',
          sourcePath: j.sourcePath ?? null,
          fileName: j.fileName ?? null,
          sizeBytes: j.sizeBytes ?? null,
          format: j.format ?? null,
          options: JSON.stringify(j.options ?? {}),
          priority: j.priority ?? 0,
          maxRetries: j.maxRetries ?? 3,
          timeoutMs: j.timeoutMs ?? null,
          parentId: j.parentId ?? null,
        });
        return id;
      }),
    )();
    return ids.map((id) => this.get(id)!);
  }

  // ---- reads --------------------------------------------------------------

  get(id: string): Job | undefined {
    const row = this.stmts.byId.get(id) as Row | undefined;
    return row ? rowToJob(row) : undefined;
  }

  /** Finds a job by its full id or an unambiguous prefix (git style, 4+ characters). */
  resolve(idOrPrefix: string): Job {
    const key = idOrPrefix.trim().toLowerCase();
    const exact = this.get(key);
    if (exact) return exact;
    if (key.length < 4 || !/^[0-9a-f-]+$/.test(key)) throw new JobNotFoundError(`No job with id "${idOrPrefix}".`);
    const rows = this.stmts.byPrefix.all(key, key + '\uffff') as Row[];
    if (rows.length === 0) throw new JobNotFoundError(`No job with id "${idOrPrefix}".`);
    if (rows.length > 1) throw new JobNotFoundError(`Job id "${idOrPrefix}" is ambiguous: give more characters.`);
    return rowToJob(rows[0]!);
  }

  /** Newest first, keyset-paginated by `seq` (pass the last row's seq as `before`). */
  list(filter: JobFilter = {}): Job[] {
    const f = jobFilterSchema.parse(filter);
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: f.limit };
    if (f.status) (where.push('status = @status'), (params.status = f.status));
    if (f.format) (where.push('format = @format'), (params.format = f.format));
    if (f.parentId) (where.push('parent_id = @parentId'), (params.parentId = f.parentId));
    if (f.before !== undefined) (where.push('seq < @before'), (params.before = f.before));
    if (f.search) {
      where.push(`(file_name LIKE @search ESCAPE '\\' OR error_message LIKE @search ESCAPE '\\')`);
      params.search = `%${f.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    }
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as Row[]).map(rowToJob);
  }

  events(id: string): JobEvent[] {
    return (this.stmts.events.all(id) as Row[]).map((r) =>
      jobEventSchema.parse({
        id: r.id,
        jobId: r.job_id,
        at: r.at,
        fromStatus: r.from_status,
        toStatus: r.to_status,
        attempt: r.attempt,
        errorCode: r.error_code,
        errorMessage: r.error_message,
      }),
    );
  }

  result(id: string): StoredResult | undefined {
    const r = this.stmts.result.get(id) as Row | undefined;
    return r ? this.rowToResult(r) : undefined;
  }

  private rowToResult(r: Row): StoredResult {
    return {
      jobId: String(r.job_id),
      format: String(r.format),
      extractor: String(r.extractor),
      extractorVersion: String(r.extractor_version),
      text: String(r.text),
      markdown: String(r.markdown),
      document: JSON.parse(String(r.document)),
      createdAt: Number(r.created_at),
    };
  }

  /** Streams jobs in the given statuses with their results (if any), oldest first, for export. */
  *finishedWithResults(statuses: readonly JobStatus[] = ['completed', 'partial']): Generator<{ job: Job; result: StoredResult | undefined }> {
    const stmt = this.db.prepare(
      `SELECT * FROM jobs WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY seq`,
    );
    for (const row of stmt.iterate(...statuses) as Iterable<Row>) {
      const job = rowToJob(row);
      yield { job, result: this.result(job.id) };
    }
  }

  stats(): JobStats {
    const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    let total = 0;
    for (const r of this.db.prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status').all() as Row[]) {
      byStatus[r.status as JobStatus] = Number(r.n);
      total += Number(r.n);
    }
    const byFormat: Record<string, number> = {};
    for (const r of this.db.prepare(`SELECT coalesce(format, 'unknown') AS f, count(*) AS n FROM jobs GROUP BY 1`).all() as Row[]) {
      byFormat[String(r.f)] = Number(r.n);
    }
    const bySource: Record<string, number> = {};
    for (const r of this.db.prepare('SELECT kind, count(*) AS n FROM jobs GROUP BY kind').all() as Row[]) {
      bySource[String(r.kind)] = Number(r.n);
    }
    const agg = this.db
      .prepare(`SELECT avg(completed_at - started_at) AS avg, coalesce(sum(successful), 0) AS items
        FROM jobs WHERE status IN ('completed','partial') AND started_at IS NOT NULL`)
      .get() as Row;
    return {
      total,
      byStatus,
      byFormat,
      bySource,
      avgDurationMs: agg.avg === null ? null : Number(agg.avg),
      itemsExtracted: Number(agg.items),
    };
  }

  /** Earliest time a pending job becomes due (0 = due now), or null when none is pending. */
  nextDueAt(): number | null {
    const r = this.stmts.nextDue.get() as { t: number | null };
    return r.t;
  }

  /** Those of the given ids whose job is no longer running (cancelled or deleted meanwhile). */
  notRunning(ids: readonly string[]): string[] {
    if (!ids.length) return [];
    const still = new Set(
      this.db.prepare(`SELECT id FROM jobs WHERE status = 'running' AND id IN (SELECT value FROM json_each(?))`).pluck().all(JSON.stringify(ids)) as string[],
    );
    return ids.filter((id) => !still.has(id));
  }

  /** Pending plus running: what "drained" waits for. */
  activeCount(): number {
    return (this.stmts.countActive.get() as { n: number }).n;
  }

  // ---- the scheduler's operations ----------------------------------------

  /** Atomically moves up to `limit` due jobs to running, by priority then age. */
  claim(limit: number, now: number, leaseMs: number, owner: string): Job[] {
    if (limit <= 0) return [];
    return this.db.transaction(() => {
      const rows = this.stmts.claim.all({ owner, lease: now + leaseMs, now, limit }) as Array<{ id: string }>;
      // RETURNING shows the row before the timing trigger ran: read it again.
      return rows.map((r) => this.require(r.id)).sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    })();
  }

  renewLeases(owner: string, until: number): void {
    this.stmts.renew.run({ owner, lease: until });
  }

  /** Records progress of a running job; a no-op once the job has left running. */
  progress(id: string, p: Progress): void {
    this.stmts.progress.run({ id, total: Math.max(p.total, p.successful + p.failed), successful: p.successful, failed: p.failed });
  }

  /** Stores the result and ends the job: partial when some items failed. */
  complete(id: string, result: ExtractionResult, contentHash?: string, failedItems = 0): Job {
    return this.db.transaction(() => {
      const job = this.require(id);
      assertCan('complete', job);
      const { text, markdown, ...document } = result;
      this.stmts.insertResult.run(
        id,
        result.format,
        result.extractor.name,
        result.extractor.version,
        text,
        markdown,
        JSON.stringify(document),
      );
      const successful = result.counters.items;
      const row = this.stmts.complete.get({
        id,
        to: failedItems > 0 ? 'partial' : 'completed',
        format: result.format,
        contentHash: contentHash ?? null,
        summary: JSON.stringify(summarize(result)),
        total: successful + failedItems,
        successful,
        failed: failedItems,
      }) as Row | undefined;
      if (!row) throw new InvalidTransitionError('complete', id, this.require(id).status);
      return this.require(id);
    })();
  }

  /** Ends a pending or running job as failed. */
  fail(id: string, error: JobError, format?: Format): Job {
    return this.db.transaction(() => {
      const job = this.require(id);
      assertCan('fail', job);
      if (format && !job.format) this.db.prepare('UPDATE jobs SET format = ? WHERE id = ?').run(format, id);
      return this.transition(job, 'fail', 'failed', { error, retryCount: job.retryCount, nextRetryAt: null });
    })();
  }

  /** Puts a running job back to pending, due at `nextRetryAt`, with the attempt counted. */
  retryLater(id: string, error: JobError, nextRetryAt: number): Job {
    return this.db.transaction(() => {
      const job = this.require(id);
      assertCan('retryLater', job);
      return this.transition(job, 'retryLater', 'pending', { error, retryCount: job.retryCount + 1, nextRetryAt });
    })();
  }

  /**
   * Recovers jobs left running by a process that is gone (a crash, a kill, a
   * power cut): their lease expired, or their owner process no longer exists.
   * Each goes back to pending with the attempt counted, or fails past max_retries.
   */
  recoverStale(now: number, ownOwner?: string): Job[] {
    return this.db.transaction(() => {
      const recovered: Job[] = [];
      for (const row of this.stmts.running.all() as Row[]) {
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
            ? this.transition(job, 'recover', 'failed', { error, retryCount: job.retryCount, nextRetryAt: null })
            : this.transition(job, 'recover', 'pending', { error, retryCount: attempt, nextRetryAt: null }),
        );
      }
      return recovered;
    })();
  }

  /** Puts a running job back to pending without counting the attempt (the app is quitting). */
  release(id: string, message: string): Job {
    return this.db.transaction(() => {
      const job = this.require(id);
      assertCan('recover', job);
      return this.transition(job, 'recover', 'pending', {
        error: { code: 'worker_crashed', message },
        retryCount: job.retryCount,
        nextRetryAt: null,
      });
    })();
  }

  // ---- a person's operations ---------------------------------------------

  cancel(idOrPrefix: string): Job {
    return this.db.transaction(() => {
      const job = this.resolve(idOrPrefix);
      assertCan('cancel', job);
      return this.transition(job, 'cancel', 'cancelled', {
        error: { code: 'cancelled', message: 'Cancelled by the user.' },
        retryCount: job.retryCount,
        nextRetryAt: null,
      });
    })();
  }

  /** Queues a finished job again with a fresh retry budget; its history stays. */
  retry(idOrPrefix: string): Job {
    return this.db.transaction(() => {
      const job = this.resolve(idOrPrefix);
      assertCan('retry', job);
      return this.transition(job, 'retry', 'pending', { error: null, retryCount: 0, nextRetryAt: null });
    })();
  }

  delete(idOrPrefix: string): Job {
    return this.db.transaction(() => {
      const job = this.resolve(idOrPrefix);
      assertCan('delete', job);
      this.stmts.deleteJob.run(job.id);
      return job;
    })();
  }

  // ---- internals ----------------------------------------------------------

  private require(id: string): Job {
    const job = this.get(id);
    if (!job) throw new JobNotFoundError(`No job with id "${id}".`);
    return job;
  }

  private transition(
    job: Job,
    action: JobAction,
    to: JobStatus,
    change: { error: JobError | null; retryCount: number; nextRetryAt: number | null },
  ): Job {
    if (!RULES[action].to.includes(to)) throw new InvalidTransitionError(action, job.id, job.status);
    const e = change.error;
    const row = this.stmts.setStatus.get({
      id: job.id,
      from: job.status,
      to,
      errorCode: e?.code ?? null,
      errorCategory: e ? categoryOf(e.code) : null,
      errorMessage: e?.message ?? null,
      errorDetails: e?.details ? JSON.stringify(e.details) : null,
      retryCount: change.retryCount,
      nextRetryAt: change.nextRetryAt,
    }) as Row | undefined;
    // Another process changed the job between our read and our write.
    if (!row) throw new InvalidTransitionError(action, job.id, this.require(job.id).status);
    // RETURNING shows the row before the timing trigger ran: read it again.
    return this.require(job.id);
  }
}

export { isTerminal };
