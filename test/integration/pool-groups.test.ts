/**
 * Small files grouped into shared worker tasks (main/core/pool-groups.ts),
 * in a real piscina pool running the chaos worker: each grouped file must
 * behave as if it ran alone, whatever happens to the others of its group.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { Engine } from '../../main/core/engine.js';
import { ExtractionPool } from '../../main/core/pool.js';
import { poolExecutor } from '../helpers/pool-executor.js';
import { Scheduler } from '../../main/core/scheduler.js';
import { JobStore } from '../../main/core/store/job-store.js';
import { ExtractionError } from '../../shared/extraction.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let n = 0;
function setup(threads = 2) {
  const pool = new ExtractionPool({ filename: CHAOS, threads, maxHeapMb: 64 });
  cleanups.push(() => pool.destroy());
  const groupLog = path.join(dir, `groups-${n}.log`);
  const log = path.join(dir, `files-${n++}.log`);
  /** One small file; `options` say what the chaos worker does with it. */
  const file = (tag: string, options: Record<string, unknown> = {}, opts: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
    pool.run({ path: `/nonexistent/${tag}`, options: { tag, log, groupLog, ...options } }, { small: true, ...opts });
  const groups = () =>
    existsSync(groupLog)
      ? readFileSync(groupLog, 'utf8')
          .trim()
          .split('\n')
          .map((l) => Number(l.split(' ')[1]))
      : [];
  const started = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('start'))
          .map((l) => l.split(' ')[1])
      : [];
  return { pool, file, groups, started };
}

/** The error a rejected run ended with. */
async function failure(p: Promise<unknown>): Promise<ExtractionError> {
  try {
    await p;
  } catch (err) {
    return err as ExtractionError;
  }
  throw new Error('expected the run to fail');
}

const tagOf = (o: { result: { text: string } }) => o.result.text.replace(/^done /, '');

describe('grouped small files', () => {
  it('sends files asked for together as a few group tasks, spread over the threads, each with its own outcome', async () => {
    const { file, groups } = setup();
    const tags = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const outcomes = await Promise.all(tags.map((t, i) => (i === 7 ? failure(file(t, { mode: 'fail', code: 'corrupt_file' })) : file(t))));
    outcomes.forEach((o, i) => {
      if (i === 7) expect((o as ExtractionError).code).toBe('corrupt_file');
      else expect(tagOf(o as { result: { text: string } })).toBe(tags[i]);
    });
    const sizes = groups();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40);
    expect(sizes.length).toBeGreaterThanOrEqual(2); // both threads get work
    expect(sizes.length).toBeLessThan(40 / 2);
  });

  it('a file that is not small, or that listens to progress, runs on its own', async () => {
    const { pool, groups } = setup();
    const groupLog = path.join(dir, 'alone-groups.log');
    await Promise.all([
      pool.run({ path: '/x/a', options: { groupLog } }),
      pool.run({ path: '/x/b', options: { groupLog } }),
      pool.run({ path: '/x/c', options: { groupLog, mode: 'slow', steps: 2, stepMs: 1 } }, { small: true, onProgress: () => undefined }),
    ]);
    expect(existsSync(groupLog)).toBe(false);
    expect(groups()).toEqual([]);
  });

  it('a file that runs past its time limit fails alone; the rest of its group completes', async () => {
    const { file, started, groups } = setup(1);
    const heartbeat = path.join(dir, 'hb-timeout');
    // The same limit for all: they share groups (one thread: [a, b, hang] then [c, d]).
    const limit = { timeoutMs: 1000 };
    const runs = [file('a', {}, limit), file('b', {}, limit), file('hang', { mode: 'hang', heartbeat }, limit), file('c', {}, limit), file('d', {}, limit)];
    const [a, b, hang, c, d] = (await Promise.allSettled(runs)) as PromiseSettledResult<{ result: { text: string } }>[];
    expect(hang).toMatchObject({ status: 'rejected', reason: { code: 'timeout' } });
    for (const [r, t] of [
      [a!, 'a'],
      [b!, 'b'],
      [c!, 'c'],
      [d!, 'd'],
    ] as const) {
      expect(r.status).toBe('fulfilled');
      expect(tagOf((r as PromiseFulfilledResult<{ result: { text: string } }>).value)).toBe(t);
    }
    // The hung thread was stopped: its heartbeat no longer grows.
    const size = statSync(heartbeat).size;
    await sleep(150);
    expect(statSync(heartbeat).size).toBe(size);
    // The files after the hang ran (again, alone); none ran twice except those whose results died with the thread.
    expect(started().filter((t) => t === 'c')).toHaveLength(1);
    expect(groups()[0]).toBe(3); // the hang ran inside a group
  });

  it('a crash or a heap overflow fails only the file that caused it', async () => {
    const { file, groups } = setup(1);
    const codes = (results: PromiseSettledResult<{ result: { text: string } }>[]) =>
      results.map((r) => (r.status === 'fulfilled' ? tagOf(r.value) : (r.reason as ExtractionError).code));
    // One thread: four files go out as two groups of two (one running, one waiting).
    const first = [file('a'), file('boom', { mode: 'exit' }), file('b'), file('c')];
    expect(codes(await Promise.allSettled(first))).toEqual(['a', 'worker_crashed', 'b', 'c']);
    const second = [file('d'), file('hog', { mode: 'oom' }), file('e'), file('f')];
    expect(codes(await Promise.allSettled(second))).toEqual(['d', 'resource_limit', 'e', 'f']);
    expect(groups()).toEqual([2, 2, 2, 2]);
  });

  it('cancel: a file whose turn has not come is skipped, and its group carries on', async () => {
    const { file, started, groups } = setup(1);
    const waiting = new AbortController();
    // One thread: six files go out as two groups of three.
    const runs = [
      file('slow', { mode: 'slow', steps: 4, stepMs: 50 }),
      file('skipped', {}, { signal: waiting.signal }),
      file('after'),
      ...['x', 'y', 'z'].map((t) => file(t)),
    ];
    await until(() => started().includes('slow'));
    waiting.abort();
    const [slow, skipped, ...rest] = await Promise.allSettled(runs);
    expect(skipped).toMatchObject({ status: 'rejected', reason: { code: 'cancelled' } });
    expect(slow!.status).toBe('fulfilled');
    expect(rest.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(started()).toEqual(['slow', 'after', 'x', 'y', 'z']);
    expect(groups()).toEqual([3, 3]);
  });

  it('cancel: a running file has its thread stopped, and the rest of its group runs on', async () => {
    const { file, started } = setup(1);
    const heartbeat = path.join(dir, 'hb-cancel');
    const running = new AbortController();
    const runs = [file('hang', { mode: 'hang', heartbeat }, { signal: running.signal }), file('after')];
    await until(() => existsSync(heartbeat));
    running.abort();
    const [hang, after] = await Promise.allSettled(runs);
    expect(hang).toMatchObject({ status: 'rejected', reason: { code: 'cancelled' } });
    expect(after!.status).toBe('fulfilled');
    expect(started()).toEqual(['hang', 'after']);
    const size = statSync(heartbeat).size;
    await sleep(150);
    expect(statSync(heartbeat).size).toBe(size);
  });

  it('files with different time limits never share a group; each limit is its own', async () => {
    const { file, groups } = setup(1);
    const long = { timeoutMs: 60_000 };
    const short = { timeoutMs: 1000 };
    const runs = [file('a', {}, long), file('b', {}, long), file('hang', { mode: 'hang' }, short), file('c', {}, short)];
    const [a, b, hang, c] = await Promise.allSettled(runs);
    expect(hang).toMatchObject({ status: 'rejected', reason: { code: 'timeout', message: expect.stringContaining('1 s') } });
    expect([a!.status, b!.status, c!.status]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(groups()).toEqual([2]); // hang + c; a and b went alone (one each for the idle thread and the queue)
  });

  it('time spent waiting for a thread does not count against a group', async () => {
    const { pool, file } = setup(1);
    // A file that is not small holds the only thread for about 1.5 s, longer than the limit.
    const busy = pool.run({ path: '/x/busy', options: { mode: 'slow', steps: 25, stepMs: 60 } });
    const queued = ['q1', 'q2', 'q3', 'q4'].map((t) => file(t, {}, { timeoutMs: 1000 }));
    const results = await Promise.allSettled([busy, ...queued]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('a worker that does not report its time does not break grouping', async () => {
    const { file, groups } = setup(1);
    const first = await Promise.allSettled(['a', 'b', 'c', 'd'].map((t) => file(t, { noMs: true })));
    expect(first.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const second = await Promise.allSettled(['e', 'f', 'g', 'h'].map((t) => file(t)));
    expect(second.map((r) => (r.status === 'fulfilled' ? tagOf(r.value) : 'failed'))).toEqual(['e', 'f', 'g', 'h']);
    expect(groups().length).toBeGreaterThanOrEqual(3);
  });

  it('closing the pool right after asking settles every file: none is left waiting', async () => {
    const { pool, file } = setup(2);
    const settled = Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((t) => file(t)));
    await pool.close();
    const results = await settled;
    expect(results).toHaveLength(5);
    // Asked for just before close(): refused cleanly (the pool is closing), never left waiting.
    for (const r of results) if (r.status === 'rejected') expect((r.reason as ExtractionError).code).toMatch(/internal|worker_crashed/);
  });

  it('a file alone: its time limit counts from when a thread starts it, not while it waits for one', async () => {
    const { pool } = setup(1);
    const busy = pool.run({ path: '/x/busy', options: { mode: 'slow', steps: 25, stepMs: 60 } }); // about 1.5 s
    const waiting = pool.run({ path: '/x/waiting', options: { tag: 'waiting' } }, { timeoutMs: 1000 });
    const heartbeat = path.join(dir, 'hb-alone');
    const hang = pool.run({ path: '/x/hang', options: { mode: 'hang', heartbeat } }, { timeoutMs: 1000 });
    const [b, w, h] = await Promise.allSettled([busy, waiting, hang]);
    expect(b!.status).toBe('fulfilled');
    expect(w).toMatchObject({ status: 'fulfilled', value: { result: { text: 'done waiting' } } });
    expect(h).toMatchObject({ status: 'rejected', reason: { code: 'timeout' } });
  });

  it("piscina's errors outside any task are reported, never thrown: the process and the pool carry on", async () => {
    // piscina emits 'error' for a late answer to a task it already settled (seen once in CI,
    // closing with work in flight), a worker failing between tasks, or a close timeout. Those
    // races cannot be staged reliably, so the event is raised directly: with no listener,
    // EventEmitter would throw it and end the process.
    const errors: Error[] = [];
    const pool = new ExtractionPool({ filename: CHAOS, threads: 1, onError: (e) => errors.push(e) });
    cleanups.push(() => pool.destroy());
    const piscina = (pool as unknown as { piscina: import('node:events').EventEmitter }).piscina;
    expect(() => piscina.emit('error', new Error('Unexpected message from Worker: {}'))).not.toThrow();
    expect(errors.map((e) => e.message)).toEqual(['Unexpected message from Worker: {}']);
    const next = await pool.run({ path: '/x/b', options: { tag: 'next' } });
    expect(next.result.text).toBe('done next');
  });

  it('an engine at a concurrency above the cores keeps one thread per core; the other jobs wait for one', async () => {
    const e = new Engine({ dbPath: tempDbPath(dir), concurrency: 16, pool: { filename: CHAOS } });
    cleanups.push(() => e.close());
    expect(e.pool!.threads).toBe(Math.min(16, availableParallelism()));
    e.setConcurrency(64);
    expect(e.scheduler.concurrency).toBe(64);
    expect(e.pool!.threads).toBe(Math.min(64, availableParallelism()));
    const jobs = e.store.add(Array.from({ length: 100 }, (_, i) => ({ sourcePath: `/x/${i}`, sizeBytes: 10, options: { tag: `e${i}` }, timeoutMs: 5_000 })));
    e.start();
    await e.drained();
    expect(jobs.map((j) => e.store.get(j.id)!.status)).toEqual(jobs.map(() => 'completed'));
  });

  it('through the scheduler: small jobs at a concurrency above the thread count all complete, in few worker tasks', async () => {
    const store = JobStore.open(tempDbPath(dir));
    const pool = new ExtractionPool({ filename: CHAOS, threads: 2 });
    const scheduler = new Scheduler({ store, executor: poolExecutor(pool), concurrency: 24, pollIntervalMs: 50 });
    cleanups.push(async () => {
      await scheduler.stop({ abort: true });
      await pool.destroy();
      store.close();
    });
    const groupLog = path.join(dir, 'scheduler-groups.log');
    const jobs = store.add(Array.from({ length: 200 }, (_, i) => ({ sourcePath: `/x/${i}`, sizeBytes: 100, options: { tag: `j${i}`, groupLog } })));
    scheduler.start();
    await scheduler.drained();
    for (const j of jobs) {
      expect(store.get(j.id)!.status).toBe('completed');
      expect(store.result(j.id)!.text).toBe(`done ${j.options.tag}`);
    }
    const sizes = readFileSync(groupLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1]));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(200);
    expect(sizes.length).toBeLessThan(100);
  });
});
