/**
 * The renderer's event folding, in plain Node (no requestAnimationFrame: it
 * flushes on its short timer). The dashboard end-to-end scale test checks the
 * same property in Chromium; this one pins down the folding rules.
 */
import { describe, expect, it } from 'vitest';
import type { Job, JobStats } from '../../../shared/job.js';
import { FrameBatcher, type EventBatch } from '../../../renderer/store/event-batch.js';

function job(id: string, updatedAt: number, status: Job['status'] = 'running'): Job {
  return { id, updatedAt, status } as Job; // only the fields the batcher reads
}

function collect() {
  const batches: EventBatch[] = [];
  const batcher = new FrameBatcher((b) => batches.push(b));
  const settled = () => new Promise((r) => setTimeout(r, 120));
  return { batches, batcher, settled };
}

describe('FrameBatcher', () => {
  it('folds a burst into one batch holding only the latest version of each job', async () => {
    const { batches, batcher, settled } = collect();
    for (let i = 0; i < 3000; i++) batcher.jobChanged(job(`j${i % 1000}`, i));
    for (let i = 0; i < 50; i++) batcher.statsChanged({ total: i } as JobStats);
    await settled();
    expect(batches).toHaveLength(1);
    const [b] = batches;
    expect(b!.jobs.size).toBe(1000);
    expect(b!.jobs.get('j7')!.updatedAt).toBe(2007);
    expect(b!.stats!.total).toBe(49);
  });

  it('keeps progress only when newer than the job change in the same batch', async () => {
    const { batches, batcher, settled } = collect();
    batcher.jobProgress({ jobId: 'a', processed: 1, total: 10 });
    batcher.jobChanged(job('a', 5, 'completed')); // supersedes the progress
    batcher.jobChanged(job('b', 5));
    batcher.jobProgress({ jobId: 'b', processed: 3, total: 10 }); // newer than b's change
    await settled();
    expect([...batches[0]!.progress.keys()]).toEqual(['b']);
  });

  it('never lets a reply (hint) roll back a job the event stream already moved on', async () => {
    const { batches, batcher, settled } = collect();
    batcher.jobChanged(job('a', 10, 'completed'));
    await settled();
    batcher.hint(job('a', 10, 'running')); // same millisecond, older state
    batcher.hint(job('a', 9, 'pending'));
    batcher.hint(job('b', 3, 'pending')); // never seen: shown at once
    await settled();
    expect(batches).toHaveLength(2);
    expect([...batches[1]!.hints.keys()]).toEqual(['b']);
  });

  it('a removal wins over any later hint, and nothing is applied after dispose', async () => {
    const { batches, batcher, settled } = collect();
    batcher.jobRemoved({ id: 'a' });
    batcher.hint(job('a', Date.now() + 1000));
    await settled();
    expect(batches[0]!.jobs.get('a')).toBeNull();
    expect(batches[0]!.hints.size).toBe(0);
    batcher.jobChanged(job('c', 1));
    batcher.dispose();
    await settled();
    expect(batches).toHaveLength(1);
  });
});
