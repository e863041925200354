/** When the desktop speaks about the work: one notice per finished batch, the title's progress. */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/job.js';
import {
  finishedBatchNotice,
  progressTitle,
  shouldNotify,
  workProgress,
  WorkFollower,
  type BatchNotice,
  type WorkProgress,
} from '../../../shared/desktop-policy.js';

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

describe('WorkFollower (what both platforms feed)', () => {
  function follower(gate = { enabled: true, permitted: true, focused: false }) {
    const shown: WorkProgress[] = [];
    const notices: BatchNotice[] = [];
    const f = new WorkFollower({ showProgress: (p) => shown.push(p), notify: (n) => notices.push(n) }, () => gate);
    return { f, shown, notices, gate };
  }

  it('one notice per batch that it saw running, none for one finished before it looked', () => {
    const { f, notices } = follower();
    f.update(batch({ id: 'old', status: 'completed', processed: 10, successful: 10 }));
    f.update(batch({ processed: 5, successful: 5 }));
    f.update(batch({ status: 'completed', processed: 10, successful: 10 }));
    f.update(batch({ status: 'completed', processed: 10, successful: 10 }));
    expect(notices).toEqual([{ batchId: 'b1', title: 'invoices: done', body: '10 files extracted' }]);
  });

  it('asks the gate at the moment the batch ends (a window in front, or the setting off: nothing)', () => {
    const { f, notices, gate } = follower();
    gate.focused = true;
    f.update(batch({}));
    f.update(batch({ status: 'completed', processed: 10, successful: 10 }));
    gate.focused = false;
    gate.enabled = false;
    f.update(batch({ id: 'b2' }));
    f.update(batch({ id: 'b2', status: 'completed', processed: 10, successful: 10 }));
    expect(notices).toEqual([]);
  });

  it('shows progress when its whole percent or the failed count moves, not on every change; a deleted batch stops counting', () => {
    const { f, shown } = follower();
    f.update(batch({ total: 1000, processed: 0 }));
    f.update(batch({ total: 1000, processed: 1 }));
    f.update(batch({ total: 1000, processed: 9 }));
    f.update(batch({ total: 1000, processed: 10 }));
    f.update(batch({ total: 1000, processed: 11, failed: 1 }));
    expect(shown).toEqual([
      { fraction: 0, failed: 0 },
      { fraction: 0.01, failed: 0 },
      { fraction: 0.011, failed: 1 },
    ]);
    f.remove('b1');
    expect(shown.at(-1)).toEqual({ fraction: null, failed: 0 });
    // Single files never count.
    f.update({ ...batch({ id: 'f' }), kind: 'extract' } as Job);
    expect(f.progress()).toEqual({ fraction: null, failed: 0 });
  });

  it('a frame of many batches is summed once: no in-between progress, every finished batch still announced, deleted ones dropped', () => {
    const { f, shown, notices } = follower();
    f.updateMany([batch({ id: 'a', total: 100 }), batch({ id: 'b', total: 100 })]);
    expect(shown).toEqual([{ fraction: 0, failed: 0 }]);
    // One at a time this would show 25% (a moved, b not yet) before 50%.
    f.updateMany([batch({ id: 'a', total: 100, processed: 50 }), batch({ id: 'b', total: 100, processed: 100, successful: 100, status: 'completed' })]);
    expect(shown).toEqual([
      { fraction: 0, failed: 0 },
      { fraction: 0.5, failed: 0 },
    ]);
    expect(notices.map((n) => n.batchId)).toEqual(['b']);
    f.updateMany([], ['a']);
    expect(shown.at(-1)).toEqual({ fraction: null, failed: 0 });
    // Nothing that counts changed: nothing shown.
    f.updateMany([{ ...batch({ id: 'f' }), kind: 'extract' } as Job], ['gone']);
    expect(shown).toHaveLength(3);
  });
});
