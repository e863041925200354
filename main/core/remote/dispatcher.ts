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
 *   sent twice; a file in a group task is found through the groups index
 *   (keys().groups) and adopted from its group.
 *
 * Small files that never ran before go in group tasks (task-groups.ts); each
 * file in a group is a flight of its own, with its own token.
 */
import { randomUUID } from 'node:crypto';
import { Job as BullJob, Queue, QueueEvents, Worker as BullWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExtractionError, type ProgressMessage, type WorkerOutcome } from '../../../shared/extraction.js';
import { bullConnection, redisClient, type RedisConfig } from './connection.js';
import {
  CANCELLED_TTL_S,
  SINGLE_CANCELLED_TTL_S,
  groupOutcomeSchema,
  keys,
  outcomeIdentitySchema,
  outcomeSchema,
  progressSchema,
  spooledOutcomeSchema,
  TASKS_QUEUE,
  type RemoteGroupTask,
  type RemoteOutcome,
  type RemoteTask,
} from './protocol.js';
import { isGroupId, newGroupId, packGroups } from './task-groups.js';
import { ShutdownSignal } from '../scheduler.js';
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
  /** Threads of the live workers (how many group tasks to keep out, see task-groups.ts). */
  threads?: () => number;
}

export type DispatchRequest = Omit<RemoteTask, 'token'>;

interface Flight {
  task: RemoteTask;
  /** The BullMQ task that carries it: its job id, or a group task's id. */
  taskId: string;
  /** Looking in Redis for an earlier task of the job to adopt (its token may change to that task's). */
  adopting?: boolean;
  resolve: (o: WorkerOutcome & { ok: true }) => void;
  reject: (e: unknown) => void;
  onProgress?: (p: ProgressMessage) => void;
  sentAt: number;
}

const SETTLED_STATES = new Set(['completed', 'failed']);
/** BullMQ's event stream length (about: Redis trims it by whole nodes of 100); BullMQ's default is 10,000. */
export const EVENTS_MAX_LEN = 200;

export class RemoteDispatcher {
  readonly queue: Queue;
  private readonly events: QueueEvents;
  /** Runs BullMQ's stalled-task check even when no worker is alive to run it. */
  private readonly stallChecker: BullWorker;
  private readonly pub: Redis;
  private readonly flights = new Map<string, Flight>();
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping = false;
  private readonly removals = new Set<Promise<unknown>>();
  /** Tasks to add in the next addBulk (see add); `member`: the flight of a file that may go in a group. */
  private adds: Array<{ task: RemoteTask; member?: Flight; resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Group tasks out: group id -> its files' job ids still waiting for their outcome. */
  private readonly groups = new Map<string, Set<string>>();
  /** Jobs whose outcome was taken lately: a duplicate of their group is dropped, not kept for adoption. */
  private readonly taken = new Set<string>();
  /** The group tasks that carried files lately (taskOf, for diagnosis and tests). */
  private readonly carried = new Map<string, string>();
  /** Group tasks with files cancelled while out -> those files' tokens, whose cancel marks go once the group has ended. */
  private readonly marked = new Map<string, { tokens: string[]; since: number }>();
  /** Consumed tasks to remove in the next batch (see removeConsumed). */
  private consumed: string[] = [];
  private closed = false;
  /** Outcomes dropped since start (late or duplicate). */
  dropped = 0;
  /** Group tasks sent since start, and the files they held (files per BullMQ task, for the bench). */
  groupTasks = 0;
  groupedFiles = 0;

  constructor(private readonly opts: DispatcherOptions) {
    const connection = bullConnection(opts.redis);
    const prefix = opts.redis.prefix;
    const lockDuration = opts.lockMs ?? 10_000;
    // BullMQ's event stream holds a copy of every return value (a group's outcome, up to 1 MB): kept short.
    // The owner reads it as it comes; an event trimmed before it was read is found by the sweep.
    this.queue = new Queue(TASKS_QUEUE, { connection, prefix, streams: { events: { maxLen: EVENTS_MAX_LEN } } });
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
   * The attempt token the owner waits for on a job (file-endpoint.ts refuses
   * uploads under any other). Undefined while not known: no remote
   * extraction of it under way, or one being adopted after a restart.
   */
  attemptOf(jobId: string): string | undefined {
    const flight = this.flights.get(jobId);
    return flight && !flight.adopting ? flight.task.token : undefined;
  }

  /** The BullMQ task that carries a job's extraction now, or carried its latest (a group task's id for a file in a group). */
  taskOf(jobId: string): string | undefined {
    return this.flights.get(jobId)?.taskId ?? this.carried.get(jobId);
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
      const flight: Flight = { task, taskId: task.jobId, resolve, reject, onProgress: opts.onProgress, sentAt: Date.now() };
      this.flights.set(task.jobId, flight);
      opts.signal?.addEventListener('abort', () => this.abort(flight, opts.signal!.reason), { once: true });
      // A small file that never ran before may share a group task (task-groups.ts).
      const groupable = opts.fresh && task.small && !task.alone;
      (opts.fresh ? this.add(task, groupable ? flight : undefined) : this.send(flight))
        .catch((e) => this.settle(flight, () => reject(asExtractionError(e))))
        .finally(() => (flight.adopting = false));
    });
  }

  /** Adds the task, or adopts one already in Redis for the same job (see the reconciliation notes above). */
  private async send(flight: Flight): Promise<void> {
    const { task } = flight;
    flight.adopting = true;
    const [existing, groupId] = await Promise.all([
      BullJob.fromId(this.queue, task.jobId),
      this.pub.hget(keys(this.opts.redis.prefix).groups, task.jobId).catch(() => null),
    ]);
    if (groupId && (await this.adoptFromGroup(flight, groupId))) return;
    if (existing) {
      // A task whose token was cancelled is never adopted: its worker skips it (or did), so its outcome says nothing.
      // Asked before its state, so that nothing is awaited between reading the state and adopting the task (an
      // outcome coming in between would be taken for an earlier attempt's and its task removed).
      const marked = await this.isMarked(String((existing.data as RemoteTask).token));
      const state = await existing.getState();
      const same = !marked && sameWork(existing.data as Partial<RemoteTask>, task);
      if (same && state === 'completed') return this.receive(task.jobId, await this.returned(existing), { adopt: true });
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
   * A file of a group task the owner sent before it restarted: adopted with
   * the group's token for it if the group still runs or has finished (its
   * outcome is then taken at once). False: send it again.
   */
  private async adoptFromGroup(flight: Flight, groupId: string): Promise<boolean> {
    const adopted = await this.tryAdoptFromGroup(flight, groupId);
    // Not adopted: the index's entry for it is stale (the job goes in a task of its own now).
    if (!adopted) void this.unindex(groupId, [], [flight.task.jobId]).catch(() => undefined);
    return adopted;
  }

  private async tryAdoptFromGroup(flight: Flight, groupId: string): Promise<boolean> {
    const job = await BullJob.fromId(this.queue, groupId).catch(() => undefined);
    if (!job || this.flights.get(flight.task.jobId) !== flight) return false;
    const member = (job.data as Partial<RemoteGroupTask>).group?.find((t) => t.jobId === flight.task.jobId);
    if (!member || !sameWork(member, flight.task)) return false;
    // A member whose token was cancelled (a cancel while the group waited; the job retried since) is
    // never adopted: its worker skips it and answers `cancelled`, which would settle nothing.
    const [state, cancelled] = await Promise.all([job.getState().catch(() => 'unknown'), this.isCancelled(groupId, member.token)]);
    const doomed = !!(job as { deferredFailure?: string }).deferredFailure;
    if (cancelled || this.flights.get(flight.task.jobId) !== flight) return false;
    if (state !== 'completed' && (doomed || SETTLED_STATES.has(state) || state === 'unknown')) return false;
    flight.task = { ...flight.task, token: member.token };
    this.join(flight, groupId);
    if (state === 'completed') this.receiveGroup(groupId, await this.returned(job));
    return true;
  }

  /**
   * What a completed task returned. A task object read before it completed
   * holds no value even once `getState()` (asked afresh) says completed: it
   * is read again then, or the outcome would be taken as unreadable and its
   * file run again.
   */
  private async returned(job: BullJob): Promise<unknown> {
    if (job.returnvalue !== null && job.returnvalue !== undefined) return job.returnvalue;
    return (await BullJob.fromId(this.queue, job.id!).catch(() => undefined))?.returnvalue;
  }

  /** A token marked cancelled in Redis (unreadable: taken as marked, so nothing cancelled is adopted). */
  private async isMarked(token: string): Promise<boolean> {
    return (await this.pub.exists(`${keys(this.opts.redis.prefix).cancelled}${token}`).catch(() => 1)) > 0;
  }

  /** The token was cancelled while its group waited (marked by this owner, or by an earlier run of it: see abort). */
  private async isCancelled(groupId: string, token: string): Promise<boolean> {
    return this.marked.get(groupId)?.tokens.includes(token) || this.isMarked(token);
  }

  /** The flight's file travels in group task `groupId`. */
  private join(flight: Flight, groupId: string): void {
    flight.taskId = groupId;
    this.carried.set(flight.task.jobId, groupId);
    if (this.carried.size > 10_000) this.carried.delete(this.carried.keys().next().value!);
    const members = this.groups.get(groupId) ?? new Set<string>();
    members.add(flight.task.jobId);
    this.groups.set(groupId, members);
  }

  /** The flight no longer waits on its group (settled, or sent again alone). */
  private leave(flight: Flight): void {
    if (flight.taskId === flight.task.jobId) return;
    const members = this.groups.get(flight.taskId);
    members?.delete(flight.task.jobId);
    if (members && !members.size) this.groups.delete(flight.taskId);
  }

  /** The flights still waiting on BullMQ task `taskId` (a group's files, or the one file of a task of its own). */
  private flightsOf(taskId: string): Flight[] {
    if (!isGroupId(taskId)) {
      const f = this.flights.get(taskId);
      return f && f.taskId === taskId ? [f] : [];
    }
    return [...(this.groups.get(taskId) ?? [])].map((id) => this.flights.get(id)).filter((f): f is Flight => f?.taskId === taskId);
  }

  /**
   * Queues the task. Tasks added in the same turn of the event loop (the
   * scheduler claims small files by the hundred) go to Redis together, in one
   * addBulk (one MULTI): one round trip and one write for all, not one each.
   * Those with a `member` flight (small files never run before) are packed
   * into group tasks (task-groups.ts), indexed by job id for an owner restart.
   */
  private add(task: RemoteTask, member?: Flight): Promise<void> {
    return new Promise((resolve, reject) => {
      this.adds.push({ task, member, resolve, reject });
      if (this.adds.length === 1) setImmediate(() => void this.flushAdds());
    });
  }

  private async flushAdds(): Promise<void> {
    const batch = this.adds.splice(0);
    // A file cancelled before its turn came is not sent at all (a single task: its flight has settled).
    const live = batch.filter((a) => (a.member ? this.flights.get(a.task.jobId) === a.member : this.flights.get(a.task.jobId)?.task.token === a.task.token));
    const jobs = live.filter((a) => !a.member).map(({ task }) => single(task));
    const index: Record<string, string> = {};
    for (const group of packGroups(
      live.filter((a) => a.member),
      { threads: Math.max(1, this.opts.threads?.() ?? 1), inFlight: this.groups.size },
    )) {
      if (group.length === 1) {
        jobs.push(single(group[0]!.task));
        continue;
      }
      const id = newGroupId();
      for (const a of group) {
        this.join(a.member!, id);
        index[a.task.jobId] = id;
      }
      jobs.push({ name: 'extract', data: { group: group.map((a) => a.task) }, opts: groupOptions(id) });
      this.groupTasks++;
      this.groupedFiles += group.length;
    }
    // A small file sent alone may still be indexed under a group it left (cancelled there, then retried):
    // its entry goes, or a later look-up (a recovery, an owner restart) would adopt that group's stale member.
    const alone = jobs.filter((j) => (j.data as RemoteTask).small).map((j) => (j.data as RemoteTask).jobId);
    try {
      // The index is written before the groups, not beside them: an owner that dies between the two leaves
      // index entries naming a group that never came (adoption finds no group, sends the file alone and
      // drops the entry), never a group its restart cannot find (its files would run twice).
      const groupsKey = keys(this.opts.redis.prefix).groups;
      await Promise.all([
        Object.keys(index).length ? this.pub.hset(groupsKey, index) : undefined,
        // Sent with the HSET (one round trip); a failure leaves an entry adoption refuses anyway (its token differs).
        alone.length ? this.pub.hdel(groupsKey, ...alone).catch(() => undefined) : undefined,
      ]);
      if (jobs.length) await this.queue.addBulk(jobs);
      for (const a of batch) a.resolve();
    } catch (e) {
      if (Object.keys(index).length) void this.pub.hdel(keys(this.opts.redis.prefix).groups, ...Object.keys(index)).catch(() => undefined);
      for (const a of batch) a.reject(e);
    }
  }

  /**
   * An outcome arrived (an event, a sweep, an adoption) in BullMQ task
   * `taskId`: it settles its job's flight if the token matches, once.
   */
  private receive(taskId: string, raw: unknown, { adopt = false } = {}): void {
    // A group's reply is read only from a group task: a worker cannot answer a single task for other files.
    if (isGroupId(taskId)) return this.receiveGroup(taskId, raw);
    const parsed = outcomeSchema.safeParse(raw);
    // An outcome names its task's own job: one naming another job (whose token a worker can read in Redis) is not taken.
    const why = !parsed.success ? parsed.error.issues[0]?.message : parsed.data.jobId !== taskId ? 'it names another job' : undefined;
    if (why || !parsed.success) {
      const flight = this.flights.get(taskId);
      if (flight && flight.taskId === taskId)
        this.settle(flight, () => flight.reject(new ExtractionError('internal', `A worker sent an outcome Quarry cannot read: ${why}`)));
      return this.forget(taskId, 'unreadable outcome');
    }
    const outcome = parsed.data;
    const flight = this.flights.get(outcome.jobId);
    if (!flight) return this.unclaimed(outcome.jobId, taskId);
    if (adopt) flight.task = { ...flight.task, token: outcome.token };
    if (outcome.token !== flight.task.token || flight.taskId !== taskId) {
      // Its job is looking for a task to adopt (an owner restarted: send()), and this may be that very task:
      // left as it is, send() or the sweep takes its outcome. Forgotten here, the task would be removed under
      // the adoption, found missing by the sweep, and sent again: its file would run twice.
      if (flight.adopting) return;
      return this.forget(taskId, 'an earlier attempt');
    }
    this.take(flight, outcome);
    this.removeConsumed(taskId);
  }

  /** An outcome with the flight's token: it settles the flight, once. */
  private take(flight: Flight, outcome: RemoteOutcome): void {
    this.settle(flight, () => this.deliver(flight, outcome));
    this.taken.add(flight.task.jobId);
    if (this.taken.size > 100_000) this.taken.delete(this.taken.values().next().value!);
  }

  /**
   * A group task's outcomes: each file's settles its own flight if its token
   * matches (the rest are dropped, file by file). The group is removed from
   * Redis unless a file in it may still be adopted (its job waits and has
   * not taken an outcome: an owner restarted and reclaiming its jobs).
   */
  private receiveGroup(taskId: string, raw: unknown): void {
    const parsed = groupOutcomeSchema.safeParse(raw);
    const waiting = this.flightsOf(taskId);
    if (!parsed.success) {
      const why = `A worker sent an outcome Quarry cannot read: ${parsed.error.issues[0]?.message}`;
      for (const f of waiting) this.settle(f, () => f.reject(new ExtractionError('internal', why)));
      return this.forget(taskId, 'unreadable outcome');
    }
    let keep = false;
    const members: string[] = [];
    const others: string[] = [];
    /** Files the worker skipped as cancelled that this owner has no mark of in memory (it restarted since). */
    const known = new Set(this.marked.get(taskId)?.tokens);
    const skipped: string[] = [];
    for (const raw of parsed.data.outcomes) {
      const one = outcomeSchema.safeParse(raw);
      if (!one.success) {
        this.unreadable(taskId, raw, one.error.issues[0]?.message, members);
        continue;
      }
      const outcome = one.data;
      const flight = this.flights.get(outcome.jobId);
      // Only a file of this group is taken: another file's token (readable in Redis) does not settle it from here.
      if (flight?.taskId === taskId && flight.task.token === outcome.token) {
        if ('again' in outcome.outcome) this.sendAlone(flight);
        else this.take(flight, outcome);
        members.push(outcome.jobId);
        continue;
      }
      others.push(outcome.jobId);
      const said = outcome.outcome as { ok?: boolean; error?: { code?: string } };
      if (said.ok === false && said.error?.code === 'cancelled' && !known.has(outcome.token)) skipped.push(outcome.token);
      // Its job is being claimed again (an owner restarted) and looks for this group: kept for adoption.
      if (flight?.adopting || (!flight && !this.taken.has(outcome.jobId) && this.opts.isWanted?.(outcome.jobId))) keep = true;
      else if (flight && flight.taskId !== taskId) this.drop(outcome.jobId, 'not a file of this group');
      else this.drop(outcome.jobId, flight ? 'an earlier attempt' : 'no job waits for it');
    }
    // A file the worker did not answer for (it never should): lost, it runs again.
    for (const f of waiting)
      if (f.taskId === taskId) {
        members.push(f.task.jobId);
        this.settle(f, () => f.reject(lostError(f, 'no outcome for this file in its group')));
      }
    if (keep) return;
    this.unmark(taskId);
    // Read before the group is removed: only its own files' marks may go.
    if (skipped.length)
      void this.unmarkSkipped(taskId, skipped)
        .catch(() => undefined)
        .finally(() => this.removeConsumed(taskId));
    else this.removeConsumed(taskId);
    void this.unindex(taskId, members, others).catch(() => undefined);
  }

  /**
   * An owner restarted while a group waited has lost the list of its marks
   * (`marked`, in memory): the marks of the files its worker skipped as
   * cancelled go when the group ends rather than after CANCELLED_TTL_S. Only
   * tokens of the group's own files: an outcome may name any token.
   */
  private async unmarkSkipped(groupId: string, tokens: string[]): Promise<void> {
    const job = await BullJob.fromId(this.queue, groupId);
    const own = new Set(((job?.data as Partial<RemoteGroupTask> | undefined)?.group ?? []).map((t) => t.token));
    const prefix = keys(this.opts.redis.prefix).cancelled;
    const gone = tokens.filter((t) => own.has(t)).map((t) => `${prefix}${t}`);
    if (gone.length) await this.pub.del(...gone);
  }

  /** A group's file that its worker could not answer within the group's inline limit: sent again in a task of its own, same token, not counted. */
  private sendAlone(flight: Flight): void {
    this.leave(flight);
    flight.taskId = flight.task.jobId;
    this.carried.set(flight.task.jobId, flight.taskId);
    flight.sentAt = Date.now();
    this.add(flight.task).catch((e) => this.settle(flight, () => flight.reject(asExtractionError(e))));
  }

  /** One outcome of a group Quarry cannot read: only the file it names (if of this group, with its token) fails, retryable. */
  private unreadable(taskId: string, raw: unknown, why: string | undefined, members: string[]): void {
    const id = outcomeIdentitySchema.safeParse(raw);
    const flight = id.success ? this.flights.get(id.data.jobId) : undefined;
    if (!id.success || !flight || flight.taskId !== taskId || flight.task.token !== id.data.token) return this.drop(taskId, 'unreadable outcome');
    members.push(flight.task.jobId);
    this.settle(flight, () => flight.reject(new ExtractionError('internal', `A worker sent an outcome Quarry cannot read: ${why}`)));
  }

  /** The group has ended (answered or lost): the cancel marks of its files are of no more use (they would expire anyway). */
  private unmark(groupId: string): void {
    const tokens = this.marked.get(groupId)?.tokens;
    if (!tokens) return;
    this.marked.delete(groupId);
    const prefix = keys(this.opts.redis.prefix).cancelled;
    void this.pub.del(...tokens.map((t) => `${prefix}${t}`)).catch(() => undefined);
  }

  /** Takes a group's files out of the groups index: `members` surely its, `others` only where the index says so (a reply may name any file). */
  private async unindex(groupId: string, members: string[], others: string[]): Promise<void> {
    const key = keys(this.opts.redis.prefix).groups;
    const held = others.length ? await this.pub.hmget(key, ...others) : [];
    const ids = [...members, ...others.filter((_, i) => held[i] === groupId)];
    if (ids.length) await this.pub.hdel(key, ...ids);
  }

  private deliver(flight: Flight, { outcome, worker, host }: RemoteOutcome): void {
    this.opts.onRanBy?.(flight.task.jobId, worker);
    const ranBy = workerLabel(worker, host);
    if ('again' in outcome) flight.reject(new ExtractionError('internal', 'A worker asked to send a task of its own again.', { worker: ranBy }));
    else if ('spooled' in outcome) void this.deliverSpooled(flight, ranBy);
    else if (outcome.ok) void this.deliverChecked(flight, outcome, ranBy);
    else flight.reject(workerError(outcome.error, ranBy));
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
    if (isGroupId(jobId)) return this.lostGroup(jobId, reason, { stalled });
    const flight = this.flights.get(jobId);
    if (!flight || flight.taskId !== jobId) return;
    const job = await BullJob.fromId(this.queue, jobId).catch(() => undefined);
    if (this.flights.get(jobId) !== flight) return;
    // Gone (between an earlier task's removal and its re-send, or lost by Redis): not known to be
    // ours, so nothing is concluded; the sweep sends it again if it stays gone.
    if (!job) return;
    // A late event of an earlier task under the same id (removed and sent again since).
    if ((job.data as RemoteTask).token !== flight.task.token) return this.drop(jobId, 'an earlier attempt failed');
    if (!isLost(job, await job.getState().catch(() => 'failed'), stalled)) return;
    // Out of the queue before the job is sent again (a stalled task waits for its deferred failure).
    await job.remove().catch(() => undefined);
    this.settle(flight, () => flight.reject(lostError(flight, reason)));
  }

  /** A group task failed or stalled: each of its files still waiting is lost (charged by the crash rule, not as an attempt). */
  private async lostGroup(groupId: string, reason: string, { stalled = false } = {}): Promise<void> {
    // Removed even when no file waits on it any more: a stalled group removed at its 'stalled' event
    // is failed by BullMQ right after, which leaves it in the failed set again.
    const job = await BullJob.fromId(this.queue, groupId).catch(() => undefined);
    if (!job || !isLost(job, await job.getState().catch(() => 'failed'), stalled)) return;
    await job.remove().catch(() => undefined);
    this.unmark(groupId);
    const waiting = this.flightsOf(groupId);
    // Every file it held leaves the index (a cancelled one too), where it still names this group.
    const held = ((job.data as Partial<RemoteGroupTask>).group ?? []).map((t) => t.jobId);
    void this.unindex(groupId, [], held).catch(() => undefined);
    for (const f of waiting) this.settle(f, () => f.reject(lostError(f, reason)));
  }

  private progress(taskId: string, data: unknown): void {
    const p = progressSchema.safeParse(data);
    if (!p.success) return;
    // A group task's progress names its file.
    const flight = this.flights.get(p.data.jobId ?? taskId);
    if (flight && p.data.token === flight.task.token) flight.onProgress?.({ processed: p.data.processed, total: p.data.total });
  }

  /** Cancelled (or Quarry closing): the flight ends now; a cancel also stops the worker's work. */
  private abort(flight: Flight, reason: unknown): void {
    if (this.flights.get(flight.task.jobId) !== flight) return;
    this.settle(flight, () => flight.reject(reason));
    // Quarry closing: the task keeps running, and the next start adopts its outcome.
    if ((reason as Error)?.name === 'ShutdownSignal') return;
    const { jobId, token } = flight.task;
    const k = keys(this.opts.redis.prefix);
    if (flight.taskId === jobId) {
      // Marked, then published: a worker that took the task just now (not yet in its running list when the
      // cancel came) skips it on reading the mark. The mark goes once the task is out of the queue.
      const mark = `${k.cancelled}${token}`;
      // close() waits for the whole chain, as for any removal.
      const chain: Promise<unknown> = this.pub
        .multi()
        .set(mark, '1', 'EX', SINGLE_CANCELLED_TTL_S)
        .publish(k.cancel, JSON.stringify({ jobId, token }))
        .exec()
        .then(() => this.removeTask(jobId))
        // Not found, it may still be on its way (an add under way): the mark stays for that worker.
        .then((removed) => (removed ? this.pub.del(mark) : undefined))
        .catch(() => undefined)
        .finally(() => this.removals.delete(chain));
      this.removals.add(chain);
      return;
    }
    // A file in a group: the group stays (its other files run); this file's outcome is dropped when it comes.
    // Its token is marked first, then published: a worker taking the group later skips the file, and one
    // that took it already has it in its running list by the time it reads the marks (worker.ts).
    // It leaves the groups index at once: a later attempt of the job must not find the group and adopt
    // the cancelled token (its worker would skip it; the job would wait on an outcome never taken).
    const marked = this.marked.get(flight.taskId);
    this.marked.set(flight.taskId, { tokens: [...(marked?.tokens ?? []), token], since: marked?.since ?? Date.now() });
    void this.pub
      .multi()
      .set(`${k.cancelled}${token}`, '1', 'EX', CANCELLED_TTL_S)
      .hdel(k.groups, jobId)
      .publish(k.cancel, JSON.stringify({ jobId, token }))
      .exec()
      .catch(() => undefined);
  }

  private settle(flight: Flight, then: () => void): void {
    if (this.flights.get(flight.task.jobId) !== flight) return;
    this.flights.delete(flight.task.jobId);
    this.leave(flight);
    then();
  }

  /** A finished task no flight waits for: kept if it is its job's own task and the job will be claimed again (adopted then). */
  private unclaimed(jobId: string, taskId: string): void {
    // Not once its job took an outcome since (from a group): a later retry must not adopt this stale one.
    if (taskId === jobId && !this.taken.has(jobId) && this.opts.isWanted?.(jobId)) return;
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

  /** Removes a finished task (close() waits for removals under way); true when it was in the queue and is out of it now. */
  private removeTask(taskId: string): Promise<boolean> {
    const removal = this.tryRemove(taskId).finally(() => this.removals.delete(removal));
    this.removals.add(removal);
    return removal;
  }

  /** A running task (locked by its worker) stays: it is removed when its outcome comes. */
  private async tryRemove(jobId: string): Promise<boolean> {
    try {
      const job = await BullJob.fromId(this.queue, jobId);
      const flight = this.flights.get(jobId);
      if (!job) return false;
      // Sent again meanwhile under the same id: that one stays.
      if (flight && (job.data as RemoteTask).token === flight.task.token) return false;
      await job.remove();
      return true;
    } catch {
      // Locked by a worker still running it: it is removed when it ends.
      return false;
    }
  }

  /** Checks every flight against Redis (missed events, a Redis that lost tasks). */
  async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      const due = [...this.flights.values()].filter((f) => Date.now() - f.sentAt > 1000);
      // A group task is checked once for all its files.
      const checks = [...new Map(due.map((f) => [f.taskId, f])).values()];
      for (let i = 0; i < checks.length; i += 100)
        await Promise.all(checks.slice(i, i + 100).map((f) => (f.taskId === f.task.jobId ? this.check(f) : this.checkGroup(f.taskId))));
      // A group whose files were all cancelled: no flight checks it, so its end (an event missed, the task
      // removed from Redis) is looked for here, or its cancel marks would stay until they expire.
      await Promise.all(this.orphanMarked().map((g) => this.checkGroup(g)));
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
    if (state === 'completed') this.receive(jobId, await this.returned(job));
    else if (state === 'failed') await this.lost(jobId, job.failedReason ?? 'failed');
  }

  /** Groups with cancel marks that no flight waits on any more (sent over a second ago: their addBulk is done). */
  private orphanMarked(): string[] {
    return [...this.marked].filter(([g, m]) => !this.groups.has(g) && Date.now() - m.since > 1000).map(([g]) => g);
  }

  private async checkGroup(groupId: string): Promise<void> {
    const job = await BullJob.fromId(this.queue, groupId);
    if (!job) {
      // Redis lost it: each file is sent again on its own, same token.
      void this.unindex(
        groupId,
        this.flightsOf(groupId).map((f) => f.task.jobId),
        [],
      ).catch(() => undefined);
      this.unmark(groupId);
      for (const f of this.flightsOf(groupId)) {
        this.leave(f);
        f.taskId = f.task.jobId;
        this.carried.set(f.task.jobId, f.taskId);
        await this.add(f.task);
      }
      return;
    }
    const state = await job.getState();
    if (state === 'completed') this.receiveGroup(groupId, await this.returned(job));
    else if (state === 'failed') await this.lostGroup(groupId, job.failedReason ?? 'failed');
  }

  /**
   * Retired (the settings moved remote workers to another Redis, or turned
   * them off): the tasks no worker has started are taken out of this queue
   * and their jobs released, their attempt not counted, to run on what
   * replaced this dispatcher; with `running`, those under way too (their
   * outcomes, if they ever come, are dropped). Returns the files released.
   */
  async handBack({ running = false } = {}): Promise<number> {
    const byTask = new Map<string, Flight[]>();
    for (const f of this.flights.values()) byTask.set(f.taskId, [...(byTask.get(f.taskId) ?? []), f]);
    let released = 0;
    for (const [taskId, flights] of byTask) {
      const job = await BullJob.fromId(this.queue, taskId).catch(() => undefined);
      const state = job ? await job.getState().catch(() => 'unknown') : 'gone';
      // Taken out only if no worker has it (a remove fails on a task a worker holds).
      const waiting =
        ['waiting', 'prioritized', 'delayed', 'gone'].includes(state) &&
        (!job ||
          (await job.remove().then(
            () => true,
            () => false,
          )));
      if (waiting) this.unmark(taskId);
      if (!waiting && !running) continue;
      if (isGroupId(taskId)) void this.pub.hdel(keys(this.opts.redis.prefix).groups, ...flights.map((f) => f.task.jobId)).catch(() => undefined);
      const why = new ShutdownSignal('Remote workers were switched to another Redis or off; it will run again.');
      for (const f of flights) this.settle(f, () => (released++, f.reject(why)));
    }
    await this.retireMarked();
    return released;
  }

  /**
   * Handed back: the groups whose files were all cancelled are taken out too, with their marks, unless a
   * worker runs one (it still needs them; they expire with the task).
   */
  private async retireMarked(): Promise<void> {
    for (const groupId of [...this.marked.keys()].filter((g) => !this.groups.has(g))) {
      const job = await BullJob.fromId(this.queue, groupId).catch(() => undefined);
      const removed =
        !job ||
        (await job.remove().then(
          () => true,
          () => false,
        ));
      if (removed) this.unmark(groupId);
    }
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
function taskOptions(jobId: string) {
  return { jobId, attempts: 1, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 7 * 86_400 } };
}

const single = (task: RemoteTask) => ({ name: 'extract', data: task as RemoteTask | RemoteGroupTask, opts: taskOptions(task.jobId) });
const groupOptions = (groupId: string) => taskOptions(groupId);

/**
 * The task is lost: failed, or stalled (its lock ran out: still active, or
 * waiting for the deferred failure BullMQ gives it when a worker next takes
 * it). A task sent again since, waiting afresh, is not.
 */
function isLost(job: BullJob, state: string, stalled: boolean): boolean {
  return state === 'failed' || (stalled && (state === 'active' || !!(job as { deferredFailure?: string }).deferredFailure));
}

/**
 * The file's worker was lost (killed, its lock ran out) or refused its task:
 * like the extraction host dying, charged by the scheduler's crash rule, not
 * as an attempt.
 */
function lostError(flight: Flight, reason: string): ExtractionError {
  return new ExtractionError('host_crashed', `The remote worker running this file was lost (${reason}); it will run again.`, {
    alone: flight.task.alone,
    how: `worker lost: ${reason}`,
    // Which worker held it is not known here (its lock ran out); the history says it was remote.
    worker: 'remote (lost)',
  });
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

/**
 * A worker's error as the scheduler gets it. Only the owner cancels: a flight
 * it cancelled is settled already, so a `cancelled` reaching here is a
 * worker's (a bug, a hostile worker, a stale token). Passed on as is, the
 * scheduler would read it as a person's cancel and write nothing, leaving
 * the job running; as `internal` it fails retryably, like any bad answer.
 */
function workerError(error: { code: ExtractionError['code']; message: string; details?: Record<string, unknown> }, ranBy: string): ExtractionError {
  if (error.code !== 'cancelled') return new ExtractionError(error.code, error.message, { ...error.details, worker: ranBy });
  return new ExtractionError('internal', `The worker said the task was cancelled, but Quarry did not cancel it (${error.message}).`, { worker: ranBy });
}

function asExtractionError(e: unknown): ExtractionError {
  if (e instanceof ExtractionError) return e;
  return new ExtractionError('internal', `The task could not be sent to Redis: ${(e as Error)?.message ?? String(e)}`);
}
