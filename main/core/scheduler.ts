/**
 * The scheduler: claims due jobs from the store and runs them on an executor
 * (the piscina pool, or a direct function in benchmarks), never more at once
 * than `concurrency`.
 *
 * - Claims are atomic in SQLite, so several processes can share one file.
 * - A claimed job carries a lease, renewed while it runs; a job whose owner
 *   died is recovered by `JobStore.recoverStale` (at start and periodically).
 * - Failures follow the error's category: permanent fails at once, retryable
 *   is retried with capped exponential backoff and jitter until max_retries.
 * - Time comes from `clock`, so tests control backoff without waiting.
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { categoryOf, ExtractionError, type ExtractionResult, type ProgressMessage } from '../../shared/extraction.js';
import type { Job } from '../../shared/job.js';
import { isCrashSuspect } from './pool.js';
import { InvalidInputError, JobNotFoundError } from './errors.js';
import { InvalidTransitionError } from './state-machine.js';
import type { CompletionDetails } from './store/completion.js';
import { newOwnerId, type JobError, type JobStore } from './store/job-store.js';

export interface ExecutionContext {
  signal: AbortSignal;
  timeoutMs?: number;
  onProgress: (p: ProgressMessage) => void;
  /**
   * A pipeline moved on to step `index`. Kept in memory and written with the
   * job's outcome: a write per step, outside the scheduler's transaction, used
   * to cost a commit per job.
   */
  onStep?: (index: number) => void;
}

export interface ExecutionOutcome extends CompletionDetails {
  result: ExtractionResult;
  /** Files the extraction wrote out (archive entries, attachments): they become child jobs. */
  children?: Array<{ path: string; name: string; size: number }>;
}

export type Executor = (job: Job, ctx: ExecutionContext) => Promise<ExecutionOutcome>;

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1: the share of the delay that is random ("equal jitter" at 0.5). */
  jitter: number;
}

export interface SchedulerOptions {
  store: JobStore;
  executor: Executor;
  concurrency?: number;
  clock?: () => number;
  random?: () => number;
  leaseMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Used when a job has no timeout of its own. */
  defaultTimeoutMs?: number;
  /** Progress is written to the database at most this often per job. */
  progressIntervalMs?: number;
  /** How often to look for work added by other processes, and for dead leases. */
  pollIntervalMs?: number;
  /**
   * A job's share of the concurrency (default 1 for every job). The engine
   * weighs small files less: they share worker tasks in groups, which needs
   * many in flight, while a PDF needs a thread to itself. The number of jobs
   * in flight then follows the work: `concurrency` PDFs, or up to
   * 1/weight times as many small files.
   */
  weight?: (job: Job) => number;
}

/** Jobs in flight at most, whatever their weight. */
const MAX_IN_FLIGHT = 1024;
/** Longer than any wait for another thread's write lock (the store's waits end by 5 s). */
const LOCK_WAIT_ALIVE_MS = 10_000;

/**
 * How many jobs to claim when `n` are free: `n` up to 16, above that `n`
 * rounded down to one of eight sizes per power of two (at most an eighth
 * fewer; the next tick claims the rest). The store prepares a claim statement
 * per size (its LIMIT is in the SQL, see store/statements.ts), and small files
 * free a different number every tick: claiming exactly `n` prepared 20-30 new
 * statements in a pass over 4,000 small files, 2% of the engine thread's time.
 * With these sizes a process prepares 65 at most.
 */
export function claimBatchSize(n: number): number {
  if (n <= 16) return n;
  const step = 2 ** Math.floor(Math.log2(n)) / 8;
  return Math.floor(n / step) * step;
}

export interface ProgressEvent {
  jobId: string;
  processed: number;
  total: number;
}

/** Job changes are announced by the store ('changed'); the scheduler adds these. */
export interface SchedulerEvents {
  progress: [ProgressEvent];
  /** Nothing pending or running any more. */
  drained: [];
  /** Something unexpected in the scheduler itself; jobs are unaffected. */
  error: [Error];
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.5 };

/** Delay before retry number `retry` (1-based): base·2^(retry-1), capped, with jitter. */
export function backoffDelay(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp * (1 - opts.jitter) + exp * opts.jitter * random());
}

interface Running {
  job: Job;
  controller: AbortController;
  progress?: ProgressMessage;
  dirty: boolean;
  lastWrite: number;
  done: Promise<void>;
  /** The pipeline step running (see ExecutionContext.onStep). */
  stepIndex?: number;
  /** Its share of the concurrency (SchedulerOptions.weight). */
  weight: number;
}

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly owner = newOwnerId();
  private readonly store: JobStore;
  private readonly executor: Executor;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly leaseMs: number;
  private readonly backoff: BackoffOptions;
  private readonly defaultTimeoutMs: number;
  private readonly progressIntervalMs: number;
  private readonly pollIntervalMs: number;
  private concurrencyLimit: number;
  private readonly weight: (job: Job) => number;
  /** The running jobs' weights, summed. */
  private runningWeight = 0;
  /** Weight of the jobs claimed lately, a moving average: how many to claim for the weight that is free. */
  private claimedWeight = 1;
  private readonly running = new Map<string, Running>();
  private started = false;
  private paused = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeImmediate: NodeJS.Immediate | undefined;
  /** The round waits for another thread's write lock to be released (waitsForLock). */
  private lockWait: Promise<void> | undefined;
  /** A wait has just ended: the next round does not wait again. */
  private lockWaited = false;
  /** Finished executions waiting to be written, all in the next tick's transaction. */
  private readonly settled: Array<{ entry: Running; outcome?: ExecutionOutcome; error?: unknown }> = [];
  private housekeeping: NodeJS.Timeout | undefined;
  /** When the running jobs' leases were last renewed (see renewLeasesWhenDue). */
  private leasesRenewedAt = -Infinity;
  private ticking = false;

  constructor(opts: SchedulerOptions) {
    super();
    this.store = opts.store;
    this.executor = opts.executor;
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 10 * 60_000;
    this.progressIntervalMs = opts.progressIntervalMs ?? 250;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1_000;
    this.concurrencyLimit = Math.max(1, opts.concurrency ?? availableParallelism());
    this.weight = opts.weight ?? (() => 1);
    // A cascade (a cancelled batch, stop_all) cancelled running jobs: stop their work.
    this.store.on('abort', (id) => this.abort(id));
  }

  get concurrency(): number {
    return this.concurrencyLimit;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** The jobs this scheduler runs now. */
  get runningIds(): string[] {
    return [...this.running.keys()];
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Recovers jobs of dead processes, then starts claiming. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.recover();
    this.housekeeping = setInterval(() => this.housekeep(), Math.min(this.pollIntervalMs, this.leaseMs / 3));
    this.housekeeping.unref?.();
    this.wake();
  }

  /**
   * Stops claiming. With `abort`, running jobs are stopped and go back to
   * pending (their attempt is not held against them); otherwise they finish.
   */
  async stop({ abort = false } = {}): Promise<void> {
    this.started = false;
    clearTimeout(this.wakeTimer);
    clearInterval(this.housekeeping);
    // A wake queued just before stop would otherwise tick after the caller
    // closed the store (stop writes what settled itself, below).
    clearImmediate(this.wakeImmediate);
    this.wakeImmediate = undefined;
    if (abort) {
      for (const r of this.running.values()) r.controller.abort(new ShutdownSignal());
    }
    await Promise.all([...this.running.values()].map((r) => r.done));
    this.flushProgress(true);
    this.store.tx(() => this.writeSettled());
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  setConcurrency(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new InvalidInputError('Concurrency must be a whole number of at least 1.');
    this.concurrencyLimit = n;
    this.wake();
  }

  /** Claims now (after an add, a retry, or a finished job). */
  wake(): void {
    if (!this.started || this.wakeImmediate) return;
    // setImmediate, not setTimeout(0): the latter waits a millisecond or more,
    // which would cap throughput at about a thousand jobs a second.
    this.wakeImmediate = setImmediate(() => {
      this.wakeImmediate = undefined;
      this.tick();
    });
  }

  /** Aborts a running job's work; the store has already marked it cancelled. */
  abort(jobId: string): boolean {
    const r = this.running.get(jobId);
    if (!r) return false;
    r.controller.abort(new ExtractionError('cancelled', 'Cancelled by the user.'));
    return true;
  }

  /** Resolves when no job is pending or running (retries waiting in backoff count as pending). */
  drained(): Promise<void> {
    if (this.running.size === 0 && !this.settled.length && !this.store.hasActive()) return Promise.resolve();
    return new Promise((resolve) => this.once('drained', resolve));
  }

  /**
   * One round, in one transaction: write what finished since the last round,
   * then claim as many due jobs as there are free slots. Batching both is what
   * lets the engine keep up with SQLite's own limit.
   */
  tick(): void {
    if (this.ticking || this.waitsForLock()) return;
    this.ticking = true;
    try {
      const now = this.clock();
      const claimable = this.started && !this.paused;
      let free = 0;
      const jobs = this.store.tx(() => {
        this.writeSettled();
        free = this.freeSlots();
        return claimable ? this.store.claim(free, now, this.leaseMs, this.owner) : [];
      });
      for (const job of jobs) this.launch(job);
      // Fewer than asked: nothing more is due now. Sleep until something is, or say we are done.
      if (claimable && jobs.length < free) {
        if (this.running.size === 0 && !this.store.hasActive()) this.emit('drained');
        else this.scheduleNextWake(now);
      }
    } catch (err) {
      this.emit('error', err as Error);
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Another thread holds the write lock (a search indexer's batch, which can
   * take a second on a large text): the round comes back when it is free
   * instead of blocking this thread in the store's gate until then, so that
   * the extraction host's messages and the dashboard's reads go on.
   */
  private waitsForLock(): boolean {
    if (this.lockWait) return true;
    // Once per wait: the round that comes back goes, through the store's gate if a next batch has begun
    // (the indexer may start one before this thread gets its turn; waiting again could go on batch after batch).
    if (this.lockWaited) {
      this.lockWaited = false;
      return false;
    }
    const busy = this.store.writeBusy();
    if (!busy) return false;
    // Atomics.waitAsync does not keep Node's event loop alive: this timer does, until the wait ends.
    const alive = setTimeout(() => undefined, LOCK_WAIT_ALIVE_MS);
    this.lockWait = busy.then(() => {
      clearTimeout(alive);
      this.lockWait = undefined;
      this.lockWaited = true;
      this.wake();
    });
    return true;
  }

  /** Sleeps until the first retry in backoff is due (the poll also catches other processes' work). */
  private scheduleNextWake(now: number): void {
    clearTimeout(this.wakeTimer);
    if (this.freeSlots() === 0) return; // a finishing job wakes us
    const due = this.store.nextDueAt();
    if (due === null || due <= now) return;
    this.wakeTimer = setTimeout(() => this.tick(), Math.min(due - now, this.pollIntervalMs));
  }

  /** Jobs to claim now: the free weight over the weight of a job lately. */
  private freeSlots(): number {
    const free = this.concurrencyLimit - this.runningWeight;
    if (free <= 1e-9) return 0;
    return claimBatchSize(Math.max(0, Math.min(MAX_IN_FLIGHT - this.running.size, Math.ceil(free / this.claimedWeight - 1e-9))));
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    const weight = this.weight(job);
    const entry: Running = { job, controller, dirty: false, lastWrite: 0, done: Promise.resolve(), weight };
    this.running.set(job.id, entry);
    this.runningWeight += weight;
    this.claimedWeight = 0.8 * this.claimedWeight + 0.2 * weight;
    entry.done = this.execute(entry);
  }

  /** Runs the job; its outcome is written by the next tick (see writeSettled). */
  private async execute(entry: Running): Promise<void> {
    const { job, controller } = entry;
    try {
      const outcome = await this.executor(job, {
        signal: controller.signal,
        timeoutMs: job.timeoutMs ?? this.defaultTimeoutMs,
        onProgress: (p) => this.onProgress(entry, p),
        onStep: (index) => (entry.stepIndex = index),
      });
      if (controller.signal.aborted) throw controller.signal.reason;
      this.settled.push({ entry, outcome });
    } catch (error) {
      this.settled.push({ entry, error });
    }
    this.wake();
  }

  /**
   * Writes finished executions: successes together (completeMany), the
   * rest one by one (retry later, fail, containers). Call inside a transaction.
   */
  private writeSettled(): void {
    const settled = this.settled.splice(0);
    if (!settled.length) return;
    const simple: typeof settled = [];
    for (const s of settled) {
      if (this.running.delete(s.entry.job.id)) this.runningWeight -= s.entry.weight;
      if (s.entry.stepIndex !== undefined && !s.outcome) this.store.setStepIndex(s.entry.job.id, s.entry.stepIndex);
      if (s.outcome && !s.outcome.children?.length) simple.push(s);
      else if (s.outcome) this.completeOne(s.entry, s.outcome);
      else this.settleFailure(s.entry, s.error);
    }
    if (!simple.length) return;
    const items = simple.map(({ entry, outcome }) => ({
      job: entry.job,
      ...outcome!,
      failedItems: outcome!.failedItems,
      stepIndex: entry.stepIndex,
      ranBy: outcome!.ranBy ?? LOCAL,
    }));
    try {
      this.store.completeMany(items);
    } catch {
      // One result the database would not take (too large, say): one by one,
      // so only that job fails, with the reason.
      for (const s of simple) this.completeOne(s.entry, s.outcome!);
    }
  }

  private completeOne(entry: Running, outcome: ExecutionOutcome): void {
    try {
      if (entry.stepIndex !== undefined) this.store.setStepIndex(entry.job.id, entry.stepIndex);
      this.store.complete(entry.job.id, outcome.result, {
        contentHash: outcome.contentHash,
        failedItems: outcome.failedItems,
        warning: outcome.warning,
        reusedFrom: outcome.reusedFrom,
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
        ranBy: outcome.ranBy ?? LOCAL,
        children: outcome.children?.map((c) => ({
          sourcePath: c.path,
          fileName: c.name,
          sizeBytes: c.size,
          source: 'archive',
          definition: entry.job.definition ?? undefined,
          maxRetries: entry.job.maxRetries,
          // Nested archives go one level deeper each time (the worker limits the depth).
          options: { ...entry.job.options, depth: Number(entry.job.options.depth ?? 0) + 1 },
        })),
      });
    } catch (err) {
      if (refusedByStore(err)) return; // cancelled or deleted meanwhile
      this.settleFailure(entry, new ExtractionError('internal', `The result could not be stored: ${(err as Error).message}`));
    }
  }

  /** The job changed meanwhile (cancelled, deleted): the store refused, which is right. Anything else is said. */
  private storeRefused(err: unknown): void {
    if (!refusedByStore(err)) this.emit('error', err as Error);
  }

  private settleFailure(entry: Running, err: unknown): void {
    const { job, controller } = entry;
    const reason = controller.signal.aborted ? controller.signal.reason : err;
    try {
      // Cancelled by a person: the store already says so; nothing to write.
      if (reason instanceof ExtractionError && reason.code === 'cancelled') return;
      if (reason instanceof ShutdownSignal) {
        // Quitting: not the job's fault, so the attempt is not counted.
        this.store.release(job.id, { code: 'worker_crashed', message: reason.message || 'Stopped because Quarry was closing; it will run again.' });
        return;
      }
      if (reason instanceof ExtractionError && reason.code === 'host_crashed') return this.chargeCrash(job, reason);
      const error = toJobError(reason);
      // A file that hit its time limit twice would most likely do it again (a loop, not a busy machine).
      const timedOutTwice = error.code === 'timeout' && job.errorCode === 'timeout';
      const retryable = categoryOf(error.code) === 'retryable' && !timedOutTwice;
      if (timedOutTwice) error.message += ' It was the second time in a row, so it was not retried again.';
      if (retryable && job.retryCount < job.maxRetries) {
        const at = this.clock() + backoffDelay(job.retryCount + 1, this.backoff, this.random);
        this.store.retryLater(job.id, error, at);
      } else {
        if (retryable) error.message += ` (gave up after ${job.retryCount + 1} attempts)`;
        this.store.fail(job.id, error, errorFormat(reason));
      }
    } catch (storeErr) {
      this.storeRefused(storeErr);
    }
  }

  /**
   * The extraction host died with this file in flight (see host/client.ts).
   * With others in flight, any of them may have done it: the file goes back
   * to pending, its attempt not counted, and runs again alone (a suspect).
   * Alone, and already a suspect: it did it twice, and fails for good.
   */
  private chargeCrash(job: Job, err: ExtractionError): void {
    if (err.details.alone === true && isCrashSuspect(job)) {
      this.store.fail(job.id, {
        code: 'extractor_crashed',
        message: 'This file crashed the extraction process twice; it was not retried again.',
        details: { how: err.details.how },
        ranBy: ranByOf(err),
      });
    } else {
      this.store.release(job.id, toJobError(err));
    }
  }

  private onProgress(entry: Running, p: ProgressMessage): void {
    entry.progress = p;
    entry.dirty = true;
    this.emit('progress', { jobId: entry.job.id, processed: p.processed, total: p.total });
  }

  /** Writes dirty progress counters, each job at most once per interval, in one transaction. */
  private flushProgress(force = false): void {
    const now = Date.now();
    const due = [...this.running.values()].filter((r) => r.dirty && r.progress && (force || now - r.lastWrite >= this.progressIntervalMs));
    if (!due.length) return;
    this.store.db.transaction(() => {
      for (const r of due) {
        const p = r.progress!;
        this.store.progress(r.job.id, { total: p.total, successful: p.processed, failed: 0 });
        r.dirty = false;
        r.lastWrite = now;
      }
    })();
  }

  private housekeep(): void {
    // Its writes wait for the lock as the round does (the next poll comes soon enough).
    if (this.waitsForLock()) return;
    try {
      this.flushProgress();
      if (this.running.size) {
        this.renewLeasesWhenDue();
        this.abortCancelledElsewhere();
      }
      this.recover();
      this.tick();
    } catch (err) {
      this.emit('error', err as Error);
    }
  }

  /**
   * Renews the running jobs' leases once a third of a lease has passed, not
   * at every poll: the renewal rewrites every running row (hundreds with small
   * files) in a commit of its own, 2% of the engine thread's time when done
   * every second against 30 s leases. Housekeeping runs at least every third
   * of a lease, so a lease is renewed at most two thirds of it after the last
   * renewal (a job claimed since got a whole lease at its claim).
   */
  private renewLeasesWhenDue(): void {
    const now = this.clock();
    if (now - this.leasesRenewedAt < this.leaseMs / 3) return;
    this.store.renewLeases(this.owner, now + this.leaseMs);
    this.leasesRenewedAt = now;
  }

  /** Another process (the CLI, say) cancelled one of our running jobs: stop its work too. */
  private abortCancelledElsewhere(): void {
    for (const id of this.store.notRunning([...this.running.keys()])) this.abort(id);
  }

  private recover(): void {
    this.store.recoverStale(this.clock(), this.owner);
  }
}

/** The abort reason used when the app quits with jobs running. */
export class ShutdownSignal extends Error {
  override name = 'ShutdownSignal';
}

/** The store refused a write because the job changed meanwhile: cancelled (no longer running) or deleted. */
function refusedByStore(err: unknown): boolean {
  return err instanceof InvalidTransitionError || err instanceof JobNotFoundError;
}

function toJobError(err: unknown): JobError {
  if (err instanceof ExtractionError) return { code: err.code, message: err.message, details: err.details, ranBy: ranByOf(err) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: `Unexpected error: ${message}`, ranBy: LOCAL };
}

/** What the history says ran an attempt on this machine's extraction host. */
export const LOCAL = 'local';

/** Who ran an attempt that failed: a remote worker names itself in the error's details (dispatcher.ts). */
function ranByOf(err: ExtractionError): string {
  return typeof err.details.worker === 'string' ? err.details.worker : LOCAL;
}

function errorFormat(err: unknown): any {
  return err instanceof ExtractionError && typeof err.details.format === 'string' ? err.details.format : undefined;
}
