/**
 * Completion: a running job's result is stored and the job ends completed
 * (or partial, when some of its items failed). One path for one job and for
 * many: the scheduler completes everything that finished since its last tick
 * in one transaction (`completeMany`), and `complete` is the same write for
 * a single job. A container (an archive, an e-mail) that yielded entries
 * instead becomes the batch of its entries (`becomeBatch`).
 */
import type { ExtractionResult } from '../../../shared/extraction.js';
import type { Job } from '../../../shared/job.js';
import { assertCan } from '../state-machine.js';
import { finishedMany } from './batch-rules.js';
import type { StoreCore } from './core.js';
import { insert } from './insert.js';
import { owedToIndex } from './search-index.js';
import { MARKDOWN_IS_TEXT, summarize, withFinish, type NewJob, type Row } from './rows.js';

/** What an execution says beside its result, recorded with it. */
export interface CompletionDetails {
  contentHash?: string;
  /** Items that failed inside an otherwise successful run: the job ends partial. */
  failedItems?: number;
  /** A caveat to record with the result (e.g. a pipeline step failed with on_error: continue). */
  warning?: string;
  /** Dedup: the job whose stored result this one reused. */
  reusedFrom?: string;
  /**
   * When a worker thread began the work. The row's started_at moves to it:
   * a claimed job may wait in the pool's queue (small files are claimed in
   * hundreds), and that wait is not the file's duration.
   */
  startedAt?: number;
  /** When the work ended, by the clock of the thread that did it; completed_at moves back to it (never before started_at). */
  finishedAt?: number;
  /** Who ran the attempt: "local", or a remote worker (workerLabel in remote/dispatcher.ts); recorded in the job's history. */
  ranBy?: string;
}

/** A running job, as claimed, and what its execution produced. */
export interface Completion extends CompletionDetails {
  job: Job;
  result: ExtractionResult;
  /** The pipeline step it ended on (see Scheduler's onStep). */
  stepIndex?: number;
}

/**
 * Completes many running jobs in one transaction. Jobs that are no longer
 * running (cancelled meanwhile) are left alone and returned as refused.
 * Batches and dependents are settled once per parent, not per child.
 * (One prepared UPDATE per job: a single UPDATE … FROM json_each(?) over
 * all of them cost half as much again, for the JSON it parses per column.)
 */
export function completeMany(s: StoreCore, items: readonly Completion[]): { done: Job[]; refused: string[] } {
  if (!items.length) return { done: [], refused: [] };
  return s.tx(() => writeCompletions(s, items));
}

/** Stores the result and ends the job: partial when some items failed; a container with children becomes their batch. */
export function complete(s: StoreCore, id: string, result: ExtractionResult, opts: CompletionDetails & { children?: NewJob[] } = {}): Job {
  return s.tx(() => {
    const job = s.require(id);
    // Only a running job completes.
    assertCan('complete', job);
    const { children, ...rest } = opts;
    if (children?.length) return becomeBatch(s, job, result, children, opts);
    return writeCompletions(s, [{ job, result, ...rest }]).done[0]!;
  });
}

/**
 * The shared path, inside a transaction: every job's UPDATE and result, the
 * group's counts, then what follows. While the UPDATEs run, the count and
 * batch-counter triggers leave the rows to this function (migration 012),
 * which counts the group once it is written: one write per job_counts row and
 * per batch rather than three per job. Set back before anything else changes
 * a job (the batches settling below change theirs), and undone with the
 * transaction if it fails.
 */
function writeCompletions(s: StoreCore, items: readonly Completion[]): { done: Job[]; refused: string[] } {
  const completed: Completion[] = [];
  const refused: string[] = [];
  let done: Job[];
  s.sql.settledByStore.run(1);
  try {
    for (const it of items) {
      if (writeCompletion(s, it)) completed.push(it);
      else refused.push(it.job.id);
    }
    // The columns the updates set, as stored (timing comes from the database's clock).
    const rows = new Map<number, Row>();
    if (completed.length) {
      for (const r of s.sql.finishedRows.all(JSON.stringify(completed.map((it) => it.job.seq))) as Row[]) rows.set(r.seq as number, r);
    }
    // The rest of each job is as claimed: nothing else changes a running job's other columns.
    done = completed.map((it) => withFinish(it.job, rows.get(it.job.seq)!));
    countCompleted(s, completed, done);
  } finally {
    s.sql.settledByStore.run(0);
  }
  finishedMany(s, done);
  return { done, refused };
}

/**
 * What the triggers would have counted for these completions (running →
 * completed or partial): each job leaves its running row of job_counts and
 * enters its new one with its items, and its batch counts one more
 * successful, processed child. `before[i]` is the job as claimed (its format
 * before the UPDATE), `after[i]` as stored.
 */
function countCompleted(s: StoreCore, before: readonly Completion[], after: readonly Job[]): void {
  const left = new Map<string, { status: string; kind: string; source: string; format: string; n: number }>();
  const entered = new Map<string, { status: string; kind: string; source: string; format: string; n: number; items: number }>();
  const batches = new Map<string, number>();
  after.forEach((job, i) => {
    const was = { status: 'running', kind: job.kind, source: job.source, format: before[i]!.job.format ?? '' };
    const leftKey = `${was.kind}\0${was.source}\0${was.format}`;
    const l = left.get(leftKey);
    if (l) l.n++;
    else left.set(leftKey, { ...was, n: 1 });
    const now = { status: job.status, kind: job.kind, source: job.source, format: job.format ?? '' };
    const enteredKey = `${now.status}\0${now.kind}\0${now.source}\0${now.format}`;
    const e = entered.get(enteredKey);
    if (e) {
      e.n++;
      e.items += job.successful;
    } else entered.set(enteredKey, { ...now, n: 1, items: job.successful });
    if (job.parentId) batches.set(job.parentId, (batches.get(job.parentId) ?? 0) + 1);
  });
  for (const c of left.values()) s.sql.countLeft.run(c);
  for (const c of entered.values()) s.sql.countEntered.run(c);
  for (const [parent, n] of batches) s.sql.childrenCompleted.run({ parent, n });
}

/** The UPDATE and the result of one job; false when the job is no longer running. */
function writeCompletion(s: StoreCore, it: Completion): boolean {
  const failedItems = it.failedItems ?? 0;
  const successful = it.result.counters.items;
  // The claimed job's format is the row's: nothing else changes a running job's other columns.
  const sameFormat = it.job.format === it.result.format;
  const { changes } = (sameFormat ? s.sql.completeSameFormat : s.sql.complete).run({
    id: it.job.id,
    seq: it.job.seq,
    step: it.stepIndex ?? null,
    to: failedItems > 0 ? 'partial' : 'completed',
    ...(sameFormat ? {} : { format: it.result.format }),
    hash: it.contentHash ?? null,
    summary: JSON.stringify(summarize(it.result)),
    total: successful + failedItems,
    ok: successful,
    ko: failedItems,
    warning: it.warning ?? null,
    reused: it.reusedFrom ?? null,
    began: it.startedAt ?? null,
    ended: it.finishedAt ?? null,
    ranBy: it.ranBy ?? null,
    ranExtractor: extractorLabel(it.result),
  });
  if (changes === 0) return false;
  storeResult(s, it.job, it.result);
  return true;
}

/**
 * The result, and its record as owed to the full-text index, in the same
 * transaction; the background indexer writes its rows (search-index.ts).
 */
function storeResult(s: StoreCore, job: Job, result: ExtractionResult): void {
  const { text, markdown, ...document } = result;
  // Not left to INSERT OR REPLACE, which fires no delete trigger: deleting
  // first removes the old index rows and the old record, and only when there
  // was an old result (a delete of the index in the transaction makes FTS5
  // flush the rows it holds in memory).
  s.sql.deleteResult.run(job.seq);
  const storedMarkdown = markdown === text ? MARKDOWN_IS_TEXT : markdown;
  s.sql.insertResult.run(job.seq, result.format, result.extractor.name, result.extractor.version, text, storedMarkdown, JSON.stringify(document));
  owedToIndex(s, job.seq);
}

/**
 * A container (an archive, an e-mail) that yielded entries: its own result
 * is stored, and it becomes the batch of its entries, finishing when they do.
 */
function becomeBatch(s: StoreCore, job: Job, result: ExtractionResult, children: readonly NewJob[], opts: { contentHash?: string; ranBy?: string }): Job {
  storeResult(s, job, result);
  s.sql.becomeBatch.run(result.format, opts.contentHash ?? null, JSON.stringify(summarize(result)), opts.ranBy ?? null, extractorLabel(result), job.id);
  insert(s, children, { parentId: job.id });
  return s.changedJob(job.id);
}

/** The extractor that made a result, as the history shows it ("pdf 3.1.0"). */
function extractorLabel(result: ExtractionResult): string {
  return `${result.extractor.name} ${result.extractor.version}`;
}
