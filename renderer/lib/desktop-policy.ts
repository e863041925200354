/**
 * When the desktop says something about the work, and what (issue #14's
 * "desktop integration"): one notification per finished batch, never per
 * file, only when the person is looking elsewhere; progress over the running
 * work with the failed count, for the taskbar or the tab's title. Plain
 * functions: the browser implementation (renderer/platform/browser-desktop.ts)
 * and an Electron one apply the same rules.
 */
import { isTerminal, type Job } from '../../shared/job.js';

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
