/**
 * The engine's side of the extraction host: the same operations as the
 * in-process pool (run, hash, extractorVersions), carried out by a child
 * process that is restarted when it dies.
 *
 * When the host dies (a signal, an exit code, a V8 fatal error, a native
 * crash, an OOM kill, or silence past HOST_SILENCE_MS), every file in flight
 * fails with `host_crashed`, which says whether it was alone in the host. The
 * scheduler charges the death from there (see Scheduler.settleFailure):
 * - files that were in flight with others go back to pending, their attempt
 *   not counted, and are suspects: they run again `alone`;
 * - a suspect that kills the host again while alone fails as
 *   `extractor_crashed`, never retried automatically.
 * A call marked `alone` waits until nothing else is in the host, and holds
 * everything behind it until it is done (suspect mode).
 */
import { availableParallelism } from 'node:os';
import { ExtractionError, type ExtractTask, type ProgressMessage, type WorkerOutcome } from '../../../shared/extraction.js';
import type { ExtractionService, RunOptions } from '../pool.js';
import { defaultHostFile, nodeLauncher, type HostLauncher, type HostProcess } from './launcher.js';
import { unpackOutcome, type FromHost, type HostInit, type ToHost } from './protocol.js';

export interface HostOptions {
  /** The worker bundle the host's threads run (default: the built extractor). */
  filename?: string;
  threads?: number;
  /** Heap cap per worker thread. */
  maxHeapMb?: number;
  grouping?: boolean;
  /** The host process' own heap cap (default 1024 MB). */
  hostHeapMb?: number;
  /** The built host script (default: dist/host.cjs). */
  hostFile?: string;
  /** How to start it (default: a Node child process; Electron passes a utility process). */
  launcher?: HostLauncher;
  /** Something the pool or the host reported outside any file. */
  onError?: (err: Error) => void;
  /** The host died; `files` were in flight. */
  onCrash?: (crash: HostCrash) => void;
  /** A host silent this long (not even its heartbeat) with work in flight is killed (default 10 s). */
  silenceMs?: number;
}

export interface HostCrash {
  /** "signal SIGABRT", "exit code 133", "no answer for 10 s". */
  how: string;
  files: string[];
}

/** A host that answers nothing (not even its heartbeat) for this long with work in flight is killed. */
const HOST_SILENCE_MS = 10_000;
/** Failed starts in a row before files are failed instead of waiting for a host. */
const MAX_FAILED_STARTS = 5;

type Settle = { resolve: (value: any) => void; reject: (err: unknown) => void };

interface Call extends Settle {
  message: Extract<ToHost, { id: number }>;
  alone: boolean;
  file?: string;
  onProgress?: (p: ProgressMessage) => void;
  signal?: AbortSignal;
  /** Answered already (cancelled), though the host may still be busy with it. */
  settled: boolean;
}

export class ExtractionHost implements ExtractionService {
  private proc: HostProcess | undefined;
  private ready = false;
  private readonly waiting: Call[] = [];
  private readonly inFlight = new Map<number, Call>();
  /** Calls marked `alone` among those in flight: counted, not searched for in every pump (hundreds of small files are in flight). */
  private aloneInFlight = 0;
  private outbox: ToHost[] = [];
  private flushQueued = false;
  private nextId = 1;
  private failedStarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private closing = false;
  private exited: Promise<void> = Promise.resolve();
  private threadCount: number;
  private readonly hostFile: string;
  private readonly launcher: HostLauncher;
  private readonly watchdog: NodeJS.Timeout;
  private versions: Promise<Record<string, string>> | undefined;
  private readonly silenceMs: number;
  /** The watchdog killed the host for its silence: say so as the reason it died. */
  private silenced = false;

  constructor(private readonly opts: HostOptions = {}) {
    this.threadCount = opts.threads ?? availableParallelism();
    this.hostFile = opts.hostFile ?? defaultHostFile();
    this.launcher = opts.launcher ?? nodeLauncher;
    this.silenceMs = opts.silenceMs ?? HOST_SILENCE_MS;
    this.watchdog = setInterval(() => this.checkSilence(), Math.min(1000, this.silenceMs / 2));
    this.watchdog.unref();
  }

  get threads(): number {
    return this.threadCount;
  }

  /** The host's pid, once started (tests kill it). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the host now rather than with the first file. */
  warm(): void {
    if (!this.proc && !this.restartTimer && !this.closing) this.spawn();
  }

  run(task: ExtractTask, opts: RunOptions = {}): Promise<WorkerOutcome & { ok: true }> {
    const { signal, timeoutMs, small, onProgress, alone } = opts;
    return this.call(
      { t: 'run', id: 0, task, ...(timeoutMs ? { timeoutMs } : {}), small: small && !alone, progress: !!onProgress },
      { alone: !!alone, file: task.path, onProgress, signal },
    ).then((outcome: WorkerOutcome) => {
      if (!outcome.ok) throw new ExtractionError(outcome.error.code, outcome.error.message, outcome.error.details);
      return outcome;
    });
  }

  async hash(file: string, signal?: AbortSignal, alone = false): Promise<string> {
    const outcome: { sha256: string } = await this.call({ t: 'hash', id: 0, path: file }, { alone, file, signal });
    return outcome.sha256;
  }

  extractorVersions(): Promise<Record<string, string>> {
    this.versions ??= this.call({ t: 'versions', id: 0 }, { alone: false }).then((o: { versions: Record<string, string> }) => o.versions);
    return this.versions;
  }

  resize(threads: number): void {
    this.threadCount = threads;
    if (this.proc) this.post({ t: 'resize', threads });
  }

  /** Lets running files finish, then ends the host. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopTimers();
    this.failAll(this.waiting.splice(0), () => new ExtractionError('cancelled', 'Quarry is closing.'));
    if (this.proc) this.post({ t: 'close' });
    await this.exited;
  }

  /** Ends the host now, failing whatever runs. */
  async destroy(): Promise<void> {
    this.closing = true;
    this.stopTimers();
    this.proc?.kill();
    await this.exited;
  }

  // ---- calls ---------------------------------------------------------------

  private call(message: Call['message'], o: Omit<Call, 'message' | 'settled' | keyof Settle>): Promise<any> {
    if (this.closing) return Promise.reject(new ExtractionError('cancelled', 'Quarry is closing.'));
    if (o.signal?.aborted) return Promise.reject(cancelled());
    return new Promise((resolve, reject) => {
      const c: Call = { ...o, message: { ...message, id: this.nextId++ }, resolve, reject, settled: false };
      o.signal?.addEventListener('abort', () => this.cancel(c), { once: true });
      this.waiting.push(c);
      this.warm();
      this.pump();
    });
  }

  private cancel(c: Call): void {
    if (c.settled) return;
    c.settled = true;
    c.reject(cancelled());
    const queued = this.waiting.indexOf(c);
    if (queued >= 0) this.waiting.splice(queued, 1);
    // In flight: the host stops its thread; the call stays counted until the host says so.
    else if (this.inFlight.has(c.message.id)) this.post({ t: 'cancel', id: c.message.id });
    this.pump();
  }

  /** Sends what may go now: everything, except around a file that must run alone. */
  private pump(): void {
    if (!this.ready) return;
    while (this.waiting.length) {
      const next = this.waiting[0]!;
      if (this.aloneInFlight > 0 || (next.alone && this.inFlight.size > 0)) break;
      this.waiting.shift();
      this.inFlight.set(next.message.id, next);
      if (next.alone) this.aloneInFlight++;
      this.post(next.message);
      if (next.alone) break;
    }
  }

  // ---- the process ---------------------------------------------------------

  private spawn(): void {
    this.restartTimer = undefined;
    const proc = this.launcher(this.hostFile, { maxOldSpaceMb: this.opts.hostHeapMb ?? 1024 });
    this.proc = proc;
    this.ready = false;
    this.lastHeard = Date.now();
    this.exited = new Promise((resolve) => {
      proc.onExit((code, signal) => {
        this.died(proc, code, signal);
        resolve();
      });
    });
    proc.onMessage((batch) => {
      if (proc !== this.proc) return;
      this.lastHeard = Date.now();
      for (const m of batch as FromHost[]) this.receive(m);
    });
    const init: HostInit = {
      threads: this.threadCount,
      ...(this.opts.filename ? { workerFile: this.opts.filename } : {}),
      ...(this.opts.maxHeapMb ? { maxHeapMb: this.opts.maxHeapMb } : {}),
      ...(this.opts.grouping !== undefined ? { grouping: this.opts.grouping } : {}),
    };
    this.post({ t: 'init', init });
  }

  private receive(m: FromHost): void {
    switch (m.t) {
      case 'ready':
        this.ready = true;
        this.failedStarts = 0;
        return this.pump();
      case 'progress':
        return this.inFlight.get(m.id)?.onProgress?.(m.progress);
      case 'error':
        return this.opts.onError?.(new Error(m.message));
      case 'alive':
        return;
      case 'done':
      case 'fail': {
        const c = this.inFlight.get(m.id);
        if (!c) return;
        this.inFlight.delete(m.id);
        if (c.alone) this.aloneInFlight--;
        this.pump();
        if (c.settled) return;
        c.settled = true;
        if (m.t === 'done') c.resolve(unpackOutcome(m));
        else c.reject(new ExtractionError(m.error.code, m.error.message, m.error.details));
      }
    }
  }

  private died(proc: HostProcess, code: number | null, signal: string | null): void {
    if (proc !== this.proc) return;
    const started = this.ready;
    this.proc = undefined;
    this.ready = false;
    const how = this.silenced ? `no answer for ${this.silenceMs / 1000} s` : signal ? `signal ${signal}` : `exit code ${code}`;
    this.silenced = false;
    const calls = [...this.inFlight.values()];
    this.inFlight.clear();
    this.aloneInFlight = 0;
    this.outbox = []; // meant for the dead host
    if (this.closing) {
      this.failAll(calls, () => new ExtractionError('cancelled', 'Quarry is closing.'));
      return;
    }
    // Asking for versions harms nobody: ask the next host.
    const files = calls.filter((c) => c.message.t !== 'versions');
    this.waiting.unshift(...calls.filter((c) => c.message.t === 'versions'));
    const alone = files.length === 1;
    this.failAll(
      files,
      () =>
        new ExtractionError(
          'host_crashed',
          alone
            ? `The extraction process stopped (${how}) while extracting this file alone.`
            : `The extraction process stopped (${how}) while this file and ${files.length - 1} other(s) were being extracted; it will run again alone.`,
          { alone, how },
        ),
    );
    if (files.length) this.opts.onCrash?.({ how, files: files.map((c) => c.file ?? '') });
    this.restart(started, how);
  }

  /** Starts a new host: at once after a crash, with a growing wait after failed starts. */
  private restart(previousStarted: boolean, how: string): void {
    this.failedStarts = previousStarted ? 0 : this.failedStarts + 1;
    if (this.failedStarts >= MAX_FAILED_STARTS) {
      // Files do not wait for a host that cannot start; the next file tries again.
      this.failedStarts = 0;
      this.failAll(
        this.waiting.splice(0),
        () => new ExtractionError('internal', `The extraction process could not be started (${MAX_FAILED_STARTS} tries, the last ended with ${how}).`),
      );
      return;
    }
    if (!this.waiting.length) return; // started again with the next file
    const delay = this.failedStarts ? Math.min(250 * 2 ** this.failedStarts, 5000) : 0;
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  /** A host whose event loop is stuck answers nothing: end it, which counts as a crash. */
  private checkSilence(): void {
    if (!this.proc || this.inFlight.size === 0 || Date.now() - this.lastHeard < this.silenceMs) return;
    this.silenced = true;
    this.proc.kill();
  }

  private post(message: ToHost): void {
    this.outbox.push(message);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      const batch = this.outbox;
      this.outbox = [];
      this.proc?.send(batch);
    });
  }

  private failAll(calls: Call[], error: () => ExtractionError): void {
    for (const c of calls) {
      if (c.settled) continue;
      c.settled = true;
      c.reject(error());
    }
  }

  private stopTimers(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    clearInterval(this.watchdog);
  }
}

const cancelled = () => new ExtractionError('cancelled', 'Cancelled by the user.');
