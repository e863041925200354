/**
 * The durable job store: every read and write of jobs goes through here.
 *
 * - Each operation checks the state machine first, then writes with the
 *   expected status in its WHERE clause, so a change made meanwhile by another
 *   process is refused rather than overwritten.
 * - Consequences happen in the same transaction: a finished child settles its
 *   batch (error tolerance included), a finished job releases or fails the
 *   jobs that depend on it, a cancelled batch cancels its children.
 * - Every job it changes is announced ('changed', 'added', 'removed', 'abort')
 *   only after the transaction commits.
 */
import type { Statement } from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { categoryOf, type ExtractionResult, type Format } from '../../../shared/extraction.js';
import {
  BLOCKED,
  isTerminal,
  jobEventSchema,
  jobFilterSchema,
  JOB_STATUSES,
  type Job,
  type JobEvent,
  type JobFilter,
  type JobStats,
  type JobStatus,
} from '../../../shared/job.js';
import { assertCan, InvalidTransitionError, RULES, type JobAction } from '../state-machine.js';
import { openDatabase, type Db, type OpenOptions } from './database.js';
import { FinishCounter } from './finish-counter.js';
import {
  ownerIsDead,
  FINISH_COLUMNS,
  jobReader,
  rowToJob,
  withFinish,
  rowToResult,
  summarize,
  type JobError,
  type NewJob,
  type Progress,
  type Row,
  type StoredResult,
} from './rows.js';

export { newOwnerId, summarize, type JobError, type NewJob, type Progress, type StoredResult } from './rows.js';

export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
}

export interface StoreEvents {
  /** A job changed (status, progress of a batch, priority...). */
  changed: [Job];
  /** Jobs were added: their ids (the first few may also come as 'changed'). */
  added: [{ ids: string[]; parentId: string | null }];
  removed: [string];
  /** A running job was cancelled by a cascade: its work must be stopped. */
  abort: [string];
}

const DUE = `max(coalesce(next_retry_at, 0), coalesce(run_at, 0))`;
const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
/**
 * The timing rule of the jobs_timing trigger (migration 001), written inline by
 * the hot statements so the trigger (which fires only when a writer leaves
 * updated_at alone) does not write the row a second time. updated_at moves
 * forward by at least 1 ms per write: a job claimed and finished within the
 * same millisecond must still look changed, to the trigger and to the
 * dashboard, which keeps the newest version of a job by updated_at. Same rule
 * otherwise, same CHECKs: the database keeps the columns consistent for every writer.
 */
const TIMING = (to: string) => `updated_at = max(${NOW}, updated_at + 1),
  started_at = CASE WHEN ${to} = 'running' AND status IS NOT 'running' THEN max(${NOW}, created_at) ELSE started_at END,
  completed_at = CASE WHEN ${to} IN ('pending','running') THEN NULL
                      WHEN status IN ('pending','running') AND ${to} IS NOT status THEN max(${NOW}, coalesce(started_at, created_at))
                      ELSE completed_at END`;
const CLAIMABLE = `status = 'pending' AND blocked = 0 AND kind != 'batch'`;
/** The rows of the jobs_due index: jobs that wait for a time (a retry's backoff, a delayed start). */
const DELAYED = `(next_retry_at IS NOT NULL OR run_at IS NOT NULL)`;

export class JobStore extends EventEmitter<StoreEvents> {
  readonly db: Db;
  private readonly stmts: ReturnType<JobStore['prepare']>;
  private readonly claimStatements = new Map<number, Statement>();
  /** The claim reads rows as arrays (see jobReader). */
  private readonly readClaimed: (values: unknown[]) => Job;
  /** Jobs finished in the last minute and hour, counted as they finish (see FinishCounter). */
  private readonly finishes = new FinishCounter((from, to) => this.stmts.finishesBySecond.all(from, to) as Array<{ s: number; n: number }>);
  /** Events of the transaction in progress, announced after it commits. */
  private buffer: Array<() => void> | null = null;

  constructor(db: Db) {
    super();
    this.db = db;
    this.stmts = this.prepare();
    this.readClaimed = jobReader(this.claimStatement(1).columns());
  }

  static open(file: string, opts: OpenOptions = {}): JobStore {
    return new JobStore(openDatabase(file, undefined, opts));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private prepare() {
    const db = this.db;
    return {
      insertOne: db.prepare(`INSERT INTO jobs (id, kind, source, source_path, file_name, size_bytes, format, options, priority, max_retries, timeout_ms, parent_id, run_at, blocked, on_dependency_failure, max_child_failures, failure_action, definition, definition_version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertDependency: db.prepare('INSERT OR IGNORE INTO job_dependencies (job_id, depends_on) VALUES (?, ?)'),
      byId: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      statusOf: db.prepare('SELECT status, blocked FROM jobs WHERE id = ?'),
      byPrefix: db.prepare(`SELECT * FROM jobs WHERE id >= ? AND id < ? LIMIT 2`),

      renew: db.prepare(`UPDATE jobs SET lease_expires_at = @lease WHERE status = 'running' AND lease_owner = @owner`),
      progress: db.prepare(`UPDATE jobs SET total = @total, processed = @successful + @failed,
          successful = @successful, failed = @failed
        WHERE id = @id AND status = 'running'`),
      setStatus: db.prepare(`UPDATE jobs SET ${TIMING('@to')}, status = @to,
          lease_owner = CASE WHEN @to = 'running' THEN lease_owner END,
          lease_expires_at = CASE WHEN @to = 'running' THEN lease_expires_at END,
          error_code = @errorCode, error_category = @errorCategory, error_message = @errorMessage,
          error_details = @errorDetails, retry_count = @retryCount, next_retry_at = @nextRetryAt, warning = @warning
        WHERE id = @id AND status = @from RETURNING *`),
      complete: db.prepare(`UPDATE jobs SET ${TIMING('@to')}, status = @to, lease_owner = NULL, lease_expires_at = NULL,
          format = @format, content_hash = coalesce(@contentHash, content_hash), result_summary = @summary,
          total = @total, processed = @successful + @failed, successful = @successful, failed = @failed,
          error_code = NULL, error_category = NULL, error_message = NULL, error_details = NULL, warning = @warning,
          reused_from = @reusedFrom
        WHERE id = @id AND status = 'running' RETURNING *`),
      // By seq (the rowid: one lookup), checked against the id. No RETURNING:
      // it cost a quarter of the UPDATE's time per job; completeMany reads
      // what the updates changed back in one query (finishedRows).
      completeBySeq: db.prepare(`UPDATE jobs SET ${TIMING('@to')}, status = @to, lease_owner = NULL, lease_expires_at = NULL,
          format = @format, content_hash = coalesce(@hash, content_hash), result_summary = @summary,
          total = @total, processed = @ok + @ko, successful = @ok, failed = @ko,
          error_code = NULL, error_category = NULL, error_message = NULL, error_details = NULL, warning = @warning,
          reused_from = @reused, step_index = coalesce(@step, step_index)
        WHERE seq = @seq AND id = @id AND status = 'running'`),
      finishesBySecond: db.prepare(`SELECT completed_at / 1000 AS s, count(*) AS n FROM jobs INDEXED BY jobs_completed_at
        WHERE completed_at >= ? AND completed_at < ? AND completed_at IS NOT NULL AND kind != 'batch' GROUP BY s`),
      finishedRows: db.prepare(`SELECT ${FINISH_COLUMNS} FROM jobs WHERE seq IN (SELECT value FROM json_each(?))`),
      dependedOn: db.prepare(`SELECT DISTINCT depends_on FROM job_dependencies WHERE depends_on IN (SELECT value FROM json_each(?))`).pluck(),
      insertResult: db.prepare(`INSERT OR REPLACE INTO results
          (job_seq, format, extractor, extractor_version, text, markdown, document)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
      running: db.prepare(`SELECT * FROM jobs WHERE status = 'running' AND kind != 'batch'`),
      events: db.prepare('SELECT at, from_status, to_status, attempt, error_code, error_message FROM job_events WHERE job_seq = ? ORDER BY id'),
      result: db.prepare('SELECT r.*, j.id AS job_id FROM results r JOIN jobs j ON j.seq = r.job_seq WHERE j.id = ?'),
      nextDue: db.prepare(`SELECT min(${DUE}) AS t FROM jobs INDEXED BY jobs_due WHERE ${CLAIMABLE} AND ${DELAYED}`),
      anyActive: db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs WHERE status IN ('pending','running')) AS x`),
      fewChildCounts: db.prepare(`SELECT status, count(*) AS n FROM jobs
        WHERE parent_id = ? AND status IN ('running','partial','cancelled') GROUP BY status`),
      activeChildren: db.prepare(`SELECT id FROM jobs WHERE parent_id = ? AND status IN ('pending','running')`).pluck(),
      hasActiveChildren: db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs WHERE parent_id = ? AND status IN ('pending','running'))`).pluck(),
      countChildrenIn: db.prepare(`SELECT count(*) FROM jobs WHERE parent_id = ? AND status = ?`).pluck(),
      childrenIn: db.prepare(`SELECT id FROM jobs WHERE parent_id = ? AND status IN (SELECT value FROM json_each(?))`).pluck(),
      dependents: db.prepare(`SELECT j.id FROM job_dependencies d JOIN jobs j ON j.id = d.job_id
        WHERE d.depends_on = ? AND j.status = 'pending'`).pluck(),
      unmetDependencies: db.prepare(`SELECT count(*) AS n FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
        WHERE d.job_id = ? AND p.status != 'completed'`),
      setBlocked: db.prepare('UPDATE jobs SET blocked = ? WHERE id = ?'),
      findReusable: db
        .prepare(`SELECT j.id FROM jobs j INDEXED BY jobs_hash JOIN results r ON r.job_seq = j.seq
          WHERE j.content_hash = ? AND j.status = 'completed' AND j.options = ? AND j.id != ?
          ORDER BY j.seq DESC LIMIT 1`)
        .pluck(),
      addChildren: db.prepare('UPDATE jobs SET total = total + ? WHERE id = ?'),
      setStepIndex: db.prepare(`UPDATE jobs SET step_index = ? WHERE id = ? AND status = 'running'`),
      setPriority: db.prepare(`UPDATE jobs SET priority = ? WHERE id = ? AND status = 'pending'`),
    };
  }

  // ---- transactions and events --------------------------------------------

  /** Runs `fn` in a transaction; its events are announced only if it commits. */
  tx<T>(fn: () => T): T {
    if (this.buffer) {
      // Nested: a savepoint, so a refused operation leaves nothing half-written;
      // its events are dropped with it, the outer transaction announces the rest.
      const mark = this.buffer.length;
      try {
        return this.db.transaction(fn)();
      } catch (err) {
        this.buffer.length = mark;
        throw err;
      }
    }
    const buffer: Array<() => void> = [];
    this.buffer = buffer;
    let result: T;
    try {
      result = this.db.transaction(fn)();
    } finally {
      this.buffer = null;
    }
    for (const announce of buffer) announce();
    return result;
  }

  private announce<E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]): void {
    const fire = () => (this.emit as (e: E, ...a: StoreEvents[E]) => boolean)(event, ...args);
    if (this.buffer) this.buffer.push(fire);
    else fire();
  }

  private changedJob(id: string): Job {
    const job = this.require(id);
    this.announce('changed', job);
    return job;
  }

  // ---- intake -------------------------------------------------------------

  /**
   * Inserts jobs in one transaction and returns their ids (fast path for large
   * intake: nothing is read back). Children of a paused batch start paused;
   * jobs with unmet dependencies start held.
   */
  insert(jobs: readonly NewJob[], shared: { defaults?: NewJob; parentId?: string } = {}): string[] {
    return this.tx(() => {
      const parentBlocked = new Map<string, number>();
      const d: NewJob = shared.defaults ?? {};
      // One prepared statement, run per row: as fast as sending the rows as
      // one JSON document (json_each), without building that document and its
      // parse tree, which made a 100,000-file intake peak at 150 MB more. What
      // the rows share is read from `defaults`, not copied into each row.
      const parents: Array<string | undefined> = [];
      const ids = jobs.map((j) => {
        const id = randomUUID();
        const parentId = shared.parentId ?? j.parentId ?? d.parentId;
        parents.push(parentId);
        let blocked = 0;
        if (parentId) {
          if (!parentBlocked.has(parentId)) {
            const p = this.stmts.statusOf.get(parentId) as { blocked: number } | undefined;
            if (!p) throw new JobNotFoundError(`No parent job with id "${parentId}".`);
            parentBlocked.set(parentId, p.blocked & BLOCKED.batchPaused);
          }
          blocked |= parentBlocked.get(parentId)!;
        }
        const options = j.options ?? d.options;
        this.stmts.insertOne.run(
          id,
          j.kind ?? d.kind ?? 'extract',
          j.source ?? d.source ?? 'cli',
          j.sourcePath ?? d.sourcePath ?? null,
          j.fileName ?? d.fileName ?? null,
          j.sizeBytes ?? d.sizeBytes ?? null,
          j.format ?? d.format ?? null,
          options ? JSON.stringify(options) : '{}',
          j.priority ?? d.priority ?? 0,
          j.maxRetries ?? d.maxRetries ?? 3,
          j.timeoutMs ?? d.timeoutMs ?? null,
          parentId ?? null,
          j.runAt ?? d.runAt ?? null,
          blocked,
          j.onDependencyFailure ?? d.onDependencyFailure ?? 'fail',
          j.maxChildFailures ?? d.maxChildFailures ?? 0,
          j.failureAction ?? d.failureAction ?? 'continue',
          j.definition ?? d.definition ?? null,
          j.definitionVersion ?? d.definitionVersion ?? null,
        );
        return id;
      });
      const byParent = new Map<string | null, string[]>();
      parents.forEach((parentId, i) => {
        const key = parentId ?? null;
        if (!byParent.has(key)) byParent.set(key, []);
        byParent.get(key)!.push(ids[i]!);
      });
      // A batch counts its children: once per batch here, not once per child
      // (this is the only place jobs are inserted; deletions and status
      // changes of children are counted by triggers, migration 002).
      for (const [parentId, group] of byParent) if (parentId) this.stmts.addChildren.run(group.length, parentId);
      // After the counting: a dependency that already failed settles its jobs, and their batch, at once.
      jobs.forEach((j, i) => {
        const deps = j.dependsOn ?? d.dependsOn;
        if (deps?.length) this.addDependencies(ids[i]!, deps);
      });
      for (const [parentId, group] of byParent) this.announce('added', { ids: group, parentId });
      return ids;
    });
  }

  /** Adds jobs and returns them as stored. */
  add(jobs: readonly NewJob[]): Job[] {
    return this.insert(jobs).map((id) => this.require(id));
  }

  /** A batch: a parent job with one child per file, in one transaction. */
  addBatch(parent: NewJob, children: readonly NewJob[], childDefaults: NewJob = {}): { batch: Job; childIds: string[] } {
    return this.tx(() => {
      const [batchId] = this.insert([{ ...parent, kind: 'batch' }]);
      // Children are counted once per insert (see insert), not by a trigger
      // per child, which would rewrite the batch's row 100,000 times for a large folder.
      const childIds = this.insert(children, { defaults: { source: parent.source, ...childDefaults }, parentId: batchId });
      return { batch: this.require(batchId!), childIds };
    });
  }

  private addDependencies(id: string, dependsOn: readonly string[]): void {
    const deps = dependsOn.map((d) => this.resolve(d));
    for (const d of deps) this.stmts.insertDependency.run(id, d.id);
    const unmet = (this.stmts.unmetDependencies.get(id) as { n: number }).n;
    if (unmet) this.stmts.setBlocked.run(BLOCKED.waitingForDependencies, id);
    // A dependency that already failed settles this job at once.
    for (const d of deps) if (d.status === 'failed' || d.status === 'cancelled') this.settleDependents(d);
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

  /** The ids of every job matching a filter (no page limit), for bulk operations. */
  ids(filter: Omit<JobFilter, 'limit' | 'before'> = {}): string[] {
    const out: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = this.list({ ...filter, sort: 'newest', limit: 1000, ...(before !== undefined ? { before } : {}) });
      out.push(...page.map((j) => j.id));
      if (page.length < 1000) return out;
      before = page.at(-1)!.seq;
    }
  }

  /**
   * Retention: deletes finished top-level jobs (with their children, events
   * and results) that finished before `before`. Returns how many jobs went.
   */
  prune(before: number, statuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'partial']): number {
    return this.tx(() => {
      const ids = this.db
        .prepare(`SELECT id FROM jobs INDEXED BY jobs_completed_at WHERE completed_at < ? AND completed_at IS NOT NULL
          AND parent_id IS NULL AND status IN (SELECT value FROM json_each(?))`)
        .pluck()
        .all(before, JSON.stringify(statuses)) as string[];
      let removed = 0;
      for (const id of ids) {
        const gone = this.treeIds(id);
        removed += gone.length;
        this.stmts.deleteJob.run(id);
        for (const g of gone) this.announce('removed', g);
      }
      return removed;
    });
  }

  /** Keyset-paginated listing (pass the last row's seq as `before`, or `after` when sorting oldest first). */
  list(filter: JobFilter = {}): Job[] {
    const f = jobFilterSchema.parse(filter);
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: f.limit };
    const add = (sql: string, name: string, value: unknown) => {
      where.push(sql);
      params[name] = value;
    };
    if (f.status) add('status = @status', 'status', f.status);
    if (f.format) add('format = @format', 'format', f.format);
    if (f.parentId) add('parent_id = @parentId', 'parentId', f.parentId);
    // Batches as a constant, so SQLite can use the partial index jobs_batches (a bound value cannot).
    if (f.kind === 'batch') where.push(`kind = 'batch'`);
    else if (f.kind) add('kind = @kind', 'kind', f.kind);
    if (f.createdFrom !== undefined) add('created_at >= @createdFrom', 'createdFrom', f.createdFrom);
    if (f.createdTo !== undefined) add('created_at < @createdTo', 'createdTo', f.createdTo);
    if (f.deadLetter) where.push(`status = 'failed' AND error_category = 'retryable' AND retry_count >= max_retries`);
    if (f.search) {
      add(`(file_name LIKE @search ESCAPE '\\' OR error_message LIKE @search ESCAPE '\\')`, 'search', `%${f.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
    }
    const oldest = f.sort === 'oldest';
    if (f.before !== undefined) add(oldest ? 'seq > @cursor' : 'seq < @cursor', 'cursor', f.before);
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY seq ${oldest ? 'ASC' : 'DESC'} LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as Row[]).map(rowToJob);
  }

  /**
   * A job's history: its creation and its current (or completing) attempt
   * come from the row, the rest from job_events (see migration 003: the usual
   * path is not written twice).
   */
  events(id: string): JobEvent[] {
    // One snapshot: another process (the CLI) may rerun the job between the two reads.
    return this.db.transaction(() => this.readEvents(id))();
  }

  private readEvents(id: string): JobEvent[] {
    const job = this.get(id);
    if (!job) return [];
    type Step = Omit<JobEvent, 'id' | 'jobId'>;
    const step = (at: number, fromStatus: JobStatus | null, toStatus: JobStatus, attempt: number): Step =>
      ({ at, fromStatus, toStatus, attempt, errorCode: null, errorMessage: null });
    const history: Step[] = [step(job.createdAt, null, 'pending', 0)];
    type EventRow = { at: number; from_status: JobStatus | null; to_status: JobStatus; attempt: number; error_code: string | null; error_message: string | null };
    for (const r of this.stmts.events.all(job.seq) as EventRow[]) {
      history.push({ at: r.at, fromStatus: r.from_status, toStatus: r.to_status, attempt: r.attempt, errorCode: r.error_code, errorMessage: r.error_message });
    }
    const current = job.retryCount + 1;
    const inRow = job.status === 'running' || job.status === 'completed' || job.status === 'partial';
    if (inRow && job.startedAt !== null) history.push(step(job.startedAt, 'pending', 'running', current));
    if (inRow && job.completedAt !== null) history.push(step(job.completedAt, 'running', job.status, current));
    return history.map((e, i) => jobEventSchema.parse({ id: i + 1, jobId: job.id, ...e }));
  }

  result(id: string): StoredResult | undefined {
    const r = this.stmts.result.get(id) as Row | undefined;
    return r ? rowToResult(r) : undefined;
  }

  /**
   * Jobs in the given statuses with their results, oldest first, for export.
   * Read in pages, never through an open cursor: the caller awaits between
   * rows, and better-sqlite3 refuses every other query on the connection
   * while a cursor is open.
   */
  *finishedWithResults(statuses: readonly JobStatus[] = ['completed', 'partial']): Generator<{ job: Job; result: StoredResult | undefined }> {
    const page = this.db.prepare(
      `SELECT * FROM jobs WHERE kind != 'batch' AND seq > ? AND status IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT 200`,
    );
    let after = 0;
    for (;;) {
      const rows = page.all(after, JSON.stringify(statuses)) as Row[];
      for (const row of rows) {
        const job = rowToJob(row);
        yield { job, result: this.result(job.id) };
      }
      if (rows.length < 200) return;
      after = Number(rows.at(-1)!.seq);
    }
  }

  /** Counts come from trigger-kept counters; durations from the last 1,000 finished jobs. */
  stats(now = Date.now()): JobStats {
    const zero = () => Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    const byStatus = zero();
    const batches = zero();
    const byFormat: Record<string, number> = {};
    const bySource: Record<string, number> = {};
    let total = 0;
    let items = 0;
    for (const r of this.db.prepare('SELECT * FROM job_counts WHERE n > 0').all() as Row[]) {
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
    const durations = this.db
      .prepare(`SELECT completed_at - started_at AS d FROM jobs INDEXED BY jobs_completed_at
        WHERE completed_at IS NOT NULL AND status IN ('completed','partial') AND kind != 'batch' AND started_at IS NOT NULL
        ORDER BY completed_at DESC LIMIT 1000`)
      .pluck()
      .all() as number[];
    durations.sort((a, b) => a - b);
    const pct = (p: number) => (durations.length ? durations[Math.min(durations.length - 1, Math.floor(p * durations.length))]! : null);
    const finished = this.finishes.counts(now);
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

  /** A batch's children by status, its progress 0..1, throughput and ETA (linear extrapolation). */
  batchProgress(id: string, now = Date.now()) {
    const { batch, counts } = this.db.transaction(() => this.childStatusCounts(this.resolve(id)))();
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
  private childStatusCounts(batch: Job): { batch: Job; counts: Record<JobStatus, number> } {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    // A file job has no children (its own counters count its items, not jobs).
    if (batch.kind !== 'batch') return { batch, counts };
    for (const r of this.stmts.fewChildCounts.all(batch.id) as Row[]) counts[r.status as JobStatus] = Number(r.n);
    counts.failed = batch.failed;
    counts.completed = batch.successful - counts.partial;
    counts.pending = batch.total - batch.successful - batch.failed - counts.cancelled - counts.running;
    return { batch, counts };
  }

  /** Earliest time a claimable job becomes due (0 = due now), or null when none waits. */
  nextDueAt(): number | null {
    return (this.stmts.nextDue.get() as { t: number | null }).t;
  }

  /** True while any job is pending or running: what "drained" waits for. */
  hasActive(): boolean {
    return (this.stmts.anyActive.get() as { x: number }).x === 1;
  }

  /** Those of the given ids whose job is no longer running (cancelled or deleted meanwhile). */
  notRunning(ids: readonly string[]): string[] {
    if (!ids.length) return [];
    const still = new Set(
      this.db.prepare(`SELECT id FROM jobs WHERE status = 'running' AND id IN (SELECT value FROM json_each(?))`).pluck().all(JSON.stringify(ids)) as string[],
    );
    return ids.filter((id) => !still.has(id));
  }

  /** The newest completed job with this content and the same options: its result may be reused. */
  findReusable(contentHash: string, options: Record<string, unknown>, excludeId: string): string | undefined {
    return this.stmts.findReusable.get(contentHash, JSON.stringify(options), excludeId) as string | undefined;
  }

  /** Completed jobs whose result came from an older version of its extractor than `current` (name -> version). */
  outdated(current: Record<string, string>): string[] {
    return this.db
      .prepare(`SELECT j.id FROM jobs j JOIN results r ON r.job_seq = j.seq
        WHERE j.status IN ('completed','partial') AND j.kind != 'batch'
          AND r.extractor_version != coalesce(json_extract(?, '$.' || json_quote(r.extractor)), r.extractor_version)`)
      .pluck()
      .all(JSON.stringify(current)) as string[];
  }

  /** Records how far a pipeline got (the step now running, 0-based). */
  setStepIndex(id: string, index: number): void {
    this.stmts.setStepIndex.run(index, id);
  }

  // ---- the scheduler's operations ----------------------------------------

  /**
   * The claim statement for a given batch size. The LIMIT is written into the
   * SQL, not bound: with a bound LIMIT, SQLite plans the IN (subquery) for any
   * size and a claim of one job cost 300 µs instead of 60. One statement per
   * size (at most the concurrency), prepared once.
   */
  private claimStatement(limit: number): Statement {
    let stmt = this.claimStatements.get(limit);
    if (!stmt) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`claim limit must be a positive integer (got ${limit})`);
      stmt = this.db
        .prepare(`UPDATE jobs SET ${TIMING("'running'")}, status = 'running', lease_owner = @owner, lease_expires_at = @lease,
          next_retry_at = NULL
        WHERE seq IN (SELECT seq FROM jobs INDEXED BY jobs_claim
                      WHERE ${CLAIMABLE} AND ${DUE} <= @now
                      ORDER BY priority DESC, seq LIMIT ${limit})
        RETURNING *`)
        .raw();
      this.claimStatements.set(limit, stmt);
    }
    return stmt;
  }

  /** Atomically moves up to `limit` due jobs to running, by priority then age; starts their batches. */
  claim(limit: number, now: number, leaseMs: number, owner: string): Job[] {
    if (limit <= 0) return [];
    return this.tx(() => {
      // The statement sets the timing columns itself, so RETURNING shows the row as stored.
      const jobs = (this.claimStatement(limit).all({ owner, lease: now + leaseMs, now }) as unknown[][]).map(this.readClaimed);
      for (const parentId of new Set(jobs.map((j) => j.parentId).filter((p): p is string => !!p))) this.startBatch(parentId);
      for (const job of jobs) this.announce('changed', job);
      return jobs.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    });
  }

  renewLeases(owner: string, until: number): void {
    this.stmts.renew.run({ owner, lease: until });
  }

  /** Records progress of a running job; a no-op once the job has left running. */
  progress(id: string, p: Progress): void {
    this.stmts.progress.run({ id, total: Math.max(p.total, p.successful + p.failed), successful: p.successful, failed: p.failed });
  }

  /**
   * Completes many running jobs in one transaction (the scheduler's path:
   * everything that finished since its last tick). Jobs that are no longer
   * running (cancelled meanwhile) are left alone and returned as refused.
   * Batches and dependents are settled once per parent, not per child.
   * (One prepared UPDATE per job: a single UPDATE … FROM json_each(?) over
   * all of them cost half as much again, for the JSON it parses per column.)
   */
  completeMany(
    items: ReadonlyArray<{ job: Job; stepIndex?: number; result: ExtractionResult; contentHash?: string; failedItems?: number; warning?: string; reusedFrom?: string }>,
  ): { done: Job[]; refused: string[] } {
    if (!items.length) return { done: [], refused: [] };
    return this.tx(() => {
      const completed: Array<(typeof items)[number]> = [];
      const refused: string[] = [];
      for (const it of items) {
        const failedItems = it.failedItems ?? 0;
        const successful = it.result.counters.items;
        const { changes } = this.stmts.completeBySeq.run({
          id: it.job.id,
          seq: it.job.seq,
          step: it.stepIndex ?? null,
          to: failedItems > 0 ? 'partial' : 'completed',
          format: it.result.format,
          hash: it.contentHash ?? null,
          summary: JSON.stringify(summarize(it.result)),
          total: successful + failedItems,
          ok: successful,
          ko: failedItems,
          warning: it.warning ?? null,
          reused: it.reusedFrom ?? null,
        });
        if (changes === 0) {
          refused.push(it.job.id);
          continue;
        }
        completed.push(it);
        const { text, markdown, ...document } = it.result;
        this.stmts.insertResult.run(it.job.seq, it.result.format, it.result.extractor.name, it.result.extractor.version, text, markdown, JSON.stringify(document));
      }
      // The columns the updates set, as stored (timing comes from the database's clock).
      const rows = new Map<number, Row>();
      if (completed.length) {
        for (const r of this.stmts.finishedRows.all(JSON.stringify(completed.map((it) => it.job.seq))) as Row[]) rows.set(r.seq as number, r);
      }
      // The rest of each job is as claimed: nothing else changes a running job's other columns.
      const done = completed.map((it) => withFinish(it.job, rows.get(it.job.seq)!));
      this.finishedMany(done);
      return { done, refused };
    });
  }

  /** Stores the result and ends the job: partial when some items failed. */
  complete(
    id: string,
    result: ExtractionResult,
    opts: { contentHash?: string; failedItems?: number; warning?: string; reusedFrom?: string; children?: NewJob[] } = {},
  ): Job {
    return this.tx(() => {
      const { text, markdown, ...document } = result;
      if (opts.children?.length) return this.becomeBatch(id, result, opts.children, opts.contentHash);
      const successful = result.counters.items;
      const failedItems = opts.failedItems ?? 0;
      const row = this.stmts.complete.get({
        id,
        to: failedItems > 0 ? 'partial' : 'completed',
        format: result.format,
        contentHash: opts.contentHash ?? null,
        summary: JSON.stringify(summarize(result)),
        total: successful + failedItems,
        successful,
        failed: failedItems,
        warning: opts.warning ?? null,
        reusedFrom: opts.reusedFrom ?? null,
      }) as Row | undefined;
      // Only a running job completes.
      if (!row) throw new InvalidTransitionError('complete', id, this.require(id).status);
      this.stmts.insertResult.run(row.seq, result.format, result.extractor.name, result.extractor.version, text, markdown, JSON.stringify(document));
      return this.finished(rowToJob(row));
    });
  }

  /**
   * A container (an archive, an e-mail) that yielded entries: its own result
   * is stored, and it becomes the batch of its entries, finishing when they do.
   */
  private becomeBatch(id: string, result: ExtractionResult, children: readonly NewJob[], contentHash?: string): Job {
    const job = this.require(id);
    assertCan('complete', job);
    const { text, markdown, ...document } = result;
    this.stmts.insertResult.run(job.seq, result.format, result.extractor.name, result.extractor.version, text, markdown, JSON.stringify(document));
    this.db
      .prepare(`UPDATE jobs SET kind = 'batch', lease_owner = NULL, lease_expires_at = NULL, format = ?,
          content_hash = coalesce(?, content_hash), result_summary = ?, total = 0, processed = 0, successful = 0, failed = 0
        WHERE id = ? AND status = 'running'`)
      .run(result.format, contentHash ?? null, JSON.stringify(summarize(result)), id);
    this.insert(children, { parentId: id });
    return this.changedJob(id);
  }

  /** Ends a pending or running job as failed. */
  fail(id: string, error: JobError, format?: Format): Job {
    return this.tx(() => {
      const job = this.require(id);
      assertCan('fail', job);
      if (format && !job.format) this.db.prepare('UPDATE jobs SET format = ? WHERE id = ?').run(format, id);
      return this.finished(this.transition(job, 'fail', 'failed', { error, retryCount: job.retryCount }));
    });
  }

  /** Puts a running job back to pending, due at `nextRetryAt`, with the attempt counted. */
  retryLater(id: string, error: JobError, nextRetryAt: number): Job {
    return this.tx(() => {
      const job = this.require(id);
      assertCan('retryLater', job);
      return this.transition(job, 'retryLater', 'pending', { error, retryCount: job.retryCount + 1, nextRetryAt });
    });
  }

  /**
   * Puts a running job back to pending, due now, without counting the
   * attempt: it was not the job's fault (the app is quitting, the extraction
   * host died with other files in flight). The error stays in its history.
   */
  release(id: string, error: JobError): Job {
    return this.tx(() => {
      const job = this.require(id);
      assertCan('recover', job);
      return this.transition(job, 'recover', 'pending', { error, retryCount: job.retryCount });
    });
  }

  /**
   * Recovers jobs left running by a process that is gone (a crash, a kill, a
   * power cut): their lease expired, or their owner process no longer exists.
   * Each goes back to pending with the attempt counted, or fails past max_retries.
   */
  recoverStale(now: number, ownOwner?: string): Job[] {
    return this.tx(() => {
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
            ? this.finished(this.transition(job, 'recover', 'failed', { error, retryCount: job.retryCount }))
            : this.transition(job, 'recover', 'pending', { error, retryCount: attempt }),
        );
      }
      return recovered;
    });
  }

  // ---- a person's operations ---------------------------------------------

  /** Cancels a job; a batch cancels its unfinished children (running ones are aborted). */
  cancel(idOrPrefix: string, message = 'Cancelled by the user.'): Job {
    return this.tx(() => {
      const job = this.resolve(idOrPrefix);
      assertCan('cancel', job);
      this.transition(job, 'cancel', 'cancelled', { error: { code: 'cancelled', message }, retryCount: job.retryCount });
      if (job.kind === 'batch') this.cancelChildren(job.id, message);
      if (job.status === 'running' && job.kind !== 'batch') this.announce('abort', job.id);
      return this.finished(this.require(job.id));
    });
  }

  /** Queues a finished job again with a fresh retry budget; a batch retries its failed and cancelled children. */
  retry(idOrPrefix: string): Job {
    return this.tx(() => this.requeue(this.resolve(idOrPrefix), 'retry'));
  }

  /** Runs a finished job again, even a completed one (forced, or a newer extractor). */
  rerun(idOrPrefix: string): Job {
    return this.tx(() => this.requeue(this.resolve(idOrPrefix), 'rerun'));
  }

  delete(idOrPrefix: string): Job {
    return this.tx(() => {
      const job = this.resolve(idOrPrefix);
      assertCan('delete', job);
      const parentId = job.parentId;
      const gone = this.treeIds(job.id);
      this.stmts.deleteJob.run(job.id);
      for (const id of gone) this.announce('removed', id);
      if (parentId && this.get(parentId)) this.changedJob(parentId);
      return job;
    });
  }

  setPriority(idOrPrefix: string, priority: number): Job {
    return this.tx(() => {
      const job = this.resolve(idOrPrefix);
      if (job.status !== 'pending') throw new InvalidTransitionError('claim', job.id, job.status, 'only pending jobs can change priority');
      this.stmts.setPriority.run(priority, job.id);
      if (job.kind === 'batch') {
        this.db.prepare(`UPDATE jobs SET priority = ? WHERE parent_id = ? AND status = 'pending'`).run(priority, job.id);
      }
      return this.changedJob(job.id);
    });
  }

  /** Holds (or releases) a batch's pending children; running ones finish normally. */
  setBatchPaused(idOrPrefix: string, paused: boolean): Job {
    return this.tx(() => {
      const batch = this.resolve(idOrPrefix);
      if (batch.kind !== 'batch') throw new InvalidTransitionError('claim', batch.id, batch.status, 'only batches can be paused');
      const bit = BLOCKED.batchPaused;
      const sql = paused
        ? `UPDATE jobs SET blocked = blocked | ${bit} WHERE id IN (SELECT id FROM tree)`
        : `UPDATE jobs SET blocked = blocked & ~${bit} WHERE id IN (SELECT id FROM tree)`;
      this.db
        .prepare(`WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT j.id FROM jobs j JOIN tree t ON j.parent_id = t.id) ${sql}`)
        .run(batch.id);
      return this.changedJob(batch.id);
    });
  }

  // ---- consequences --------------------------------------------------------

  /** What follows a job reaching a terminal status: its dependents, then its batch. */
  private finished(job: Job): Job {
    this.finishedMany([job]);
    return job;
  }

  /** The same for many jobs at once: dependents looked up in one query, each batch settled once. */
  private finishedMany(jobs: readonly Job[]): void {
    if (!jobs.length) return;
    for (const job of jobs) this.announce('changed', job);
    const withDependents = new Set(
      this.stmts.dependedOn.all(JSON.stringify(jobs.map((j) => j.id))) as string[],
    );
    for (const job of jobs) {
      if (!withDependents.has(job.id)) continue;
      if (job.status === 'completed') this.releaseDependents(job.id);
      else if (job.status === 'failed' || job.status === 'cancelled') this.settleDependents(job);
    }
    for (const parentId of new Set(jobs.map((j) => j.parentId).filter((p): p is string => !!p))) this.settleBatch(parentId);
  }

  /** Clears the "waiting for dependencies" hold of jobs whose dependencies have all completed. */
  private releaseDependents(id: string): void {
    for (const depId of this.stmts.dependents.all(id) as string[]) {
      const unmet = (this.stmts.unmetDependencies.get(depId) as { n: number }).n;
      if (unmet === 0) {
        this.db.prepare(`UPDATE jobs SET blocked = blocked & ~${BLOCKED.waitingForDependencies} WHERE id = ?`).run(depId);
        this.changedJob(depId);
      }
    }
  }

  /** A dependency failed or was cancelled: its dependents fail, or are skipped (cancelled), as they asked. */
  private settleDependents(dep: Job): void {
    for (const depId of this.stmts.dependents.all(dep.id) as string[]) {
      const job = this.require(depId);
      const message = `Dependency ${dep.shortId} (${dep.fileName ?? dep.kind}) ${dep.status}.`;
      const error: JobError = { code: 'dependency_failed', message };
      const next =
        job.onDependencyFailure === 'skip'
          ? this.transition(job, 'cancel', 'cancelled', { error, retryCount: job.retryCount })
          : this.transition(job, 'fail', 'failed', { error, retryCount: job.retryCount });
      this.finished(next);
    }
  }

  /** A batch becomes running when its first child starts (and so do its own parents). */
  private startBatch(id: string): void {
    const batch = this.get(id);
    if (!batch || batch.status !== 'pending') return;
    this.transition(batch, 'claim', 'running', { error: null, retryCount: batch.retryCount });
    if (batch.parentId) this.startBatch(batch.parentId);
  }

  /**
   * Applies a batch's error tolerance after a child finished, and ends the
   * batch when no child is left to run:
   * - stop_all past max_child_failures: the rest is cancelled, the batch fails;
   * - otherwise, when all children are done: completed if none failed, else
   *   completed with a warning (mark_warning) or partial (continue, stop_all).
   */
  private settleBatch(id: string): void {
    let batch = this.get(id);
    if (!batch) return;
    this.announce('changed', batch); // its counters moved
    if (isTerminal(batch.status)) return;
    const failed = batch.failed;
    const over = batch.maxChildFailures > 0 && failed > batch.maxChildFailures;
    if (over && batch.failureAction === 'stop_all') {
      const message = `${failed} of ${batch.total} files failed (the limit is ${batch.maxChildFailures}); the rest was cancelled.`;
      this.cancelChildren(batch.id, 'Cancelled: too many files in this batch failed.');
      batch = this.require(id);
      this.finished(this.transition(batch, 'fail', 'failed', { error: { code: 'too_many_failures', message }, retryCount: batch.retryCount }));
      return;
    }
    if (this.stmts.hasActiveChildren.get(batch.id) === 1) return;
    if (batch.status === 'pending') batch = this.transition(batch, 'claim', 'running', { error: null, retryCount: batch.retryCount });
    const cancelled = this.stmts.countChildrenIn.get(batch.id, 'cancelled') as number;
    const clean = failed === 0 && cancelled === 0;
    const to: JobStatus = clean || batch.failureAction === 'mark_warning' ? 'completed' : 'partial';
    const warning = clean ? null : `${failed} failed and ${cancelled} cancelled of ${batch.total} files.`;
    this.finished(this.transition(batch, 'complete', to, { error: null, retryCount: batch.retryCount, warning }));
  }

  private cancelChildren(batchId: string, message: string): void {
    for (const childId of this.stmts.activeChildren.all(batchId) as string[]) {
      const child = this.require(childId);
      this.transition(child, 'cancel', 'cancelled', { error: { code: 'cancelled', message }, retryCount: child.retryCount });
      if (child.kind === 'batch') this.cancelChildren(child.id, message);
      else if (child.status === 'running') this.announce('abort', child.id);
      this.changedJob(childId);
      if (child.kind !== 'batch') this.settleDependents(this.require(childId));
    }
  }

  /** retry / rerun: back to pending; a batch takes its unsuccessful children along; a finished batch above reopens. */
  private requeue(job: Job, action: 'retry' | 'rerun'): Job {
    assertCan(action, job);
    // A job held by dependencies stays held until they complete.
    const unmet = (this.stmts.unmetDependencies.get(job.id) as { n: number }).n;
    if (unmet) this.db.prepare(`UPDATE jobs SET blocked = blocked | ${BLOCKED.waitingForDependencies} WHERE id = ?`).run(job.id);
    const requeued = this.transition(job, action, 'pending', { error: null, retryCount: 0 });
    if (job.kind === 'batch') {
      const which = action === 'rerun' ? '["failed","cancelled","partial","completed"]' : '["failed","cancelled","partial"]';
      for (const childId of this.stmts.childrenIn.all(job.id, which) as string[]) this.requeue(this.require(childId), action);
    }
    this.reopenAncestors(requeued.parentId);
    return this.require(job.id);
  }

  private reopenAncestors(parentId: string | null): void {
    if (!parentId) return;
    const parent = this.require(parentId);
    if (isTerminal(parent.status)) {
      this.transition(parent, 'rerun', 'pending', { error: null, retryCount: 0 });
      this.reopenAncestors(parent.parentId);
    }
  }

  // ---- internals ----------------------------------------------------------

  /** A job and all its descendants (a delete takes them all), parents first. */
  private treeIds(id: string): string[] {
    return this.db
      .prepare(`WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT j.id FROM jobs j JOIN tree t ON j.parent_id = t.id) SELECT id FROM tree`)
      .pluck()
      .all(id) as string[];
  }

  private require(id: string): Job {
    const job = this.get(id);
    if (!job) throw new JobNotFoundError(`No job with id "${id}".`);
    return job;
  }

  private transition(
    job: Job,
    action: JobAction,
    to: JobStatus,
    change: { error: JobError | null; retryCount: number; nextRetryAt?: number | null; warning?: string | null },
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
      nextRetryAt: change.nextRetryAt ?? null,
      warning: change.warning ?? null,
    }) as Row | undefined;
    // Another process changed the job between our read and our write.
    if (!row) throw new InvalidTransitionError(action, job.id, this.require(job.id).status);
    // The statement sets the timing columns itself, so RETURNING shows the row as stored.
    const updated = rowToJob(row);
    if (!isTerminal(to)) this.announce('changed', updated);
    return updated;
  }
}

