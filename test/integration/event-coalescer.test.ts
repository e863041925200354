// The pushed events of a real engine, coalesced at the source (main/core/event-coalescer.ts):
// a burst reaches the window as fewer events that still end on every job's latest state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { subscribeEvents } from '../../main/core/handlers.js';
import type { EventName, EventPayload } from '../../shared/contract.js';
import type { Job } from '../../shared/job.js';
import { tempDir } from '../helpers/tmp.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const files = path.join(dir, 'files');
const FILES = 30;
const INTERVAL = 100;
let engine: Engine;

beforeAll(() => {
  mkdirSync(files, { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(files, `f${i}.txt`), `file ${i}`);
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), pool: { filename: CHAOS, threads: 2 }, statsIntervalMs: 20 }).start();
});
afterAll(() => engine.close({ abort: true }));

type Pushed = { event: EventName; payload: unknown };

/**
 * The events as the window receives them: `pushed` reads a `jobs.changed`
 * as the job.changed of each job in it, in order; `messages` counts what was
 * sent (one per push).
 */
function record(interval = INTERVAL) {
  const pushed: Pushed[] = [];
  const sent: EventName[] = [];
  const unsubscribe = subscribeEvents(
    engine,
    (event, payload) => {
      sent.push(event);
      if (event === 'jobs.changed') for (const job of payload as Job[]) pushed.push({ event: 'job.changed', payload: job });
      else pushed.push({ event, payload });
    },
    interval,
  );
  return { pushed, sent, unsubscribe };
}

const quiet = () => new Promise((r) => setTimeout(r, INTERVAL * 2));
const changesOf = (pushed: Pushed[], id: string) =>
  pushed.filter((p) => p.event === 'job.changed' && (p.payload as Job).id === id).map((p) => p.payload as Job);
const lastAbout = (pushed: Pushed[], id: string) =>
  pushed.findLast((p) => (p.event === 'job.changed' && (p.payload as Job).id === id) || (p.event === 'job.removed' && (p.payload as { id: string }).id === id));

/** Jobs added while the queue is paused, so nothing but the test changes them. */
async function pendingJobs(n: number): Promise<Job[]> {
  engine.pause();
  const sub = path.join(files, `paused-${Math.random().toString(36).slice(2)}`);
  mkdirSync(sub);
  for (let i = 0; i < n; i++) writeFileSync(path.join(sub, `p${i}.txt`), `pending ${i}`);
  const { jobs } = await engine.addPaths([sub]);
  return jobs.filter((j) => j.kind !== 'batch');
}

describe('coalesced events', () => {
  it('many rapid changes to one job reach the window as few events, ending on its last state', async () => {
    const [job] = await pendingJobs(1);
    await quiet();
    const { pushed, unsubscribe } = record();
    for (let p = 1; p <= 50; p++) engine.setPriority(job!.id, p);
    await quiet();
    unsubscribe();
    const changes = changesOf(pushed, job!.id);
    // The first change goes at once (nothing to merge with), the other 49 as one.
    expect(changes.length).toBeLessThanOrEqual(2);
    expect(changes.at(-1)!.priority).toBe(50);
  });

  it('a job changed then removed ends removed, and its pending change is not sent', async () => {
    const [a, b] = await pendingJobs(2);
    await quiet();
    const { pushed, unsubscribe } = record();
    engine.setPriority(b!.id, 1); // sent at once: the burst starts
    engine.setPriority(a!.id, 7);
    engine.cancel(a!.id);
    engine.delete(a!.id);
    await quiet();
    unsubscribe();
    expect(lastAbout(pushed, a!.id)?.event).toBe('job.removed');
    expect(changesOf(pushed, a!.id)).toEqual([]);
    expect(pushed.filter((p) => p.event === 'job.removed')).toHaveLength(1);
  });

  it('nothing pending is lost at unsubscribe: it is sent at once', async () => {
    const [job] = await pendingJobs(1);
    await quiet();
    const { pushed, unsubscribe } = record();
    for (let p = 1; p <= 20; p++) engine.setPriority(job!.id, p);
    unsubscribe(); // no waiting: the flush is synchronous
    expect(changesOf(pushed, job!.id).at(-1)?.priority).toBe(20);
    const count = pushed.length;
    engine.setPriority(job!.id, 21);
    await quiet();
    expect(pushed).toHaveLength(count); // and nothing after it
  });

  it('an intake keeps its place among the job changes around it', async () => {
    const [a, b, c] = await pendingJobs(3);
    await quiet();
    // A long interval: everything after the first event goes in the one flush of the unsubscribe.
    const { pushed, unsubscribe } = record(60_000);
    engine.setPriority(a!.id, 1); // at once: the burst starts
    engine.setPriority(b!.id, 2); // before the intake
    // Its chunks past the first (64 files) hold over 500: one jobs.added instead of a job.changed per job.
    const big = path.join(files, 'big');
    mkdirSync(big);
    for (let i = 0; i < 700; i++) writeFileSync(path.join(big, `b${i}.txt`), `big ${i}`);
    await engine.addPaths([big]);
    engine.setPriority(c!.id, 3); // after it
    unsubscribe();
    const at = (id: string) => pushed.findIndex((p) => p.event === 'job.changed' && (p.payload as Job).id === id);
    const added = pushed.findIndex((p) => p.event === 'jobs.added');
    expect(added).toBeGreaterThan(0);
    expect(at(b!.id)).toBeGreaterThanOrEqual(0);
    expect(at(b!.id)).toBeLessThan(added);
    expect(at(c!.id)).toBeGreaterThan(added);
  });

  it('a running folder: fewer events than the engine emitted, and the jobs they describe end as the engine has them', async () => {
    engine.resume();
    await engine.drained();
    await quiet();
    let emitted = 0;
    const count = () => emitted++;
    engine.on('job', count);
    engine.on('progress', count);
    const { pushed, sent, unsubscribe } = record();
    const run = path.join(files, 'run');
    mkdirSync(run);
    for (let i = 0; i < FILES; i++) writeFileSync(path.join(run, `r${i}.txt`), `run ${i}`);
    const { batch } = await engine.addPaths([run]);
    await engine.drained();
    await quiet();
    unsubscribe();
    engine.off('job', count);
    engine.off('progress', count);

    const seen = new Map<string, Job>();
    for (const p of pushed) {
      if (p.event === 'job.changed') seen.set((p.payload as Job).id, p.payload as Job);
      if (p.event === 'job.removed') seen.delete((p.payload as EventPayload<'job.removed'>).id);
    }
    const children = engine.list({ parentId: batch!.id, limit: 1000 });
    expect(children).toHaveLength(FILES);
    for (const job of [...children, engine.get(batch!.id)]) {
      const last = seen.get(job.id);
      expect(last, job.fileName ?? job.id).toBeDefined();
      expect({ id: last!.id, status: last!.status, updatedAt: last!.updatedAt }).toEqual({ id: job.id, status: job.status, updatedAt: job.updatedAt });
    }
    const jobEvents = pushed.filter((p) => p.event === 'job.changed' || p.event === 'job.progress').length;
    expect(jobEvents).toBeLessThan(emitted);
    // And the changes of a burst went as arrays: far fewer messages than jobs changed.
    expect(sent).toContain('jobs.changed');
    expect(sent.filter((e) => e === 'job.changed' || e === 'jobs.changed' || e === 'job.progress').length).toBeLessThan(jobEvents / 2);
  });
});
