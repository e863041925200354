/** When the desktop speaks about the work: one notice per finished batch, the title's progress. */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/job.js';
import { finishedBatchNotice, progressTitle, shouldNotify, workProgress } from '../../../renderer/lib/desktop-policy.js';

function batch(over: Partial<Job>): Job {
  return { id: 'b1', kind: 'batch', fileName: 'invoices', status: 'running', total: 10, processed: 0, successful: 0, failed: 0, ...over } as Job;
}

describe('finishedBatchNotice', () => {
  it('says once, when a batch seen unfinished has finished, how many files were extracted, failed and cancelled', () => {
    const before = batch({ processed: 9, successful: 8, failed: 1 });
    const after = batch({ status: 'partial', processed: 9, successful: 8, failed: 1 });
    expect(finishedBatchNotice(before, after)).toEqual({ batchId: 'b1', title: 'invoices: done', body: '8 files extracted, 1 failed, 1 cancelled' });
    // Already finished before (a reload, a second event): nothing.
    expect(finishedBatchNotice(after, after)).toBeNull();
    // Never seen unfinished (it finished before the window opened): nothing.
    expect(finishedBatchNotice(undefined, after)).toBeNull();
  });

  it('never speaks of single files, and says a stopped batch stopped', () => {
    const file = { ...batch({}), kind: 'extract' } as Job;
    expect(finishedBatchNotice(file, { ...file, status: 'completed' })).toBeNull();
    expect(finishedBatchNotice(batch({}), batch({ status: 'failed', processed: 4, successful: 1, failed: 3 }))?.title).toBe('invoices: stopped');
    expect(finishedBatchNotice(batch({ total: 1 }), batch({ status: 'completed', total: 1, processed: 1, successful: 1 }))?.body).toBe('1 file extracted');
  });
});

describe('shouldNotify', () => {
  it('only when enabled, permitted and the window is not in front', () => {
    expect(shouldNotify({ enabled: true, permitted: true, focused: false })).toBe(true);
    expect(shouldNotify({ enabled: true, permitted: true, focused: true })).toBe(false);
    expect(shouldNotify({ enabled: false, permitted: true, focused: false })).toBe(false);
    expect(shouldNotify({ enabled: true, permitted: false, focused: false })).toBe(false);
  });
});

describe('progress over the running work', () => {
  it('sums the unfinished batches, leaves finished ones out, and badges the failed count', () => {
    const p = workProgress([
      batch({ id: 'a', total: 100, processed: 30, failed: 2 }),
      batch({ id: 'b', total: 100, processed: 54, failed: 1, status: 'pending' }),
      batch({ id: 'c', total: 50, processed: 50, status: 'completed', failed: 9 }),
    ]);
    expect(p).toEqual({ fraction: 0.42, failed: 3 });
    expect(progressTitle(p)).toBe('(42% · 3 failed) Quarry');
    expect(progressTitle({ fraction: 0.5, failed: 0 })).toBe('(50%) Quarry');
    expect(progressTitle(workProgress([batch({ status: 'completed' })]))).toBe('Quarry');
  });
});
