// Property-based tests (fast-check) of the state machine and batch
// aggregation on a real SQLite file: for any sequence of adds, claims,
// progress, completions, failures, retries, cancels, re-runs, deletes, pauses
// and crash recoveries, the invariants hold after every step.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidTransitionError } from '../../main/core/state-machine.js';
import { JobNotFoundError, JobStore } from '../../main/core/store/job-store.js';
import { isTerminal, JOB_STATUSES, jobSchema, type JobStatus } from '../../shared/job.js';
import { rowToJob } from '../../main/core/store/rows.js';
import { sampleResult } from '../helpers/results.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const OWNER = 'prop-host:1:owner';

type Op =
  | { t: 'add'; n: number }
  | { t: 'batch'; n: number; action: 'stop_all' | 'continue' | 'mark_warning'; max: number }
  | { t: 'claim'; n: number }
  | { t: 'progress'; i: number; done: number }
  | { t: 'complete'; i: number; failedItems: number }
  | { t: 'fail'; i: number; retryable: boolean }
  | { t: 'retryLater'; i: number }
  | { t: 'cancel'; i: number }
  | { t: 'retry'; i: number }
  | { t: 'rerun'; i: number }
  | { t: 'delete'; i: number }
  | { t: 'pause'; i: number; paused: boolean }
  | { t: 'crash' };

const idx = fc.nat({ max: 1000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('add' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    t: fc.constant('batch' as const),
    n: fc.integer({ min: 1, max: 5 }),
    action: fc.constantFrom('stop_all' as const, 'continue' as const, 'mark_warning' as const),
    max: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ t: fc.constant('claim' as const), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ t: fc.constant('progress' as const), i: idx, done: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ t: fc.constant('complete' as const), i: idx, failedItems: fc.constantFrom(0, 0, 1) }),
  fc.record({ t: fc.constant('fail' as const), i: idx, retryable: fc.boolean() }),
  fc.record({ t: fc.constant('retryLater' as const), i: idx }),
  fc.record({ t: fc.constant('cancel' as const), i: idx }),
  fc.record({ t: fc.constant('retry' as const), i: idx }),
  fc.record({ t: fc.constant('rerun' as const), i: idx }),
  fc.record({ t: fc.constant('delete' as const), i: idx }),
  fc.record({ t: fc.constant('pause' as const), i: idx, paused: fc.boolean() }),
  fc.record({ t: fc.constant('crash' as const) }),
);

/** Applies one operation; refusals by the state machine are expected outcomes, not failures. */
function apply(store: JobStore, op: Op, ids: string[]): void {
  const pick = (i: number) => ids[i % Math.max(1, ids.length)];
  const running = () => store.list({ status: 'running', kind: 'extract', limit: 1000 }).map((j) => j.id);
  const pickRunning = (i: number) => running()[i % Math.max(1, running().length)];
  try {
    switch (op.t) {
      case 'add':
        ids.push(...store.insert(Array.from({ length: op.n }, (_, k) => ({ fileName: `f${k}` }))));
        break;
      case 'batch': {
        const { batch, childIds } = store.addBatch(
          { fileName: 'b', failureAction: op.action, maxChildFailures: op.max },
          Array.from({ length: op.n }, (_, k) => ({ fileName: `c${k}` })),
        );
        ids.push(batch.id, ...childIds);
        break;
      }
      case 'claim':
        store.claim(op.n, Date.now() + 1e9, 60_000, OWNER);
        break;
      case 'progress': {
        const id = pickRunning(op.i);
        if (id) store.progress(id, { total: 5, successful: op.done, failed: 0 });
        break;
      }
      case 'complete': {
        const id = pickRunning(op.i);
        if (id) store.complete(id, sampleResult(), { failedItems: op.failedItems });
        break;
      }
      case 'fail': {
        const id = pickRunning(op.i);
        if (id) store.fail(id, { code: op.retryable ? 'timeout' : 'corrupt_file', message: 'boom' });
        break;
      }
      case 'retryLater': {
        const id = pickRunning(op.i);
        if (id) store.retryLater(id, { code: 'timeout', message: 'later' }, Date.now());
        break;
      }
      case 'cancel':
      case 'retry':
      case 'rerun':
      case 'delete': {
        const id = pick(op.i);
        if (id) store[op.t](id);
        break;
      }
      case 'pause': {
        const batches = store.list({ kind: 'batch', limit: 1000 });
        const b = batches[op.i % Math.max(1, batches.length)];
        if (b) store.setBatchPaused(b.id, op.paused);
        break;
      }
      case 'crash':
        // Every running job's owner is gone and its lease expired.
        store.recoverStale(Date.now() + 1e12);
        break;
    }
  } catch (err) {
    if (!(err instanceof InvalidTransitionError) && !(err instanceof JobNotFoundError)) throw err;
  }
}

function checkInvariants(store: JobStore, before: Map<string, JobStatus>, op: Op, known: Set<string>): void {
  const rows = store.db.prepare('SELECT * FROM jobs').all() as any[];
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  for (const r of rows) {
    // Counters add up; the timing CHECKs hold too, or SQLite would have refused the write.
    expect(r.processed).toBe(r.successful + r.failed);
    if (r.started_at !== null) expect(r.started_at).toBeGreaterThanOrEqual(r.created_at);
    if (r.completed_at !== null) expect(r.completed_at).toBeGreaterThanOrEqual(r.started_at ?? r.created_at);
    // A finished job becomes unfinished only by retry or rerun.
    const prev = before.get(r.id);
    if (prev && isTerminal(prev) && !isTerminal(r.status)) expect(['retry', 'rerun']).toContain(op.t);
    // The row maps to a job the shared schema accepts (rowToJob trusts the row; this checks that trust).
    expect(jobSchema.safeParse(rowToJob(r)).error).toBeUndefined();
    // The last event tells the current status.
    const history = store.events(r.id);
    expect(history.at(-1)!.toStatus).toBe(r.status);
    // Each event starts where the one before it ended, in time order.
    history.slice(1).forEach((e, i) => {
      expect(e.fromStatus).toBe(history[i]!.toStatus);
      expect(e.at).toBeGreaterThanOrEqual(history[i]!.at);
    });
  }
  for (const b of rows.filter((r) => r.kind === 'batch')) {
    const kids = rows.filter((r) => r.parent_id === b.id);
    // A batch's counters equal its children's.
    expect(b.total).toBe(kids.length);
    expect(b.successful).toBe(kids.filter((k) => k.status === 'completed' || k.status === 'partial').length);
    expect(b.failed).toBe(kids.filter((k) => k.status === 'failed').length);
    // Its progress by status (from those counters and a few index counts) equals a count of its children.
    const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, kids.filter((k) => k.status === s).length]));
    expect(store.batchProgress(b.id).counts).toEqual(byStatus);
    // A finished batch has no unfinished child.
    if (isTerminal(b.status)) expect(kids.filter((k) => k.status === 'pending' || k.status === 'running')).toEqual([]);
  }
  // The trigger-kept counts equal a full recount.
  const counted = store.db.prepare('SELECT status, kind, source, format, n FROM job_counts WHERE n != 0 ORDER BY 1, 2, 3, 4').all();
  const recount = store.db
    .prepare(`SELECT status, kind, source, coalesce(format, '') AS format, count(*) AS n FROM jobs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`)
    .all();
  expect(counted).toEqual(recount);
  // No job is lost: everything added and not deleted is still there.
  for (const id of known) expect(byId.has(id)).toBe(true);
}

describe('job store invariants under random operations', () => {
  it('hold after every operation', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const store = JobStore.open(tempDbPath(dir));
        try {
          const ids: string[] = [];
          for (const op of ops) {
            const before = new Map((store.db.prepare('SELECT id, status FROM jobs').all() as any[]).map((r) => [r.id, r.status]));
            const existingBefore = new Set(before.keys());
            apply(store, op, ids);
            // Only a delete may remove jobs (a batch takes its children along).
            const now = new Set(store.db.prepare('SELECT id FROM jobs').pluck().all() as string[]);
            const known = op.t === 'delete' ? now : existingBefore;
            checkInvariants(store, before, op, known);
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 120 },
    );
  });
});
