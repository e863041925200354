/**
 * When the desktop says something about the work, and what (issue #14's
 * "desktop integration"): one notification per finished batch, never per
 * file, only when the person is looking elsewhere; progress over the running
 * work with the failed count, for the taskbar or the tab's title. Plain
 * functions, and the one follower both platforms feed (WorkFollower): the
 * browser's (renderer/platform/browser.ts) from the window's store,
 * Electron main's (main/desktop/electron-platform.ts) from the engine's
 * events, so a minimised window still updates its taskbar.
 */
import { isTerminal, type Job } from './job.js';

export interface BatchNotice {
  batchId: string;
  title: string;
  body: string;
}

/** A batch that has just finished (it was seen unfinished before), as a notification says it; null otherwise. */
export function finishedBatchNotice(before: Job | undefined, after: Job): BatchNotice | null {
  if (after.kind !== 'batch' || !before || isTerminal(before.status) || !isTerminal(after.status)) return null;
  const name = after.fileName ?? 'Batch';
  const files = (n: number) => `${n.toLocaleString('en')} file${n === 1 ? '' : 's'}`;
  const parts = [`${files(after.successful)} extracted`];
  if (after.failed > 0) parts.push(`${after.failed.toLocaleString('en')} failed`);
  // processed counts completed and failed files: in a finished batch, the rest were cancelled.
  const cancelled = Math.max(0, after.total - after.processed);
  if (cancelled > 0) parts.push(`${cancelled.toLocaleString('en')} cancelled`);
  return { batchId: after.id, title: `${name}: ${after.status === 'failed' ? 'stopped' : 'done'}`, body: parts.join(', ') };
}

/** A notification is shown only when it is wanted, allowed, and the window is not in front of the person. */
export function shouldNotify(o: { enabled: boolean; permitted: boolean; focused: boolean }): boolean {
  return o.enabled && o.permitted && !o.focused;
}

export interface WorkProgress {
  /** 0..1 over the unfinished batches' files; null when nothing runs. */
  fraction: number | null;
  /** Failed files in those batches: the badge. */
  failed: number;
}

/** Progress over the batches still running or waiting. */
export function workProgress(batches: Iterable<Job>): WorkProgress {
  let total = 0;
  let processed = 0;
  let failed = 0;
  for (const b of batches) {
    if (b.kind !== 'batch' || isTerminal(b.status) || b.total === 0) continue;
    total += b.total;
    processed += Math.min(b.processed, b.total);
    failed += b.failed;
  }
  return { fraction: total ? processed / total : null, failed };
}

/** The tab's title: "(42%) Quarry", "(42% · 3 failed) Quarry", or the plain name when nothing runs. */
export function progressTitle(p: WorkProgress, name = 'Quarry'): string {
  if (p.fraction === null) return name;
  const pct = `${Math.floor(p.fraction * 100)}%`;
  return `(${p.failed > 0 ? `${pct} · ${p.failed.toLocaleString('en')} failed` : pct}) ${name}`;
}

/** Where a follower's conclusions go: the platform (shared/platform.ts `DesktopPlatform`). */
export interface WorkSink {
  showProgress(progress: WorkProgress): void;
  notify(notice: BatchNotice): void;
}

/** Whether a notification may be shown now: asked at the moment a batch finishes. */
export type NotifyGate = () => { enabled: boolean; permitted: boolean; focused: boolean };

/**
 * Follows batches as they change and tells the sink: the progress when its
 * whole percent or the failed count moved (a 10,000-file batch changes
 * 10,000 times; the taskbar needs 100), one notice when a batch it saw
 * unfinished has finished.
 */
export class WorkFollower {
  private readonly open = new Map<string, Job>();
  private shown: string | undefined;

  constructor(
    private readonly sink: WorkSink,
    private readonly gate: NotifyGate,
  ) {}

  /** A batch changed (or was seen for the first time: a finished one is then only remembered as finished). */
  update(batch: Job): void {
    if (this.note(batch)) this.publish();
  }

  /** A batch was deleted: it no longer counts. */
  remove(id: string): void {
    if (this.open.delete(id)) this.publish();
  }

  /**
   * Many batches changed and some were deleted: the progress is summed over
   * the open batches once, not once per batch (a page applying a frame of
   * changes would otherwise sum all batches for each of them).
   */
  updateMany(changed: Iterable<Job>, removed: Iterable<string> = []): void {
    let moved = false;
    for (const batch of changed) moved = this.note(batch) || moved;
    for (const id of removed) moved = this.open.delete(id) || moved;
    if (moved) this.publish();
  }

  /** Records one batch's change and notifies if it just finished; whether it was a batch. */
  private note(batch: Job): boolean {
    if (batch.kind !== 'batch') return false;
    const notice = finishedBatchNotice(this.open.get(batch.id), batch);
    if (isTerminal(batch.status)) this.open.delete(batch.id);
    else this.open.set(batch.id, batch);
    if (notice && shouldNotify(this.gate())) this.sink.notify(notice);
    return true;
  }

  progress(): WorkProgress {
    return workProgress(this.open.values());
  }

  private publish(): void {
    const p = this.progress();
    const key = p.fraction === null ? `idle:${p.failed}` : `${Math.floor(p.fraction * 100)}:${p.failed}`;
    if (key === this.shown) return;
    this.shown = key;
    this.sink.showProgress(p);
  }
}
