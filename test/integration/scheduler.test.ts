import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExtractionPool } from '../../main/core/pool.js';
import { poolExecutor } from '../helpers/pool-executor.js';
import { backoffDelay, DEFAULT_BACKOFF, Scheduler, type SchedulerOptions } from '../../main/core/scheduler.js';
import { JobStore, type NewJob } from '../../main/core/store/job-store.js';
import type { Job } from '../../shared/job.js';
import { sampleResult } from '../helpers/results.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(opts: Partial<SchedulerOptions> & { threads?: number; maxHeapMb?: number } = {}) {
  const store = JobStore.open(tempDbPath(dir));
  const pool = new ExtractionPool({ filename: CHAOS, threads: opts.threads ?? 2, maxHeapMb: opts.maxHeapMb });
  const scheduler = new Scheduler({ store, executor: poolExecutor(pool), concurrency: 2, pollIntervalMs: 50, ...opts });
  const seen: Job[] = [];
  store.on('changed', (j) => seen.push(j));
  scheduler.on('error', (e) => {
    throw e;
  });
  cleanups.push(async () => {
    await scheduler.stop({ abort: true });
    await pool.destroy();
    store.close();
  });
  const add = (options: Record<string, unknown>, extra: NewJob = {}) =>
    store.add([{ sourcePath: '/nonexistent/chaos', fileName: 'chaos', options, ...extra }])[0]!;
  return { store, pool, scheduler, seen, add };
}

/**
 * The most jobs the store held running at once, from its change events: what
 * the scheduler claimed, whatever the machine's speed. `onClaim` sees each
 * running count as it is reached.
 */
function trackRunning(store: JobStore, onClaim: (running: number) => void = () => undefined) {
  const running = new Set<string>();
  const seen = { max: 0 };
  store.on('changed', (j) => {
    if (j.status !== 'running') return void running.delete(j.id);
    running.add(j.id);
    seen.max = Math.max(seen.max, running.size);
    onClaim(running.size);
  });
  return seen;
}

/** The most "start" lines open at once in a worker log. */
function maxOverlap(log: string): number {
  let open = 0;
  let max = 0;
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    open += line.startsWith('start') ? 1 : -1;
    max = Math.max(max, open);
  }
  return max;
}

describe('scheduler with a real pool', () => {
  it('announces each job as stored: the last version pushed equals the row (completion reads back only what it changed)', async () => {
    const { store, scheduler, seen, add } = setup({ concurrency: 6 });
    const jobs = [
      ...Array.from({ length: 20 }, (_, i) => add({ tag: `p${i}` }, { priority: i % 3 })),
      add({ tag: 'slow', mode: 'slow', steps: 2 }),
      add({ tag: 'warn', mode: 'dirty' }),
    ];
    scheduler.start();
    await scheduler.drained();
    const last = new Map(seen.map((j) => [j.id, j]));
    for (const j of jobs) {
      const stored = store.get(j.id)!;
      expect(stored.status).toBe('completed');
      expect(last.get(j.id)).toEqual(stored);
    }
  });

  it('runs jobs to completion and stores their results', async () => {
    const { store, scheduler, add } = setup();
    const a = add({ tag: 'a' });
    const b = add({ tag: 'b', mode: 'slow', steps: 3 });
    scheduler.start();
    await scheduler.drained();
    expect(store.get(a.id)!.status).toBe('completed');
    expect(store.result(a.id)!.text).toBe('done a');
    const jb = store.get(b.id)!;
    expect(jb).toMatchObject({ status: 'completed', total: 3, processed: 3, successful: 3, contentHash: 'ab'.repeat(32) });
    expect(jb.completedAt! - jb.startedAt!).toBeGreaterThanOrEqual(50);
  });

  // How many ran at once in the threads depends on how fast they start on a
  // loaded machine; how many the scheduler claimed at once does not.
  it('times a job from when a thread began it, not from its claim: the wait in the pool queue is not its duration', async () => {
    // One thread, four claimed at once: three wait in the pool's queue while the first runs.
    const { store, scheduler, add } = setup({ threads: 1, concurrency: 4 });
    const log = path.join(dir, `timing-${Date.now()}.log`);
    const jobs = Array.from({ length: 4 }, (_, i) => add({ tag: `t${i}`, mode: 'slow', steps: 3, stepMs: 30, log }));
    scheduler.start();
    await scheduler.drained();
    const ends = new Map<string, number>();
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      const [what, tag, at] = line.split(' ');
      if (what === 'end') ends.set(tag!, Number(at));
    }
    const done = jobs.map((j) => store.get(j.id)!).sort((a, b) => a.startedAt! - b.startedAt!);
    for (const [i, job] of done.entries()) {
      expect(job.status).toBe('completed');
      if (i === 0) continue;
      // The thread took this file only after the previous one ended.
      const previous = String(done[i - 1]!.options.tag);
      expect(job.startedAt!).toBeGreaterThanOrEqual(ends.get(previous)!);
      expect(job.completedAt!).toBeGreaterThanOrEqual(job.startedAt!);
    }
  });

  it('ends a grouped small file when its thread finished it, not when the rest of its group did', async () => {
    const { store, scheduler, add } = setup({ threads: 1, concurrency: 4 });
    const log = path.join(dir, `group-timing-${Date.now()}.log`);
    // Small files share one worker task: their results travel back together.
    const jobs = Array.from({ length: 4 }, (_, i) => add({ tag: `g${i}`, mode: 'slow', steps: 3, stepMs: 30, log }, { sizeBytes: 10 }));
    scheduler.start();
    await scheduler.drained();
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const at = (what: string, tag: string) => Number(lines.find(([w, t]) => w === what && t === tag)![2]);
    for (const j of jobs) {
      const job = store.get(j.id)!;
      const tag = String(job.options.tag);
      expect(job.status).toBe('completed');
      expect(job.startedAt!).toBeLessThanOrEqual(at('start', tag));
      expect(job.completedAt!).toBeLessThanOrEqual(at('end', tag));
      expect(job.completedAt!).toBeGreaterThanOrEqual(job.startedAt!);
    }
  });

  it('never runs more than `concurrency` jobs at once, and uses all of it', async () => {
    const log = path.join(dir, 'overlap.log');
    const { store, scheduler, add } = setup({ concurrency: 3, threads: 4 });
    for (let i = 0; i < 12; i++) add({ mode: 'slow', steps: 2, stepMs: 25, log, tag: i });
    const claimed = trackRunning(store);
    scheduler.start();
    await scheduler.drained();
    expect(claimed.max).toBe(3);
    expect(maxOverlap(log)).toBeLessThanOrEqual(3);
  });

  it('takes a new concurrency at run time', async () => {
    const log = path.join(dir, 'resize.log');
    const { store, scheduler, add } = setup({ concurrency: 1, threads: 3 });
    for (let i = 0; i < 9; i++) add({ mode: 'slow', steps: 2, stepMs: 30, log });
    const before = { max: 0 };
    // Raised while the first job runs, with eight still waiting.
    const claimed = trackRunning(store, (running) => {
      if (scheduler.concurrency !== 1) return;
      before.max = Math.max(before.max, running);
      scheduler.setConcurrency(3);
    });
    scheduler.start();
    await scheduler.drained();
    expect(before.max).toBe(1);
    expect(claimed.max).toBe(3);
    expect(maxOverlap(log)).toBeLessThanOrEqual(3);
  });

  it('retries a retryable failure with exponential backoff on the given clock, then gives up', async () => {
    let now = 1_000_000;
    const { store, scheduler, add } = setup({ clock: () => now, random: () => 0 });
    const job = add({ mode: 'fail', code: 'file_busy', counter: path.join(dir, 'backoff.count') }, { maxRetries: 2 });
    scheduler.start();
    await until(() => store.get(job.id)!.retryCount === 1 && store.get(job.id)!.status === 'pending');
    // random() = 0 with jitter 0.5: exactly half of base · 2^0.
    expect(store.get(job.id)!.nextRetryAt).toBe(now + 500);
    await sleep(150);
    expect(store.get(job.id)!.retryCount).toBe(1); // not due yet on our clock: not run again
    now += 500;
    scheduler.tick();
    await until(() => store.get(job.id)!.retryCount === 2 && store.get(job.id)!.status === 'pending');
    expect(store.get(job.id)!.nextRetryAt).toBe(now + 1000); // base · 2^1, halved
    now += 1000;
    scheduler.tick();
    await until(() => store.get(job.id)!.status === 'failed');
    const failed = store.get(job.id)!;
    expect(failed.errorCode).toBe('file_busy');
    expect(failed.errorCategory).toBe('retryable');
    expect(failed.errorMessage).toMatch(/chaos failure 3 \(gave up after 3 attempts\)/);
    const attempts = store
      .events(job.id)
      .filter((e) => e.toStatus === 'running')
      .map((e) => e.attempt);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('succeeds on a later attempt after transient failures', async () => {
    const counter = path.join(dir, 'flaky.count');
    const { store, scheduler, add } = setup({ backoff: { baseMs: 5, maxMs: 10, jitter: 0 } });
    const job = add({ mode: 'fail', failTimes: 2, counter }, { maxRetries: 3 });
    scheduler.start();
    await until(() => store.get(job.id)!.status === 'completed');
    expect(store.get(job.id)!.retryCount).toBe(2);
  });

  it('fails a permanent error at once, without retrying', async () => {
    const { store, scheduler, add } = setup();
    const job = add({ mode: 'fail', code: 'corrupt_file' }, { maxRetries: 5 });
    scheduler.start();
    await scheduler.drained();
    expect(store.get(job.id)).toMatchObject({ status: 'failed', retryCount: 0, errorCategory: 'permanent' });
  });

  it('cancelling a running job really stops its work, and the pool carries on', async () => {
    const heartbeat = path.join(dir, 'heartbeat');
    writeFileSync(heartbeat, '');
    const { store, scheduler, add } = setup();
    const hung = add({ mode: 'hang', heartbeat });
    scheduler.start();
    await until(() => statSync(heartbeat).size > 5);
    store.cancel(hung.id);
    expect(scheduler.abort(hung.id)).toBe(true);
    await until(() => scheduler.runningCount === 0);
    const size = statSync(heartbeat).size;
    await sleep(100);
    expect(statSync(heartbeat).size).toBe(size); // the busy loop is gone
    expect(store.get(hung.id)!.status).toBe('cancelled');
    const next = add({ tag: 'after' });
    scheduler.wake();
    await until(() => store.get(next.id)!.status === 'completed');
  });

  it('a cancel from another process (the CLI) stops the work here too', async () => {
    const heartbeat = path.join(dir, 'heartbeat-remote');
    writeFileSync(heartbeat, '');
    const { store, scheduler, add } = setup();
    const hung = add({ mode: 'hang', heartbeat });
    scheduler.start();
    await until(() => statSync(heartbeat).size > 5);
    const other = JobStore.open(store.db.name); // a second connection, as another process has
    other.cancel(hung.id);
    other.close();
    await until(() => scheduler.runningCount === 0, 3_000);
    const size = statSync(heartbeat).size;
    await sleep(100);
    expect(statSync(heartbeat).size).toBe(size);
    expect(store.get(hung.id)!.status).toBe('cancelled');
  });

  it('kills runaway work at the job timeout and says so', async () => {
    const { store, scheduler, add } = setup();
    const job = add({ mode: 'hang' }, { timeoutMs: 200, maxRetries: 0 });
    scheduler.start();
    await scheduler.drained();
    expect(store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'timeout' });
    expect(store.get(job.id)!.errorMessage).toMatch(/longer than 200 ms/);
  });

  it('survives a worker that throws and one that exits', async () => {
    const { store, scheduler, add } = setup();
    const thrower = add({ mode: 'throw' }, { maxRetries: 0 });
    const exiter = add({ mode: 'exit' }, { maxRetries: 0 });
    const fine = add({ tag: 'fine' });
    scheduler.start();
    await scheduler.drained();
    expect(store.get(thrower.id)).toMatchObject({ status: 'failed', errorCode: 'internal' });
    expect(store.get(thrower.id)!.errorMessage).toMatch(/chaos worker threw/);
    expect(store.get(exiter.id)).toMatchObject({ status: 'failed', errorCode: 'worker_crashed' });
    expect(store.get(fine.id)!.status).toBe('completed');
  });

  it('stops a memory bomb at the heap limit without taking the process down', async () => {
    const { store, scheduler, add } = setup({ maxHeapMb: 64 });
    const bomb = add({ mode: 'oom' }, { maxRetries: 3 });
    const fine = add({ tag: 'fine' });
    scheduler.start();
    await scheduler.drained();
    expect(store.get(bomb.id)).toMatchObject({ status: 'failed', errorCode: 'resource_limit', retryCount: 0 });
    expect(store.get(fine.id)!.status).toBe('completed');
  }, 60_000);

  it('streams progress and persists it at a bounded rate', async () => {
    const { store, scheduler, add } = setup({ progressIntervalMs: 50 });
    const job = add({ mode: 'slow', steps: 20, stepMs: 15 });
    const events: number[] = [];
    scheduler.on('progress', (p) => p.jobId === job.id && events.push(p.processed));
    let midway = 0;
    scheduler.start();
    await until(() => (midway = store.get(job.id)!.processed) > 0 && store.get(job.id)!.status === 'running');
    expect(midway).toBeGreaterThan(0);
    await scheduler.drained();
    expect(events.at(-1)).toBe(20);
    expect(store.get(job.id)).toMatchObject({ processed: 20, total: 20 });
  });

  it('quitting with abort puts running jobs back to pending without counting the attempt', async () => {
    const { store, scheduler, add } = setup();
    const job = add({ mode: 'hang' });
    scheduler.start();
    await until(() => store.get(job.id)!.status === 'running');
    await scheduler.stop({ abort: true });
    expect(store.get(job.id)).toMatchObject({ status: 'pending', retryCount: 0 });
  });

  it('while another thread holds the write lock, a round waits for its release without blocking, then runs', async () => {
    const store = JobStore.open(tempDbPath(dir));
    const scheduler = new Scheduler({ store, executor: async () => ({ result: sampleResult({ text: 'x' }) }), pollIntervalMs: 20 });
    cleanups.push(async () => {
      await scheduler.stop();
      store.close();
    });
    scheduler.start();
    await scheduler.drained();
    let held = true;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let blockingWaits = 0;
    store.setWriteGate(
      () => void blockingWaits++,
      () => (held ? released : undefined),
    );
    const ids = store.add([1, 2, 3].map((i) => ({ sourcePath: `/nonexistent/${i}`, fileName: `${i}` }))).map((j) => j.id);
    blockingWaits = 0; // the add's own transaction
    scheduler.wake();
    await sleep(100); // rounds and polls come and go meanwhile
    expect(ids.map((id) => store.get(id)!.status)).toEqual(['pending', 'pending', 'pending']);
    expect(blockingWaits).toBe(0);
    held = false;
    release();
    await scheduler.drained();
    expect(ids.map((id) => store.get(id)!.status)).toEqual(['completed', 'completed', 'completed']);
  });

  it('a wake queued just before stop does not touch the store after it is closed', async () => {
    const store = JobStore.open(tempDbPath(dir));
    const scheduler = new Scheduler({ store, executor: async () => ({}) as never, pollIntervalMs: 50 });
    const errors: Error[] = [];
    scheduler.on('error', (e) => errors.push(e));
    store.add([{ sourcePath: '/nonexistent/a', fileName: 'a' }]);
    scheduler.start(); // queues a wake (setImmediate)
    await scheduler.stop();
    store.close();
    await new Promise((resolve) => setImmediate(resolve));
    await sleep(10);
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});

describe('leases', () => {
  it("renews a running job's lease once a third of it has passed, not at every poll", async () => {
    const store = JobStore.open(tempDbPath(dir));
    let now = 1_000;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const scheduler = new Scheduler({
      store,
      concurrency: 1,
      leaseMs: 3_000,
      pollIntervalMs: 10,
      clock: () => now,
      executor: async () => (await held, { result: sampleResult() }),
    });
    cleanups.push(async () => {
      release();
      await scheduler.stop({ abort: true });
      store.close();
    });
    const job = store.add([{ sourcePath: '/x/a', sizeBytes: 10 }])[0]!;
    const lease = () => store.db.prepare('SELECT lease_expires_at FROM jobs WHERE id = ?').pluck().get(job.id);
    scheduler.start();
    await until(() => store.get(job.id)!.status === 'running');
    expect(lease()).toBe(4_000);
    // Under a third of the lease later: many polls, no rewrite.
    now = 1_900;
    await sleep(100);
    expect(lease()).toBe(4_000);
    // A third later: renewed from now.
    now = 2_000;
    await until(() => lease() === 5_000);
    release();
    await scheduler.drained();
    expect(store.get(job.id)!.status).toBe('completed');
  });
});

describe('backoff', () => {
  it('doubles from the base, is capped, and jitters within bounds', () => {
    const o = { baseMs: 1000, maxMs: 8000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, o, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelay(3, o, () => 0)).toBe(2000);
    expect(DEFAULT_BACKOFF.maxMs).toBeGreaterThan(DEFAULT_BACKOFF.baseMs);
  });
});

void existsSync;
