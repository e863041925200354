/**
 * `quarry worker`: takes extraction tasks from the BullMQ queue and runs
 * them in the same extraction host as the app (host/client.ts), so a parser
 * that crashes takes down only the host, and the crash is reported to the
 * owner like a local one (host_crashed, with `alone`).
 *
 * The worker never touches the owner's database: it gets a path, options and
 * a spool folder; it sends back the outcome with the task's attempt token.
 * Stopping (SIGINT/SIGTERM) takes no new task and lets the running ones
 * finish; a second signal hands them back at once (BullMQ then reports them
 * stalled to the owner, which runs them elsewhere without counting an attempt).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Worker as BullWorker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExtractionError, type ExtractionResult, type WorkerOutcome } from '../../../shared/extraction.js';
import { ExtractionHost, type HostOptions } from '../host/client.js';
import { bullConnection, redisClient, type RedisConfig } from './connection.js';
import { fetchSource, type FetchedSource } from './file-fetch.js';
import { toLocal, toOwner, type PathMapping } from './path-map.js';
import {
  cancelSchema,
  groupTaskSchema,
  HEARTBEAT_MS,
  keys,
  MAX_ERROR_MESSAGE,
  MAX_INLINE_RESULT_BYTES,
  TASKS_QUEUE,
  taskSchema,
  type RemoteOutcome,
  type RemoteTask,
} from './protocol.js';
import { handOver, type InlineOrSpooled } from './large-result.js';
import { toOwnerSpool, uploadSpool, workerSpool } from './spool-upload.js';
import { removeBeat, writeBeat } from './registry.js';

export interface RemoteWorkerOptions {
  redis: RedisConfig;
  name?: string;
  threads: number;
  maps?: PathMapping[];
  /** Quarry's version, shown in the Workers view. */
  version: string;
  /** The token the owner's file endpoint asks for (never the dashboard's). */
  fileToken?: string;
  /** Must match the owner's lockMs: how long this worker's task lock lasts without renewal. */
  lockMs?: number;
  host?: HostOptions;
  log?: (line: string) => void;
}

/** Tasks taken at once per thread: small files share a thread in groups inside the host. */
const TASKS_PER_THREAD = 16;
const PROGRESS_EVERY_MS = 250;

export class RemoteWorker {
  readonly name: string;
  private readonly host: ExtractionHost;
  private readonly bull: BullWorker;
  private readonly sub: Redis;
  private readonly pub: Redis;
  /**
   * The files running here, by attempt token (a cancel names one): by job id, a second attempt of the
   * same file here (its retry, then a copy of its old group) would hide the first from its cancel.
   * A token's controllers: a task delivered twice runs twice, and a cancel stops both.
   */
  private readonly running = new Map<string, { jobId: string; controllers: Set<AbortController> }>();
  private readonly beatTimer: NodeJS.Timeout;
  private versions: Record<string, string> = {};
  private done = 0;
  private failed = 0;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: RemoteWorkerOptions) {
    this.name = o.name ?? `${hostname()}-${process.pid}`;
    this.host = new ExtractionHost({ threads: o.threads, onError: (e) => this.log(`extraction host: ${e.message}`), ...o.host });
    const prefix = o.redis.prefix;
    this.pub = redisClient(o.redis);
    this.sub = redisClient(o.redis);
    this.pub.on('error', (e) => this.log(`redis: ${e.message}`));
    this.sub.on('error', () => undefined); // the same connection problem, said once by pub
    this.sub.on('message', (_channel, message) => this.cancelled(message));
    void this.sub.subscribe(keys(prefix).cancel).catch(() => undefined);
    this.bull = new BullWorker(TASKS_QUEUE, (job) => this.process(job), {
      connection: bullConnection(o.redis),
      prefix,
      concurrency: o.threads * TASKS_PER_THREAD,
      lockDuration: o.lockMs ?? 10_000,
      maxStalledCount: 0,
      stalledInterval: Math.max(500, Math.round((o.lockMs ?? 10_000) / 2)),
      autorun: false,
    });
    this.bull.on('error', (e) => this.log(`queue: ${e.message}`));
    this.beatTimer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.beatTimer.unref();
  }

  async start(): Promise<void> {
    this.host.warm();
    this.versions = await this.host.extractorVersions();
    await this.beat();
    void this.bull.run().catch((e: Error) => this.log(`queue: ${e.message}`));
    this.log(`worker ${this.name} ready: ${this.o.threads} thread(s), taking tasks`);
  }

  get activeTasks(): number {
    return this.running.size;
  }

  private track(task: RemoteTask, controller: AbortController): void {
    const r = this.running.get(task.token);
    if (r) r.controllers.add(controller);
    else this.running.set(task.token, { jobId: task.jobId, controllers: new Set([controller]) });
  }

  private untrack(task: RemoteTask, controller: AbortController): void {
    const r = this.running.get(task.token);
    r?.controllers.delete(controller);
    if (r && !r.controllers.size) this.running.delete(task.token);
  }

  /** One task (or a group of them, task-groups.ts): validated, run in the host; each outcome carries its file's token. */
  private async process(job: BullJob): Promise<RemoteOutcome | { group: true; outcomes: RemoteOutcome[] }> {
    if (job.data && typeof job.data === 'object' && 'group' in job.data) return this.processGroup(job);
    const parsed = taskSchema.safeParse(job.data);
    if (!parsed.success) throw new ExtractionError('internal', `A task this worker cannot read: ${parsed.error.issues[0]?.message}`);
    const task = parsed.data;
    // Its mark read first, as a group's: a cancel published just before this worker listed it reached nothing here.
    const [controller] = await this.admit([task]);
    return this.answer(task, await this.bounded(await this.runTask(task, job, controller), task));
  }

  /**
   * A group's files go to the extraction host together (it groups them
   * again for its threads); each has its own outcome, and together they stay
   * under the inline limit: the largest results go by file until they do.
   */
  private async processGroup(job: BullJob): Promise<{ group: true; outcomes: RemoteOutcome[] }> {
    const parsed = groupTaskSchema.safeParse(job.data);
    if (!parsed.success) throw new ExtractionError('internal', `A group task this worker cannot read: ${parsed.error.issues[0]?.message}`);
    const tasks = parsed.data.group;
    const controllers = await this.admit(tasks);
    const outcomes: InlineOrSpooled[] = await Promise.all(tasks.map((t, i) => this.runTask(t, job, controllers[i])));
    const sizes = outcomes.map((o) => (o.ok ? Buffer.byteLength(JSON.stringify(o)) : 0));
    let total = sizes.reduce((a, b) => a + b, 0);
    for (const i of sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!)) {
      if (total <= MAX_INLINE_RESULT_BYTES) break;
      const byFile = await this.bounded(outcomes[i] as WorkerOutcome, tasks[i]!, 0);
      // It could not go by file (no shared spool, no file endpoint, an upload failed): it alone may
      // fit inline, so the owner sends it again in a task of its own (not a too_large of this file).
      outcomes[i] = byFile.ok ? byFile : { ok: false, again: true };
      total -= sizes[i]!;
    }
    return { group: true, outcomes: outcomes.map((o, i) => this.answer(tasks[i]!, o)) };
  }

  private answer(task: RemoteTask, outcome: InlineOrSpooled): RemoteOutcome {
    return { jobId: task.jobId, token: task.token, worker: this.name, host: hostname(), outcome: withShortMessage(outcome) };
  }

  /**
   * A group's files enter the running list (a cancel published from now on
   * stops them), then those cancelled while the group waited in the queue
   * (their tokens marked in Redis, see keys().cancelled) are stopped before
   * they start. Redis away: the read waits in the client's offline queue
   * (maxRetriesPerRequest: null) until it is back, so nothing cancelled
   * starts meanwhile; the group could not report its outcomes or renew its
   * lock then anyway (if the lock runs out, the owner sends its files again).
   * Only a read that fails outright (a Redis error) lets them all run.
   */
  private async admit(tasks: RemoteTask[]): Promise<AbortController[]> {
    const controllers = tasks.map((t) => {
      const controller = new AbortController();
      this.track(t, controller);
      return controller;
    });
    const prefix = keys(this.o.redis.prefix).cancelled;
    const marks = await this.pub.mget(...tasks.map((t) => `${prefix}${t.token}`)).catch(() => []);
    marks.forEach((m, i) => m && controllers[i]!.abort(new ExtractionError('cancelled', 'Cancelled by the user.')));
    return controllers;
  }

  /** One file: its paths mapped (or its bytes fetched), run in the host; not at all if it was cancelled before its turn. */
  private async runTask(task: RemoteTask, job: BullJob, controller = new AbortController()): Promise<WorkerOutcome> {
    this.track(task, controller);
    if (controller.signal.aborted) {
      this.untrack(task, controller);
      return asOutcome(controller.signal.reason);
    }
    let fetched: FetchedSource | { error: WorkerOutcome } | undefined;
    let spool: Awaited<ReturnType<typeof workerSpool>> | undefined;
    try {
      spool = await workerSpool(toLocal(task.spoolDir, this.maps), task.spoolMarker);
      // A file that cannot be fetched is this file's outcome, not the worker's failure (which reads as a crash).
      fetched = await this.source(task, controller.signal).catch((e: unknown) => ({ error: asOutcome(e) }));
      let outcome =
        fetched && 'error' in fetched
          ? fetched.error
          : await this.extract(task, fetched?.path ?? toLocal(task.path, this.maps), job, controller.signal, spool.dir);
      if (outcome.ok && spool.private) outcome = await this.handSpool(outcome, task, spool.dir, controller.signal);
      outcome.ok ? this.done++ : this.failed++;
      return outcome;
    } finally {
      this.untrack(task, controller);
      if (fetched && 'dispose' in fetched) await fetched.dispose();
      await spool?.dispose();
    }
  }

  /** What the extraction wrote in a private spool folder goes up to the owner; the result then names the owner's paths. */
  private async handSpool(outcome: WorkerOutcome & { ok: true }, task: RemoteTask, dir: string, signal: AbortSignal): Promise<WorkerOutcome> {
    try {
      await uploadSpool(dir, {
        jobId: task.jobId,
        token: task.token,
        signal,
        ...(task.filesUrl ? { filesUrl: task.filesUrl } : {}),
        ...(this.o.fileToken ? { fileToken: this.o.fileToken } : {}),
      });
      return { ...outcome, result: toOwnerSpool(outcome.result, dir, task.spoolDir) };
    } catch (e) {
      return asOutcome(e);
    }
  }

  /** A result over the inline limit goes by file (large-result.ts); Redis gets a reference. */
  private async bounded(outcome: WorkerOutcome, task: RemoteTask, limit = MAX_INLINE_RESULT_BYTES): Promise<InlineOrSpooled> {
    if (!outcome.ok) return outcome;
    const json = JSON.stringify(outcome);
    if (Buffer.byteLength(json) <= limit) return outcome;
    try {
      await handOver(json, {
        jobId: task.jobId,
        token: task.token,
        localSpoolDir: toLocal(task.spoolDir, this.maps),
        ...(task.spoolMarker ? { spoolMarker: task.spoolMarker } : {}),
        ...(task.filesUrl ? { filesUrl: task.filesUrl } : {}),
        ...(this.o.fileToken ? { fileToken: this.o.fileToken } : {}),
      });
      return { ok: true, spooled: true, bytes: Buffer.byteLength(json) };
    } catch (e) {
      return asOutcome(e);
    }
  }

  private get maps(): PathMapping[] {
    return this.o.maps ?? [];
  }

  /** The file by its (mapped) path when this machine sees it, else its bytes from the owner. */
  private async source(task: RemoteTask, signal: AbortSignal): Promise<FetchedSource | undefined> {
    if (existsSync(toLocal(task.path, this.maps)) || !task.filesUrl) return undefined;
    return fetchSource({ url: task.filesUrl, jobId: task.jobId, token: this.o.fileToken, name: task.path, sizeBytes: task.sizeBytes, signal });
  }

  private async extract(task: RemoteTask, file: string, job: BullJob, signal: AbortSignal, spoolDir: string): Promise<WorkerOutcome> {
    let lastProgress = 0;
    try {
      const out = await this.host.run(
        { path: file, options: task.options, spoolDir },
        {
          signal,
          small: task.small,
          alone: task.alone,
          ...(task.timeoutMs ? { timeoutMs: task.timeoutMs } : {}),
          ...(task.progress
            ? {
                onProgress: (p) => {
                  if (Date.now() - lastProgress < PROGRESS_EVERY_MS && p.processed < p.total) return;
                  lastProgress = Date.now();
                  void job.updateProgress({ jobId: task.jobId, token: task.token, processed: p.processed, total: p.total }).catch(() => undefined);
                },
              }
            : {}),
        },
      );
      const timing = out.startedAt && out.finishedAt ? { startedAt: out.startedAt, finishedAt: out.finishedAt } : {};
      return { ok: true, result: this.ownerPaths(out.result, file, task.path), ...(out.sha256 ? { sha256: out.sha256 } : {}), ...timing };
    } catch (e) {
      return asOutcome(e);
    }
  }

  /** Paths the extraction wrote (children, the full text) as the owner sees them. */
  private ownerPaths(result: ExtractionResult, file: string, ownerFile: string): ExtractionResult {
    const back = (p: string) => (p === file ? ownerFile : toOwner(p, this.maps));
    const fullText = (result.metadata as { fullText?: { path?: string } }).fullText;
    return {
      ...result,
      ...(result.children ? { children: result.children.map((c) => ({ ...c, path: back(c.path) })) } : {}),
      ...(fullText?.path ? { metadata: { ...result.metadata, fullText: { ...fullText, path: back(fullText.path) } } } : {}),
    };
  }

  private cancelled(message: string): void {
    let data: unknown;
    try {
      data = JSON.parse(message);
    } catch {
      return;
    }
    const c = cancelSchema.safeParse(data);
    if (!c.success) return;
    const r = this.running.get(c.data.token);
    if (r?.jobId === c.data.jobId) for (const controller of r.controllers) controller.abort(new ExtractionError('cancelled', 'Cancelled by the user.'));
  }

  private async beat(): Promise<void> {
    try {
      await writeBeat(this.pub, this.o.redis.prefix, {
        name: this.name,
        host: hostname(),
        pid: process.pid,
        threads: this.o.threads,
        version: this.o.version,
        extractorVersions: this.versions,
        running: [...new Set([...this.running.values()].map((r) => r.jobId))],
        done: this.done,
        failed: this.failed,
        at: Date.now(),
      });
    } catch {
      // Redis away: the next beat says we are alive.
    }
  }

  /**
   * Stops taking tasks. Without `force`, running tasks finish and their
   * outcomes go back; with it, they are abandoned to the owner (stalled).
   */
  stop({ force = false } = {}): Promise<void> {
    if (force) {
      // Not cancelled (that would read as a person's cancel): left to the owner's stall check.
      return this.bull.close(true).then(() => this.shutdown(true));
    }
    this.stopping ??= this.bull.close().then(() => this.shutdown());
    return this.stopping;
  }

  private async shutdown(force = false): Promise<void> {
    clearInterval(this.beatTimer);
    await removeBeat(this.pub, this.o.redis.prefix, this.name).catch(() => undefined);
    await (force ? this.host.destroy() : this.host.close());
    this.sub.disconnect();
    this.pub.disconnect();
  }

  private readonly said = new Map<string, number>();

  /** Each distinct line at most every 30 s: a Redis that is away fails every reconnect. */
  private log(line: string): void {
    const now = Date.now();
    if (now - (this.said.get(line) ?? -Infinity) < 30_000) return;
    this.said.set(line, now);
    if (this.said.size > 100) this.said.delete(this.said.keys().next().value!);
    (this.o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }
}

function asOutcome(e: unknown): WorkerOutcome & { ok: false } {
  const err = e instanceof ExtractionError ? e : new ExtractionError('internal', (e as Error)?.message ?? String(e));
  return { ok: false, error: { code: err.code, message: err.message, details: err.details } };
}

/** An error message the owner would refuse as too long (a parser quoting a whole file) is cut, so its file fails as it should, readably. */
function withShortMessage(outcome: InlineOrSpooled): InlineOrSpooled {
  if (outcome.ok || 'again' in outcome || outcome.error.message.length <= MAX_ERROR_MESSAGE) return outcome;
  const message = `${outcome.error.message.slice(0, MAX_ERROR_MESSAGE - 40)}… (cut, ${outcome.error.message.length} characters)`;
  return { ...outcome, error: { ...outcome.error, message } };
}
