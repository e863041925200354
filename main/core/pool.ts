/**
 * The extraction pool: piscina worker threads that read and parse files.
 *
 * Only paths and options go to a worker, and the result comes back; progress
 * streams over a MessagePort. Whatever a worker does (throws, exits, runs out
 * of memory, hangs past its time limit) comes back as an ExtractionError and
 * the pool replaces the worker, so one bad file never takes the others down.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ExtractionError, type GroupOutcome, type HashOutcome, type ExtractTask, type ProgressMessage, type WorkerOutcome } from '../../shared/extraction.js';
import { TaskGrouper } from './pool-groups.js';
import type { Job } from '../../shared/job.js';

export interface PoolOptions {
  /** The worker bundle; defaults to dist/workers/extract.mjs beside this bundle. */
  filename?: string;
  threads?: number;
  /** Heap cap per worker thread: a memory bomb kills its worker, not the app. */
  maxHeapMb?: number;
  /**
   * Send small files in groups (see pool-groups.ts; default true). The
   * worker must then export a `runMany` task.
   */
  grouping?: boolean;
  /**
   * What piscina reports outside any task: a worker that failed between
   * tasks, a late answer to a task already settled, a close that timed out.
   * Without a listener, such an 'error' event would end the whole process.
   */
  onError?: (err: Error) => void;
  // A worker also writes Date.now() into `task.started[0]` when it starts a
  // task that has one (a time limit counts from then): see workers/extract.ts.
}

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (p: ProgressMessage) => void;
  /** A small file (see GROUP_MAX_BYTES): it may share a worker task with others. */
  small?: boolean;
  /**
   * A suspect of an earlier crash of the extraction host: it runs with
   * nothing else in flight (see host/client.ts). Threads in one process
   * cannot tell one file's crash from another's, so the in-process pool
   * ignores it.
   */
  alone?: boolean;
  /**
   * The job this extraction is for: lets it run on a remote worker
   * (remote/split-pool.ts), whose outcome is tied to the job's attempt.
   */
  job?: { id: string; sizeBytes: number | null; /** Ran before (a retry, a recovery): a task of an earlier attempt may still be about. */ ranBefore?: boolean };
}

/** A job that was in flight when the extraction host died: it runs alone until it is cleared or charged. */
export function isCrashSuspect(job: Pick<Job, 'errorCode'>): boolean {
  return job.errorCode === 'host_crashed';
}

/**
 * What the engine asks of extraction, whether the threads run in this
 * process (ExtractionPool: benchmarks, the extraction host itself) or in the
 * extraction host process (host/client.ts: the app, serve, the CLI).
 */
export interface ExtractionService {
  readonly threads: number;
  /** Runs one extraction; resolves with the result or rejects with an ExtractionError. */
  run(task: ExtractTask, opts?: RunOptions): Promise<WorkerOutcome & { ok: true }>;
  /** The file's sha256, streamed in a worker. */
  hash(file: string, signal?: AbortSignal, alone?: boolean): Promise<string>;
  /** Each extractor's current version, by name. */
  extractorVersions(): Promise<Record<string, string>>;
  resize(threads: number): void;
  /** Waits for running tasks, then stops every thread. */
  close(): Promise<void>;
  /** Stops every thread now, failing whatever runs. */
  destroy(): Promise<void>;
}

/** Finds the built worker whether we run from dist/ (app, CLI) or from sources (tests). */
export function defaultWorkerFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'workers', 'extract.mjs'), // dist/cli.cjs, dist/serve.cjs
    path.join(here, '..', 'workers', 'extract.mjs'), // dist/main/main.cjs
    path.resolve(here, '../../dist/workers/extract.mjs'), // main/core/pool.ts under vitest
  ];
  // Inside a packaged app the worker is unpacked from the asar archive.
  const found = candidates.map((c) => c.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`)).find(existsSync);
  if (!found) throw new Error(`The extraction worker was not found (looked in ${candidates.join(', ')}). Run "npm run build".`);
  return found;
}

export class ExtractionPool implements ExtractionService {
  private piscina: Piscina;
  private readonly filename: string;
  private readonly maxHeapMb: number;
  private readonly grouper: TaskGrouper | undefined;
  private readonly onError: (err: Error) => void;

  constructor(opts: PoolOptions = {}) {
    this.filename = opts.filename ?? defaultWorkerFile();
    this.maxHeapMb = opts.maxHeapMb ?? 1024;
    this.onError = opts.onError ?? ((err) => console.error(`quarry: extraction pool: ${err.message}`));
    this.piscina = this.create(opts.threads ?? availableParallelism());
    if (opts.grouping !== false) {
      this.grouper = new TaskGrouper({
        // Threads beyond the cores add no parallelism to spread groups over.
        threads: () => Math.min(this.threads, availableParallelism()),
        sendGroup: (group, signal) => this.piscina.run(group, { name: 'runMany', signal }) as Promise<GroupOutcome>,
        runAlone: (task, o) => this.runAlone(task, o),
        translate: translateWorkerError,
        timeoutError,
      });
    }
  }

  get threads(): number {
    return this.piscina.options.maxThreads;
  }

  private create(threads: number): Piscina {
    const piscina = new Piscina({
      filename: this.filename,
      minThreads: Math.min(1, threads),
      maxThreads: threads,
      idleTimeout: 30_000,
      // The young generation is left at V8's size (48 MB here). Capped at 16 MB,
      // parsers that make much short-lived garbage (pdf.js, the Office and CAD
      // readers) promoted more of it to the old generation: the corpus mix
      // took about 10% more time and CPU (bench/RESULTS.md, 2026-12-07 18:00),
      // for about 45 MB less at the peak of 100,000 queued small files.
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    });
    piscina.on('error', (err: Error) => this.onError(err));
    return piscina;
  }

  /**
   * Changes the number of threads. piscina fixes it at construction, so new
   * work goes to a new pool while the old one finishes what it has.
   */
  resize(threads: number): void {
    if (threads === this.threads) return;
    const old = this.piscina;
    this.piscina = this.create(threads);
    void old.close().catch(() => undefined);
  }

  /** Runs one extraction; resolves with the result or rejects with an ExtractionError. */
  run(task: ExtractTask, opts: RunOptions = {}): Promise<WorkerOutcome & { ok: true }> {
    if (opts.small && !opts.onProgress && this.grouper) return this.grouper.run(task, opts);
    return this.runAlone(task, opts);
  }

  private async runAlone(task: ExtractTask, opts: RunOptions): Promise<WorkerOutcome & { ok: true }> {
    // The worker writes when it starts the task: the time limit counts from
    // then, not from when the task joined the queue for a thread.
    const started = opts.timeoutMs ? new Float64Array(new SharedArrayBuffer(8)) : undefined;
    if (started) task = { ...task, started };
    const deadline = opts.timeoutMs ? new Deadline(opts.timeoutMs, opts.signal, started) : undefined;
    const signal = deadline?.signal ?? opts.signal;
    // A progress channel only for callers that listen (a small file is done
    // before its first progress message would be sent).
    const channel = opts.onProgress ? new MessageChannel() : undefined;
    if (channel) channel.port1.on('message', opts.onProgress!);
    try {
      const outcome: WorkerOutcome = await this.piscina.run(channel ? { ...task, port: channel.port2 } : task, {
        ...(channel ? { transferList: [channel.port2] as any } : {}),
        ...(signal ? { signal } : {}),
      });
      if (!outcome.ok) throw new ExtractionError(outcome.error.code, outcome.error.message, outcome.error.details);
      return outcome;
    } catch (err) {
      if (err instanceof ExtractionError) throw err;
      if (deadline?.expired) throw timeoutError(opts.timeoutMs!);
      if (opts.signal?.aborted) throw new ExtractionError('cancelled', 'Cancelled by the user.');
      throw translateWorkerError(err);
    } finally {
      deadline?.clear();
      if (channel) {
        // Progress and result travel on different channels: the last progress
        // messages may still be queued. Deliver them before closing.
        for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1)) opts.onProgress?.(m.message);
        channel.port1.close();
      }
    }
  }

  /** The file's sha256, streamed in a worker (the `hash` task). */
  async hash(file: string, signal?: AbortSignal): Promise<string> {
    let outcome: HashOutcome;
    try {
      outcome = await this.piscina.run({ path: file }, { name: 'hash', ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw new ExtractionError('cancelled', 'Cancelled by the user.');
      throw translateWorkerError(err);
    }
    if (!outcome.ok) throw new ExtractionError(outcome.error.code, outcome.error.message, outcome.error.details);
    return outcome.sha256;
  }

  private versions: Promise<Record<string, string>> | undefined;

  /** Each extractor's current version, by name (asked of a worker once). */
  extractorVersions(): Promise<Record<string, string>> {
    this.versions ??= this.piscina
      .run(null, { name: 'listExtractors' })
      .then((list: Array<{ name: string; version: string }>) => Object.fromEntries(list.map((e) => [e.name, e.version])));
    return this.versions;
  }

  /** Waits for running tasks, then stops every thread. */
  async close(): Promise<void> {
    // Files asked for in this turn of the event loop are not sent first: piscina
    // refuses them cleanly once closing, while a task it aborted mid-flight can
    // answer late and make piscina throw ("Unexpected message from Worker").
    await this.piscina.close();
  }

  /** Stops every thread now, failing whatever runs. */
  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}

/**
 * The caller's signal plus a time limit, as one signal for piscina. Built by
 * hand: AbortSignal.timeout() and AbortSignal.any() cost more per task in
 * Node 20 (weak references, a finalization registry) than the thread hop itself.
 */
class Deadline {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout>;
  expired = false;

  /** `started[0]`: when the worker started the task (Date.now()), 0 while it waits for a thread. */
  constructor(
    private readonly ms: number,
    private readonly parent?: AbortSignal,
    private readonly started?: Float64Array,
  ) {
    this.timer = setTimeout(this.check, ms);
    if (parent?.aborted) this.controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  private readonly check = () => {
    const since = this.started ? this.started[0]! : Date.now() - this.ms;
    // Still waiting for a thread: look again soon. Started: wait out the rest.
    const left = since === 0 ? Math.min(this.ms, 1000) : since + this.ms - Date.now();
    if (since === 0 || left > 0) {
      this.timer = setTimeout(this.check, Math.max(1, left));
      return;
    }
    this.expired = true;
    this.controller.abort();
  };

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private readonly onParentAbort = () => this.controller.abort(this.parent!.reason);

  clear(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}

/**
 * A failure of the worker thread itself, not one the worker reported, as a
 * typed ExtractionError: from here on, every decision is made by its code.
 */
function translateWorkerError(err: unknown): ExtractionError {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ExtractionError('resource_limit', 'The file needed more memory than a worker may use, so its worker was stopped.');
  }
  const message = e?.message ?? String(err);
  if (isPiscinaThreadEnd(message)) return new ExtractionError('worker_crashed', `The extraction worker stopped unexpectedly (${message}).`);
  return new ExtractionError('internal', `The extraction worker failed: ${message}`);
}

/**
 * piscina's errors for a thread that exited or was terminated under a task
 * carry no code and no class of their own: their fixed texts are all it
 * gives. This is the one place in main/ that reads an error's message, and
 * it reads piscina's words, never ours.
 */
const PISCINA_THREAD_END = /worker exited|Terminating worker thread/i;
function isPiscinaThreadEnd(message: string): boolean {
  return PISCINA_THREAD_END.test(message);
}

function timeoutError(ms: number): ExtractionError {
  return new ExtractionError('timeout', `Extraction took longer than ${formatMs(ms)} and was stopped.`);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s` : `${ms} ms`;
}
