// Batches, error tolerance, dependencies, holds and delays, end to end: the
// real engine (store on a SQLite file, scheduler, piscina pool running the
// chaos test worker).
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../main/core/engine.js';
import type { NewJob } from '../../main/core/store/job-store.js';
import type { Job } from '../../shared/job.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close({ abort: true });
});

function engine(concurrency = 2, clock?: () => number) {
  const e = new Engine({
    dbPath: tempDbPath(dir),
    concurrency,
    pool: { filename: CHAOS, threads: concurrency },
    scheduler: { pollIntervalMs: 30, ...(clock ? { clock } : {}) },
  });
  engines.push(e);
  return e;
}

const child = (options: Record<string, unknown>, extra: NewJob = {}): NewJob => ({
  sourcePath: '/chaos',
  fileName: String(options.tag ?? 'f'),
  options,
  ...extra,
});
const ok = (tag: string) => child({ tag });
const bad = (tag: string) => child({ tag, mode: 'fail', code: 'corrupt_file' }, { maxRetries: 0 });
const slow = (tag: string) => child({ tag, mode: 'slow', steps: 20, stepMs: 20 });

describe('batches', () => {
  it('a batch runs its children and completes with aggregated progress', async () => {
    const e = engine();
    const { batch } = e.store.addBatch({ fileName: 'folder' }, ['a', 'b', 'c', 'd'].map(ok));
    expect(e.store.get(batch.id)).toMatchObject({ status: 'pending', total: 4, processed: 0 });
    e.start();
    await e.drained();
    const done = e.store.get(batch.id)!;
    expect(done).toMatchObject({ status: 'completed', total: 4, successful: 4, failed: 0, processed: 4, warning: null });
    expect(done.startedAt).not.toBeNull();
    const p = e.store.batchProgress(batch.id);
    expect(p.progress).toBe(1);
    expect(p.counts.completed).toBe(4);
    expect(p.etaMs).toBe(0);
    expect(e.store.events(batch.id).map((ev) => ev.toStatus)).toEqual(['pending', 'running', 'completed']);
  });

  it('continue: failures are tolerated and the batch ends partial', async () => {
    const e = engine();
    const { batch } = e.store.addBatch({ fileName: 'b', failureAction: 'continue', maxChildFailures: 1 }, [ok('a'), bad('x'), bad('y'), ok('b')]);
    e.start();
    await e.drained();
    expect(e.store.get(batch.id)).toMatchObject({ status: 'partial', successful: 2, failed: 2 });
    expect(e.store.get(batch.id)!.warning).toMatch(/^2 of 4 files failed\.$/);
  });

  it('mark_warning: the batch completes with a warning', async () => {
    const e = engine();
    const { batch } = e.store.addBatch({ fileName: 'b', failureAction: 'mark_warning' }, [ok('a'), bad('x')]);
    e.start();
    await e.drained();
    expect(e.store.get(batch.id)).toMatchObject({ status: 'completed', failed: 1, warning: '1 of 2 files failed.' });
  });

  it('stop_all: past the limit the rest is cancelled, running work aborted, and the batch fails', async () => {
    const e = engine(2);
    const heartbeat = path.join(dir, 'stop-all-heartbeat');
    writeFileSync(heartbeat, '');
    const { batch } = e.store.addBatch({ fileName: 'b', failureAction: 'stop_all', maxChildFailures: 1 }, [
      child({ tag: 'hang', mode: 'hang', heartbeat }, { priority: 10 }),
      bad('x'),
      bad('y'),
      ok('never1'),
      ok('never2'),
    ]);
    e.start();
    await e.drained();
    const b = e.store.get(batch.id)!;
    expect(b).toMatchObject({ status: 'failed', errorCode: 'too_many_failures', failed: 2 });
    expect(b.errorMessage).toMatch(/2 of 5 files failed \(the limit is 1\)/);
    const kids = e.store.list({ parentId: batch.id });
    expect(
      kids
        .filter((k) => k.status === 'cancelled')
        .map((k) => k.fileName)
        .sort(),
    ).toEqual(['hang', 'never1', 'never2']);
    // The hung child's work really stopped: its heartbeat goes quiet (the
    // thread's end may lag the batch's on a loaded machine, so wait for it, bounded).
    let quiet = false;
    for (const end = Date.now() + 15_000; !quiet && Date.now() < end;) {
      const size = statSync(heartbeat).size;
      await sleep(100);
      quiet = statSync(heartbeat).size === size;
    }
    expect(quiet).toBe(true);
  });

  it('retrying a batch retries its failed children and reopens it', async () => {
    const e = engine();
    const counter = path.join(dir, 'retry-batch.count');
    const { batch } = e.store.addBatch({ fileName: 'b' }, [
      ok('a'),
      child({ tag: 'flaky', mode: 'fail', code: 'corrupt_file', failTimes: 1, counter }, { maxRetries: 0 }),
    ]);
    e.start();
    await e.drained();
    expect(e.store.get(batch.id)!.status).toBe('partial');
    e.retry(batch.id);
    expect(e.store.get(batch.id)!.status).toBe('pending');
    await until(() => e.store.get(batch.id)!.status === 'completed');
    expect(e.store.get(batch.id)).toMatchObject({ successful: 2, failed: 0 });
  });

  it('retrying one child of a finished batch reopens the batch', async () => {
    const e = engine();
    const { batch, childIds } = e.store.addBatch({ fileName: 'b' }, [ok('a'), bad('x')]);
    e.start();
    await e.drained();
    const failed = childIds.find((id) => e.store.get(id)!.status === 'failed')!;
    e.retry(failed);
    expect(e.store.get(batch.id)!.status).toBe('pending');
    await e.drained();
    expect(e.store.get(batch.id)!.status).toBe('partial'); // it fails again, permanently
  });

  it('cancelling a batch cancels its children and stops running ones', async () => {
    const e = engine(1);
    const { batch } = e.store.addBatch({ fileName: 'b' }, [slow('s1'), slow('s2'), slow('s3')]);
    e.start();
    await until(() => e.store.get(batch.id)!.status === 'running');
    e.cancel(batch.id);
    await until(() => e.scheduler.runningCount === 0);
    expect(e.store.list({ parentId: batch.id }).every((k) => k.status === 'cancelled')).toBe(true);
    expect(e.store.get(batch.id)!.status).toBe('cancelled');
  });

  it('pausing a batch holds its pending children; resuming runs them', async () => {
    const e = engine();
    const { batch } = e.store.addBatch({ fileName: 'b' }, [ok('a'), ok('b')]);
    const other = e.store.add([ok('outside')])[0]!;
    e.store.setBatchPaused(batch.id, true);
    e.start();
    await until(() => e.store.get(other.id)!.status === 'completed');
    await sleep(60);
    expect(e.store.list({ parentId: batch.id }).map((k) => k.status)).toEqual(['pending', 'pending']);
    // New children of a paused batch are held too.
    e.store.add([ok('late')].map((j) => ({ ...j, parentId: batch.id })));
    e.store.setBatchPaused(batch.id, false);
    await e.drained();
    expect(e.store.get(batch.id)).toMatchObject({ status: 'completed', total: 3, successful: 3 });
  });

  it('nested batches settle from the inside out', async () => {
    const e = engine();
    const { batch: outer } = e.store.addBatch({ fileName: 'outer' }, [ok('top')]);
    const inner = e.store.add([{ kind: 'batch', fileName: 'inner', parentId: outer.id }])[0]!;
    e.store.add([ok('deep1'), bad('deep2')].map((j) => ({ ...j, parentId: inner.id })));
    e.start();
    await e.drained();
    expect(e.store.get(inner.id)).toMatchObject({ status: 'partial', total: 2, failed: 1 });
    expect(e.store.get(outer.id)).toMatchObject({ status: 'completed', total: 2, successful: 2 }); // a partial child counts as done
  });

  it('a batch of 2,000 children keeps its counters equal to its children', async () => {
    const e = engine(2);
    const kids = Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? bad(`x${i}`) : ok(`k${i}`)));
    const { batch } = e.store.addBatch({ fileName: 'big' }, kids);
    e.start();
    await e.drained();
    const p = e.store.batchProgress(batch.id);
    expect(p.counts).toMatchObject({ completed: 1800, failed: 200 });
    expect(p.batch).toMatchObject({ total: 2000, successful: 1800, failed: 200, processed: 2000, status: 'partial' });
  }, 60_000);
});

describe('dependencies, delays and priorities', () => {
  it('a job waits for its dependencies, then runs', async () => {
    const e = engine();
    const [a] = e.store.add([slow('a')]);
    const [b] = e.store.add([{ ...ok('b'), dependsOn: [a!.id] }]);
    expect(e.store.get(b!.id)!.blocked).toBe(2);
    e.start();
    await until(() => e.store.get(a!.id)!.status === 'running');
    await sleep(50);
    expect(e.store.get(b!.id)!.status).toBe('pending');
    await e.drained();
    const [ja, jb] = [e.store.get(a!.id)!, e.store.get(b!.id)!];
    expect(jb.status).toBe('completed');
    expect(jb.startedAt!).toBeGreaterThanOrEqual(ja.completedAt!);
  });

  it('a failed dependency fails its dependents, or skips them when asked', async () => {
    const e = engine();
    const [a] = e.store.add([bad('a')]);
    const [failing, skipping] = e.store.add([
      { ...ok('fails'), dependsOn: [a!.id] },
      { ...ok('skips'), dependsOn: [a!.id], onDependencyFailure: 'skip' },
    ]);
    const [chained] = e.store.add([{ ...ok('chained'), dependsOn: [failing!.id] }]);
    e.start();
    await e.drained();
    expect(e.store.get(failing!.id)).toMatchObject({ status: 'failed', errorCode: 'dependency_failed' });
    expect(e.store.get(skipping!.id)).toMatchObject({ status: 'cancelled', errorCode: 'dependency_failed' });
    expect(e.store.get(chained!.id)).toMatchObject({ status: 'failed', errorCode: 'dependency_failed' });
    expect(e.store.get(failing!.id)!.errorMessage).toMatch(/Dependency .* failed/);
  });

  it('a delayed job is not due before its time (on the engine clock)', async () => {
    let now = 5_000_000;
    const e = engine(2, () => now);
    const [later] = e.store.add([{ ...ok('later'), runAt: now + 60_000 }]);
    const [soon] = e.store.add([ok('soon')]);
    e.start();
    await until(() => e.store.get(soon!.id)!.status === 'completed');
    await sleep(60);
    expect(e.store.get(later!.id)!.status).toBe('pending');
    expect(e.store.nextDueAt()).toBe(now + 60_000);
    now += 60_000;
    e.scheduler.tick();
    await e.drained();
    expect(e.store.get(later!.id)!.status).toBe('completed');
  });

  it('priority changes while pending decide what runs first', async () => {
    const e = engine(1);
    const jobs = e.store.add(['a', 'b', 'c'].map(ok));
    e.store.setPriority(jobs[2]!.id, 9);
    const order: string[] = [];
    e.on('job', (j: Job) => j.status === 'running' && order.push(j.fileName!));
    e.start();
    await e.drained();
    expect(order).toEqual(['c', 'a', 'b']);
    expect(() => e.store.setPriority(jobs[0]!.id, 1)).toThrow(/only pending jobs can change priority/);
  });
});
