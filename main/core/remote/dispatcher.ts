/**
 * The owner's side of remote extraction: sends a claimed job's extraction to
 * the BullMQ queue, waits for its outcome, and hands it back to the
 * scheduler exactly as the local host would. Quarry's scheduler stays the one
 * retry policy: BullMQ makes one attempt (`attempts: 1`) and a stalled task
 * is failed, not re-delivered (`maxStalledCount: 0`); the scheduler decides.
 *
 * Exactly once in the store: each dispatch carries a fresh attempt token, and
 * only the outcome with the token of the dispatch the owner waits for
 * settles it, once. Anything else (late, duplicate, after a cancel) is dropped.
 *
 * Reconciliation:
 * - a sweep asks Redis for every task in flight (and at once after Redis
 *   comes back): finished ones whose event was missed settle, vanished ones
 *   are sent again with the same token;
 * - the owner restarted: a job claimed again whose task is still in the queue
 *   (waiting, running, or finished while the owner was away) is adopted, not
 *   sent twice.
 */
import { randomUUID } from 'node:crypto';
import { Job as BullJob, Queue, QueueEvents, Worker as BullWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExtractionError, type ProgressMessage, type WorkerOutcome } from '../../../shared/extraction.js';
import { bullConnection, redisClient, type RedisConfig } from './connection.js';
import { keys, outcomeSchema, progressSchema, spooledOutcomeSchema, TASKS_QUEUE, type RemoteOutcome, type RemoteTask } from './protocol.js';
import { takeOver } from './large-result.js';
import { containResultPaths } from './result-paths.js';

export interface DispatcherOptions {
  redis: RedisConfig;
  /** A stalled task's lock lasts this long (default 10 s): how soon a dead worker's task runs elsewhere. */
  lockMs?: number;
  /** How often in-flight tasks are checked against Redis (default 3 s). */
  sweepMs?: number;
  /** A finished task nobody waits for: is its job still to run (pending or running)? If not, it is removed. */
  isWanted?: (jobId: string) => boolean;
  onError?: (err: Error) => void;
  /** An outcome was dropped (late, duplicate, unknown): counted for the Workers view and tests. */
  onDropped?: (jobId: string, why: string) => void;
  /** Which worker ran an attempt (outcome accepted). */
  onRanBy?: (jobId: string, worker: string) => void;
}

export type DispatchRequest = Omit<RemoteTask, 'token'>;

interface Flight {
  task: RemoteTask;
  resolve: (o: WorkerOutcome & { ok: true }) => void;
  reject: (e: unknown) => void;
  onProgress?: (p: ProgressMessage) => void;
  sentAt: number;
}

const SETTLED_STATES = new Set(['completed', 'failed']);

export class RemoteDispatcher {
  readonly queue: Queue;
  private readonly events: QueueEvents;
  /** Runs BullMQ's stalled-task check even when no worker is alive to run it. */
  private readonly stallChecker: BullWorker;
  private readonly pub: Redis;
  private readonly flights = new Map<string, Flight>();
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping = false;
  private readonly removals = new Set<Promise<void>>();
  /** Tasks to add in the next addBulk (see add). */
  private adds: Array<{ task: RemoteTask; resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Consumed tasks to remove in the next batch (see removeConsumed). */
  private consumed: string[] = [];
  private closed = false;
  /** Outcomes dropped since start (late or duplicate). */
  dropped = 0;

  constructor(private readonly opts: DispatcherOptions) {
    const connection = bullConnection(opts.redis);
    const prefix = opts.redis.prefix;
    const lockDuration = opts.lockMs ?? 10_000;
    this.queue = new Queue(TASKS_QUEUE, { connection, prefix });
    this.events = new QueueEvents(TASKS_QUEUE, { connection, prefix });
    this.stallChecker = new BullWorker(TASKS_QUEUE, undefined, {
      connection,
      prefix,
      autorun: false,
      maxStalledCount: 0,
      lockDuration,
      stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
    });
    this.pub = redisClient(opts.redis);
    const onError = (e: Error) => this.opts.onError?.(e);
    this.queue.on('error', onError);
    this.events.on('error', onError);
    this.stallChecker.on('error', onError);
    this.pub.on('error', onError);
    this.events.on('completed', ({ jobId, returnvalue }) => this.receive(jobId, returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => void this.lost(jobId, failedReason));
    // A stalled task (its worker died: its lock ran out) is lost now. BullMQ would fail it only when a
    // worker next takes it (a deferred failure), which never comes if no worker is left.
    this.events.on('stalled', ({ jobId }) => void this.lost(jobId, 'its worker stopped answering', { stalled: true }));
    this.events.on('progress', ({ jobId, data }) => this.progress(jobId, data));
    // Back from a Redis restart: what happened meanwhile is read from Redis, not from events.
    this.pub.on('ready', () => void this.sweep());
    this.stallChecker.startStalledCheckTimer().catch(onError);
    this.sweepTimer = setInterval(() => void this.sweep(), opts.sweepMs ?? 3000);
    this.sweepTimer.unref();
  }

  get inFlight(): number {
    return this.flights.size;
  }

  /** The jobs whose extraction runs remotely now. */
  get flightIds(): string[] {
    return [...this.flights.keys()];
  }

  get redis(): Redis {
    return this.pub;
  }

  /**
   * Runs one extraction on some worker; settles like ExtractionService.run.
   * `fresh`: the job never ran before, so no earlier task of it can be in
   * Redis and the look-up for one is skipped (a round trip per file).
   */
  run(req: DispatchRequest, opts: { signal?: AbortSignal; onProgress?: (p: ProgressMessage) => void; fresh?: boolean }): Promise<WorkerOutcome & { ok: true }> {
    if (this.closed) return Promise.reject(new ExtractionError('cancelled', 'Quarry is closing.'));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    return new Promise((resolve, reject) => {
      const task: RemoteTask = { ...req, token: randomUUID() };
      const old = this.flights.get(task.jobId);
      if (old) old.reject(new ExtractionError('internal', 'Sent again before its earlier attempt ended.'));
      const flight: Flight = { task, resolve, reject, onProgress: opts.onProgress, sentAt: Date.now() };
      this.flights.set(task.jobId, flight);
      opts.signal?.addEventListener('abort', () => this.abort(flight, opts.signal!.reason), { once: true });
      (opts.fresh ? this.add(task).then(() => undefined) : this.send(flight)).catch((e) => this.settle(flight, () => reject(asExtractionError(e))));
    });
  }

  /** Adds the task, or adopts one already in Redis for the same job (see the reconciliation notes above). */
  private async send(flight: Flight): Promise<void> {
    const { task } = flight;
    const existing = await BullJob.fromId(this.queue, task.jobId);
    if (existing) {
      const state = await existing.getState();
      const same = sameWork(existing.data as Partial<RemoteTask>, task);
      if (same && state === 'completed') return this.receive(task.jobId, existing.returnvalue, { adopt: true });
      // A stalled task waiting for its deferred failure is lost, not adoptable.
      const doomed = !!(existing as { deferredFailure?: string }).deferredFailure;
      if (same && !doomed && !SETTLED_STATES.has(state) && state !== 'unknown') {
        flight.task = { ...task, token: String((existing.data as RemoteTask).token) };
        return;
      }
      await existing.remove().catch(() => undefined);
    }
    await this.add(task);
  }

  /**
   * Queues the task. Tasks added in the same turn of the event loop (the
   * scheduler claims small files by the hundred) go to Redis together, in one
   * addBulk (one MULTI): one round trip and one write for all, not one each.
   */
  private add(task: RemoteTask): Promise<void> {
    return new Promise((resolve, reject) => {
      this.adds.push({ task, resolve, reject });
      if (this.adds.length === 1) setImmediate(() => void this.flushAdds());
    });
  }

  private async flushAdds(): Promise<void> {
    const batch = this.adds.splice(0);
    try {
      await this.queue.addBulk(batch.map(({ task }) => ({ name: 'extract', data: task, opts: taskOptions(task) })));
      for (const a of batch) a.resolve();
    } catch (e) {
      for (const a of batch) a.reject(e);
    }
  }

  /**
   * An outcome arrived (an event, a sweep, an adoption) in BullMQ task
   * `taskId`: it settles its job's flight if the token matches, once.
   */
  private receive(taskId: string, raw: unknown, { adopt = false } = {}): void {
    const parsed = outcomeSchema.safeParse(raw);
    if (!parsed.success) {
      const flight = this.flights.get(taskId);
      if (flight)
        this.settle(flight, () =>
          flight.reject(new ExtractionError('internal', `A worker sent an outcome Quarry cannot read: ${parsed.error.issues[0]?.message}`)),
        );
      return this.forget(taskId, 'unreadable outcome');
    }
    const outcome = parsed.data;
    const flight = this.flights.get(outcome.jobId);
    if (!flight) return this.unclaimed(outcome.jobId, taskId);
    if (adopt) flight.task = { ...flight.task, token: outcome.token };
    if (outcome.token !== flight.task.token) return this.forget(taskId, 'an earlier attempt');
    this.settle(flight, () => this.deliver(flight, outcome));
    this.removeConsumed(taskId);
  }

  private deliver(flight: Flight, { outcome, worker, host }: RemoteOutcome): void {
    this.opts.onRanBy?.(flight.task.jobId, worker);
    const ranBy = workerLabel(worker, host);
    if ('spooled' in outcome) void this.deliverSpooled(flight, ranBy);
    else if (outcome.ok) void this.deliverChecked(flight, outcome, ranBy);
    else flight.reject(new ExtractionError(outcome.error.code, outcome.error.message, { ...outcome.error.details, worker: ranBy }));
  }

  /** A large result waits in the job's spool folder (large-result.ts): read, checked, then handed on. */
  private async deliverSpooled(flight: Flight, ranBy: string): Promise<void> {
    try {
      const parsed = spooledOutcomeSchema.safeParse(await takeOver(flight.task.spoolDir, flight.task.token));
      if (!parsed.success) throw new ExtractionError('internal', `A worker sent a result Quarry cannot read: ${parsed.error.issues[0]?.message}`);
      await this.deliverChecked(flight, parsed.data, ranBy);
    } catch (e) {
      const err = asExtractionError(e);
      flight.reject(new ExtractionError(err.code, err.message, { ...err.details, worker: ranBy }));
    }
  }

  /** A result is handed on once every file it names is known to be this job's (result-paths.ts). */
  private async deliverChecked(flight: Flight, outcome: WorkerOutcome & { ok: true }, ranBy: string): Promise<void> {
    try {
      const result = await containResultPaths(outcome.result, flight.task);
      flight.resolve({ ...ownerClock({ ...outcome, result }), ranBy });
    } catch (e) {
      const err = asExtractionError(e);
      flight.reject(new ExtractionError(err.code, err.message, { ...err.details, worker: ranBy }));
    }
  }

  /**
   * BullMQ failed the task: its worker died or stopped answering (its lock
   * ran out), or the worker refused it. Like the extraction host dying, this
   * is charged by the scheduler's crash rule, not as an attempt.
   */
  private async lost(jobId: string, reason: string, { stalled = false } = {}): Promise<void> {
    const flight = this.flights.get(jobId);
    if (!flight) return;
    const job = await BullJob.fromId(this.queue, jobId).catch(() => undefined);
    if (this.flights.get(jobId) !== flight) return;
    // A late event of an earlier task under the same id (removed and sent again since).
    if (job && (job.data as RemoteTask).token !== flight.task.token) return this.drop(jobId, 'an earlier attempt failed');
    if (job && !stalled && (await job.getState().catch(() => 'failed')) !== 'failed') return;
    // Out of the queue before the job is sent again (a stalled task waits for its deferred failure).
    if (job) await job.remove().catch(() => undefined);
    this.settle(flight, () =>
      flight.reject(
        new ExtractionError('host_crashed', `The remote worker running this file was lost (${reason}); it will run again.`, {
          alone: flight.task.alone,
          how: `worker lost: ${reason}`,
          // Which worker held it is not known here (its lock ran out); the history says it was remote.
          worker: 'remote (lost)',
        }),
      ),
    );
  }

  private progress(jobId: string, data: unknown): void {
    const flight = this.flights.get(jobId);
    const p = progressSchema.safeParse(data);
    if (flight && p.success && p.data.token === flight.task.token) flight.onProgress?.({ processed: p.data.processed, total: p.data.total });
  }

  /** Cancelled (or Quarry closing): the flight ends now; a cancel also stops the worker's work. */
  private abort(flight: Flight, reason: unknown): void {
    if (this.flights.get(flight.task.jobId) !== flight) return;
    this.settle(flight, () => flight.reject(reason));
    // Quarry closing: the task keeps running, and the next start adopts its outcome.
    if ((reason as Error)?.name === 'ShutdownSignal') return;
    const { jobId, token } = flight.task;
    void this.pub.publish(keys(this.opts.redis.prefix).cancel, JSON.stringify({ jobId, token })).catch(() => undefined);
    void this.removeTask(jobId);
  }

  private settle(flight: Flight, then: () => void): void {
    if (this.flights.get(flight.task.jobId) !== flight) return;
    this.flights.delete(flight.task.jobId);
    then();
  }

  /** A finished task no flight waits for: kept if it is its job's own task and the job will be claimed again (adopted then). */
  private unclaimed(jobId: string, taskId: string): void {
    if (taskId === jobId && this.opts.isWanted?.(jobId)) return;
    this.forget(taskId, 'no job waits for it');
  }

  private drop(jobId: string, why: string): void {
    this.dropped++;
    this.opts.onDropped?.(jobId, why);
  }

  private forget(taskId: string, why: string): void {
    this.drop(taskId, why);
    void this.removeTask(taskId);
  }

  /**
   * A finished task whose outcome was just taken (its token matched): it is
   * known to be ours and finished, so it is removed without being read first,
   * together with the others taken in the same turn (one pipeline).
   */
  private removeConsumed(taskId: string): void {
    this.consumed.push(taskId);
    if (this.consumed.length > 1) return;
    const removal = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.removeMany(this.consumed.splice(0)))
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  private async removeMany(ids: string[]): Promise<void> {
    // A task sent again meanwhile under the same id (a retry of the job) stays: it is another flight's.
    const gone = ids.filter((id) => !this.flights.has(id));
    await Promise.all(gone.map((id) => this.queue.remove(id).catch(() => undefined)));
  }

  /** Removes a finished task (close() waits for removals under way). */
  private removeTask(taskId: string): Promise<void> {
    const removal = this.tryRemove(taskId).finally(() => this.removals.delete(removal));
    this.removals.add(removal);
    return removal;
  }

  /** A running task (locked by its worker) stays: it is removed when its outcome comes. */
  private async tryRemove(jobId: string): Promise<void> {
    try {
      const job = await BullJob.fromId(this.queue, jobId);
      const flight = this.flights.get(jobId);
      // Sent again meanwhile under the same id: that one stays.
      if (!job || (flight && (job.data as RemoteTask).token === flight.task.token)) return;
      await job.remove();
    } catch {
      // Locked by a worker still running it: it is removed when it ends.
    }
  }

  /** Checks every flight against Redis (missed events, a Redis that lost tasks). */
  async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      const due = [...this.flights.values()].filter((f) => Date.now() - f.sentAt > 1000);
      for (let i = 0; i < due.length; i += 100) await Promise.all(due.slice(i, i + 100).map((f) => this.check(f)));
    } catch (e) {
      this.opts.onError?.(e as Error);
    } finally {
      this.sweeping = false;
    }
  }

  private async check(flight: Flight): Promise<void> {
    const { jobId } = flight.task;
    const job = await BullJob.fromId(this.queue, jobId);
    if (this.flights.get(jobId) !== flight) return;
    if (!job) {
      // Redis lost it (restarted without the last writes, flushed): send it again, same token.
      await this.add(flight.task);
      return;
    }
    const state = await job.getState();
    if ((job.data as RemoteTask).token !== flight.task.token) {
      // An earlier task still held the id when this one was added (the add was a no-op): once it
      // has ended, it makes way for ours.
      if (SETTLED_STATES.has(state) && this.flights.get(jobId) === flight) {
        await job.remove().catch(() => undefined);
        await this.add(flight.task);
      }
      return;
    }
    if (state === 'completed') this.receive(jobId, job.returnvalue);
    else if (state === 'failed') await this.lost(jobId, job.failedReason ?? 'failed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    for (const f of [...this.flights.values()]) this.settle(f, () => f.reject(new ExtractionError('cancelled', 'Quarry is closing.')));
    await Promise.allSettled([...this.removals]);
    await Promise.allSettled([this.stallChecker.close(), this.events.close(), this.queue.close()]);
    this.pub.disconnect();
  }
}

/** BullMQ's options for a task: one attempt (Quarry's scheduler retries), and bounds on what an owner that never came back leaves. */
function taskOptions(task: RemoteTask) {
  return { jobId: task.jobId, attempts: 1, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 7 * 86_400 } };
}

/** A worker as a job's history names it: "name@host", or the name alone when it already says the host (the default name does). */
export function workerLabel(name: string, host: string | undefined): string {
  return !host || name === host || name.startsWith(`${host}-`) ? name : `${name}@${host}`;
}

/** The worker's timing on the owner's clock: it finished now, and took as long as it says (clocks of two machines differ). */
function ownerClock(outcome: WorkerOutcome & { ok: true }): WorkerOutcome & { ok: true } {
  const { startedAt, finishedAt, ...rest } = outcome;
  if (!startedAt || !finishedAt || finishedAt < startedAt) return rest;
  const now = Date.now();
  return { ...rest, startedAt: now - (finishedAt - startedAt), finishedAt: now };
}

/** The task in Redis is for the same work (same file, same options): its outcome may be adopted. */
function sameWork(data: Partial<RemoteTask>, task: RemoteTask): boolean {
  return data.path === task.path && JSON.stringify(data.options) === JSON.stringify(task.options) && data.spoolDir === task.spoolDir;
}

function asExtractionError(e: unknown): ExtractionError {
  if (e instanceof ExtractionError) return e;
  return new ExtractionError('internal', `The task could not be sent to Redis: ${(e as Error)?.message ?? String(e)}`);
}
