/**
 * Coalesces the events pushed to a window, at the source.
 *
 * Why: while a folder of small files runs, the engine emits a `job.changed`
 * several times per job (pending → running → done, plus its batch's counts)
 * and a `job.progress` per step: thousands a second. Each one costs the page
 * a JSON parse, a zod validation and a store dispatch (bench case 16 found
 * them to be most of the page's script time), while the page only ever shows
 * the latest state of a job. So events are held for at most `intervalMs`
 * and sent together, keeping only the last state of each job.
 *
 * Rules (what the renderer's store relies on):
 * - one ordered queue; a job's `job.changed` replaces its pending one and
 *   moves to the end (its state is the one after everything before it);
 * - a `job.removed` drops the job's pending change and progress and takes the
 *   job's place at the end, so a job changed then removed ends removed;
 * - a `job.changed` makes the job's pending progress stale (the job carries
 *   its counts); a later `job.progress` replaces an earlier one;
 * - `stats.changed` and `engine.changed` are snapshots: the last one wins;
 * - `jobs.added` is never merged: each is kept in order;
 * - at a flush, consecutive job changes go as one `jobs.changed` (an array,
 *   in that order), so a burst costs the page one message, not hundreds.
 * The first event after a quiet spell is sent at once (a click's effect
 * shows without delay); `flush()` sends what is pending (on unsubscribe or
 * close, so nothing is lost), and the timer never keeps the process alive.
 */
import type { EventName, EventPayload } from '../../shared/contract.js';

export type Push = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** About six screen frames: invisible to a person, ~10× fewer events in a burst. */
export const COALESCE_MS = 100;

interface Pending {
  event: EventName;
  payload: unknown;
}

export class EventCoalescer {
  /** Insertion order is delivery order; a key re-set is deleted first so it moves to the end. */
  private readonly queue = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlush = -Infinity;
  private seq = 0;

  constructor(
    private readonly push: Push,
    private readonly intervalMs = COALESCE_MS,
  ) {}

  add<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (this.timer === undefined && this.queue.size === 0 && Date.now() - this.lastFlush >= this.intervalMs) {
      // Quiet until now: no burst to merge with.
      this.lastFlush = Date.now();
      this.push(event, payload);
      return;
    }
    this.enqueue(event, payload);
    this.timer ??= unref(setTimeout(() => this.flush(), Math.max(0, this.lastFlush + this.intervalMs - Date.now())));
  }

  /** Sends everything pending, in order, now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.size === 0) return;
    this.lastFlush = Date.now();
    const pending = [...this.queue.values()];
    this.queue.clear();
    const push = this.push as (e: EventName, p: unknown) => void;
    // Consecutive job changes go as one `jobs.changed`: one message for the page to parse and apply, not hundreds.
    let run: unknown[] = [];
    const sendRun = () => {
      if (run.length === 1) push('job.changed', run[0]);
      else if (run.length > 1) push('jobs.changed', run);
      run = [];
    };
    for (const p of pending) {
      if (p.event === 'job.changed') {
        run.push(p.payload);
        continue;
      }
      sendRun();
      push(p.event, p.payload);
    }
    sendRun();
  }

  private enqueue(event: EventName, payload: unknown): void {
    const key = this.keyOf(event, payload);
    if (event === 'job.changed' || event === 'job.removed') this.queue.delete(`progress:${(payload as { id: string }).id}`);
    this.queue.delete(key);
    this.queue.set(key, { event, payload });
  }

  private keyOf(event: EventName, payload: unknown): string {
    switch (event) {
      case 'job.changed':
      case 'job.removed':
        return `job:${(payload as { id: string }).id}`;
      case 'job.progress':
        return `progress:${(payload as { jobId: string }).jobId}`;
      case 'stats.changed':
      case 'engine.changed':
        return event;
      default:
        return `${event}#${this.seq++}`;
    }
  }
}

function unref(t: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (t as { unref?: () => void }).unref?.();
  return t;
}
