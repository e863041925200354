/**
 * The extraction service the engine uses when remote workers are on: each
 * extraction runs either in the local extraction host or on a remote worker
 * through the dispatcher, whichever is less loaded for its threads. Hashes
 * (the dedup check) and extractor versions stay local: the owner holds the
 * files and decides what is reused.
 */
import type { ExtractTask, WorkerOutcome } from '../../../shared/extraction.js';
import type { ExtractionService, RunOptions } from '../pool.js';
import type { RemoteDispatcher } from './dispatcher.js';

export interface SplitPoolOptions {
  local: ExtractionService;
  /** Local threads that take extractions (0: everything goes remote; the local host then only hashes). */
  localThreads: number;
  remote: RemoteDispatcher;
  /** Threads of the remote workers alive now. */
  remoteThreads: () => number;
  /** Remote workers alive now: each gets one task beyond its threads (see `threads`). */
  remoteWorkers: () => number;
}

export class SplitPool implements ExtractionService {
  private localInFlight = 0;
  /** The owner's file endpoint, for workers that cannot see a path (file-endpoint.ts); set once it listens. */
  filesUrl: string | undefined;
  /** The marker in the owner's spool root (spool-marker.ts), named in every task. */
  spoolMarker: string | undefined;

  constructor(private readonly o: SplitPoolOptions) {}

  /** Threads that extract on the owner's machine. */
  get localThreads(): number {
    return this.o.localThreads;
  }

  /** The settings turn this machine's threads on or off while it runs (0: everything goes remote). */
  set localThreads(n: number) {
    this.o.localThreads = n;
  }

  /**
   * What the scheduler may keep busy: local threads plus the live workers'
   * (at least one, so work is queued), plus one waiting task for each
   * worker. Without it a worker's thread that finishes a large file waits
   * for its outcome to reach this machine and the next task to come back
   * through Redis: 10-30 ms a task on one machine, a network's round trips
   * more between machines. The worker takes the waiting task at once (it
   * takes several per thread) and starts it when a thread is free; the
   * task's time limit starts then, not while it waits.
   */
  get threads(): number {
    return Math.max(1, this.o.localThreads + this.remoteSlots());
  }

  /** The live workers' threads, plus a waiting task for each worker (none without threads). */
  private remoteSlots(): number {
    const remote = this.o.remoteThreads();
    return remote > 0 ? remote + this.o.remoteWorkers() : 0;
  }

  run(task: ExtractTask, opts: RunOptions = {}): Promise<WorkerOutcome & { ok: true }> {
    if (!opts.job || !task.spoolDir || this.pickLocal()) return this.runLocal(task, opts);
    const { signal, onProgress, timeoutMs, small, alone } = opts;
    return this.o.remote.run(
      {
        jobId: opts.job.id,
        path: task.path,
        options: task.options,
        spoolDir: task.spoolDir,
        sizeBytes: opts.job.sizeBytes,
        ...(timeoutMs ? { timeoutMs } : {}),
        small: !!small,
        alone: !!alone,
        progress: !!onProgress,
        ...(this.filesUrl ? { filesUrl: this.filesUrl } : {}),
        ...(this.spoolMarker ? { spoolMarker: this.spoolMarker } : {}),
      },
      { signal, onProgress, fresh: opts.job.ranBefore === false },
    );
  }

  /** Local while its share of the work in flight is below its share of the slots (the workers' waiting tasks count as theirs). */
  private pickLocal(): boolean {
    const local = this.o.localThreads;
    if (local <= 0) return false;
    const remote = this.remoteSlots();
    if (remote <= 0) return true;
    return this.localInFlight / local <= this.o.remote.inFlight / remote;
  }

  private async runLocal(task: ExtractTask, opts: RunOptions): Promise<WorkerOutcome & { ok: true }> {
    this.localInFlight++;
    try {
      return await this.o.local.run(task, opts);
    } finally {
      this.localInFlight--;
    }
  }

  hash(file: string, signal?: AbortSignal, alone?: boolean): Promise<string> {
    return this.o.local.hash(file, signal, alone);
  }

  extractorVersions(): Promise<Record<string, string>> {
    return this.o.local.extractorVersions();
  }

  resize(threads: number): void {
    this.o.local.resize(threads);
  }

  close(): Promise<void> {
    return this.o.local.close();
  }

  destroy(): Promise<void> {
    return this.o.local.destroy();
  }
}
