/**
 * Small files share worker tasks. A piscina task costs a few tens of
 * microseconds of messaging on the main thread, more than extracting a small
 * text file; files that arrive together are sent in groups instead (the
 * worker's `runMany` task), each group run one file after another in one
 * thread.
 *
 * A file in a group behaves as if it ran alone:
 * - its own outcome, error or result;
 * - cancel: skipped if its turn has not come, the thread stopped if it is
 *   running (as for a file alone), its result dropped if it already ran;
 * - time limit: a watchdog on the index of the running file (shared memory)
 *   stops the thread when one file runs past the limit, counted from when the
 *   file before it ended (it is noticed within twice the limit); time spent
 *   waiting for a thread does not count. Files with different limits never
 *   share a group;
 * - a thread that dies (a crash, a heap overflow) fails only the file it was
 *   running; the others of the group run again, each on its own.
 *
 * The group size adapts: about TARGET_GROUP_MS of worker time per group, from
 * the time files have taken so far. Slow files (a PDF, OCR) end up in groups
 * of two; tiny text files in groups of up to MAX_GROUP. Files are spread so
 * that each thread has a task running and one waiting (the next is there
 * while the main thread stores the last one's results), but no further:
 * splitting more only makes smaller groups and more, smaller writes.
 */
import { ExtractionError, type ExtractTask, type GroupOutcome, type GroupTask, type WorkerOutcome } from '../../shared/extraction.js';

/** Files up to this size may be grouped (the caller says so: see `small` in ExtractionPool.run). */
export const GROUP_MAX_BYTES = 64 * 1024;
export const MAX_GROUP = 32;
const TARGET_GROUP_MS = 20;

export interface GroupRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

type Success = WorkerOutcome & { ok: true };

/** What the grouper needs from the pool. */
export interface GroupTransport {
  threads(): number;
  /** One group task; rejects when its thread dies or `signal` aborts. */
  sendGroup(group: GroupTask, signal: AbortSignal): Promise<GroupOutcome>;
  /** A file on its own, the normal way. */
  runAlone(task: ExtractTask, opts: GroupRunOptions): Promise<Success>;
  /** What a dead thread means for the file it was running. */
  translate(err: unknown): ExtractionError;
  timeoutError(ms: number): ExtractionError;
}

interface Member {
  task: ExtractTask;
  opts: GroupRunOptions;
  resolve: (outcome: Success) => void;
  reject: (err: unknown) => void;
  settled: boolean;
}

const cancelled = () => new ExtractionError('cancelled', 'Cancelled by the user.');

export class TaskGrouper {
  private waiting: Member[] = [];
  private flushQueued = false;
  /** Worker time per grouped file, a moving average. */
  private perFileMs = 1;
  /** Tasks (groups and single files) sent by flush and not back yet. */
  private inFlight = 0;

  constructor(private readonly pool: GroupTransport) {}

  /** Files per group at most, from the time files have taken so far. */
  get groupSize(): number {
    return Math.max(2, Math.min(MAX_GROUP, Math.round(TARGET_GROUP_MS / this.perFileMs)));
  }

  run(task: ExtractTask, opts: GroupRunOptions): Promise<Success> {
    if (opts.signal?.aborted) return Promise.reject(cancelled());
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, opts, resolve, reject, settled: false });
      // Everything asked for in this turn of the event loop goes out together.
      if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what waits now. */
  private flush(): void {
    this.flushQueued = false;
    const members = this.waiting.splice(0).filter((m) => {
      if (m.opts.signal?.aborted) m.reject(cancelled());
      return !m.opts.signal?.aborted;
    });
    for (const group of splitIntoGroups(members, (m) => m.opts.timeoutMs, { threads: this.pool.threads(), inFlight: this.inFlight, maxSize: this.groupSize }))
      this.send(group);
  }

  private send(group: Member[]): void {
    this.inFlight++;
    const done = () => this.inFlight--;
    if (group.length > 1) void this.runGroup(group).finally(done);
    else void this.alone(group[0]!).finally(done);
  }

  private alone(m: Member): Promise<unknown> {
    m.settled = true;
    return this.pool.runAlone(m.task, m.opts).then(m.resolve, m.reject);
  }

  private settle(m: Member, outcome: WorkerOutcome | Error): void {
    m.settled = true;
    if (outcome instanceof Error) m.reject(outcome);
    else if (outcome.ok) m.resolve(outcome);
    else m.reject(new ExtractionError(outcome.error.code, outcome.error.message, outcome.error.details));
  }

  private async runGroup(members: Member[]): Promise<void> {
    const state = new Int32Array(new SharedArrayBuffer(4 * (members.length + 1)));
    state[0] = -1;
    const controller = new AbortController();
    // Why the group was stopped, and which file was running then: read when
    // stopping, since the worker may move on before its thread is gone.
    let stopped: { index: number; why: 'cancelled' | 'timeout' } | undefined;
    const stop = (index: number, why: 'cancelled' | 'timeout') => {
      stopped ??= { index, why };
      controller.abort();
    };
    const watchdog = watch(state, members[0]!.opts.timeoutMs, (running) => stop(running, 'timeout'));
    const listeners = members.map((m, i) => {
      const onCancel = () => {
        if (m.settled) return;
        this.settle(m, cancelled());
        const running = Atomics.load(state, 0);
        if (running < i)
          Atomics.store(state, 1 + i, 1); // not started: the worker skips it
        else if (running === i) stop(i, 'cancelled'); // running: stop its thread, as for a file alone
        // already ran: its result is dropped
      };
      m.opts.signal?.addEventListener('abort', onCancel, { once: true });
      return onCancel;
    });
    try {
      const { outcomes, ms } = await this.pool.sendGroup({ tasks: members.map((m) => m.task), state }, controller.signal);
      const ran = outcomes.filter(Boolean).length;
      const perFile = ms / ran;
      if (ran && Number.isFinite(perFile)) this.perFileMs = 0.8 * this.perFileMs + 0.2 * Math.max(0.05, perFile);
      members.forEach((m, i) => {
        if (m.settled) return;
        const outcome = outcomes[i];
        if (outcome) this.settle(m, outcome);
        else void this.alone(m); // not run, yet not cancelled: cannot happen, but never lose a file
      });
    } catch (err) {
      // The thread died or was stopped. Only the file it was running fails;
      // the ones before it (their results died with the thread) and after it run again, alone.
      const culprit = stopped?.index ?? Atomics.load(state, 0);
      members.forEach((m, i) => {
        if (m.settled) return;
        if (i !== culprit) void this.alone(m);
        else this.settle(m, stopped?.why === 'timeout' ? this.pool.timeoutError(m.opts.timeoutMs!) : this.pool.translate(err));
      });
    } finally {
      watchdog.clear();
      members.forEach((m, i) => m.opts.signal?.removeEventListener('abort', listeners[i]!));
    }
  }
}

/**
 * How files that arrive together are cut into groups (also used by the
 * remote dispatcher, main/core/remote/task-groups.ts, for BullMQ tasks):
 * files with different time limits never share a group (the watchdog has
 * one limit); the files are spread so that each thread has a task running
 * and one waiting (`inFlight` tasks already out count), each group at most
 * `maxSize` files.
 */
export function splitIntoGroups<T>(items: T[], limitOf: (item: T) => number | undefined, o: { threads: number; inFlight: number; maxSize: number }): T[][] {
  const byLimit = new Map<number | undefined, T[]>();
  for (const item of items) {
    const list = byLimit.get(limitOf(item)) ?? [];
    list.push(item);
    byLimit.set(limitOf(item), list);
  }
  const groups: T[][] = [];
  for (const list of byLimit.values()) {
    const parts = Math.max(1, 2 * o.threads - o.inFlight - groups.length);
    const size = Math.max(1, Math.min(o.maxSize, Math.ceil(list.length / parts)));
    for (let i = 0; i < list.length; i += size) groups.push(list.slice(i, i + size));
  }
  return groups;
}

/**
 * Calls `expire` with the index of the running file when the same file has
 * been running for `limit` (checked every `limit`, so within twice the
 * limit). Time before the first file starts (waiting for a thread) does not count.
 */
function watch(state: Int32Array, limit: number | undefined, expire: (running: number) => void) {
  const w = { timer: undefined as NodeJS.Timeout | undefined, clear: () => clearTimeout(w.timer) };
  if (limit === undefined || !Number.isFinite(limit)) return w;
  let seen = -1;
  const check = () => {
    const running = Atomics.load(state, 0);
    if (running === -1 || running !== seen) {
      seen = running;
      w.timer = setTimeout(check, limit);
    } else expire(running);
  };
  w.timer = setTimeout(check, limit);
  return w;
}
