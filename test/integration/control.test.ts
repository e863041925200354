// Watch folders, recurring schedules and the queue-wide pause, with the real
// engine, real files and real file-system events.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../main/core/engine.js';
import { nextRun } from '../../main/core/schedules.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close({ abort: true });
});

function engine(dbPath = tempDbPath(dir), clock?: () => number) {
  const e = new Engine({ dbPath, concurrency: 2, pool: { filename: CHAOS, threads: 2 }, scheduler: { pollIntervalMs: 30, ...(clock ? { clock } : {}) } });
  engines.push(e);
  return e;
}

const fileJobs = (e: Engine) => e.store.list({ kind: 'extract', sort: 'oldest' });

describe('watch folders', () => {
  it('queues new and changed files once each, including files that were there before', async () => {
    const folder = path.join(dir, 'watched');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'before.txt'), 'was here first');
    const db = tempDbPath(dir);
    const e = engine(db);
    await e.watches.add(folder, { debounceMs: 50 });
    await e.watches.start();
    await until(() => fileJobs(e).length === 1);
    expect(fileJobs(e)[0]).toMatchObject({ fileName: 'before.txt', source: 'watch' });

    writeFileSync(path.join(folder, 'new.txt'), 'arrived');
    await until(() => fileJobs(e).length === 2);
    // Touching a file without changing it is not a change: size and time are the same.
    const t = new Date('2026-01-01T00:00:00Z');
    writeFileSync(path.join(folder, 'same.txt'), 'x');
    utimesSync(path.join(folder, 'same.txt'), t, t);
    await until(() => fileJobs(e).length === 3);
    utimesSync(path.join(folder, 'same.txt'), t, t);
    writeFileSync(path.join(folder, 'new.txt'), 'arrived, then changed');
    await until(() => fileJobs(e).length === 4);
    await sleep(300);
    await e.watches.settle();
    expect(fileJobs(e).map((j) => j.fileName)).toEqual(['before.txt', 'new.txt', 'same.txt', 'new.txt']);

    // After a restart nothing already queued is queued again.
    await e.close();
    engines.splice(engines.indexOf(e), 1);
    const again = engine(db);
    await again.watches.start();
    await sleep(400);
    await again.watches.settle();
    expect(fileJobs(again)).toHaveLength(4);
  });

  it('refuses to watch something that is not a folder', async () => {
    const e = engine();
    await expect(e.watches.add(path.join(dir, 'nope'))).rejects.toThrow(/not a folder/);
  });
});

describe('schedules', () => {
  it('queues its paths each time the cron expression fires, once for missed runs', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const e = engine(tempDbPath(dir), () => now);
    const folder = path.join(dir, 'nightly');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'a.txt'), 'a');
    writeFileSync(path.join(folder, 'b.txt'), 'b');
    const s = e.schedules.add({ name: 'nightly', cron: '0 3 * * *', paths: [folder] });
    expect(new Date(s.nextRunAt!).getUTCHours()).toBe(new Date(nextRun('0 3 * * *', now)).getUTCHours());
    expect(await e.schedules.runDue()).toEqual([]);
    now = s.nextRunAt! + 1;
    const ran = await e.schedules.runDue();
    expect(ran).toHaveLength(1);
    expect(ran[0]!.intake.count).toBe(2);
    expect(ran[0]!.intake.batch?.source).toBe('schedule');
    // Three days pass unnoticed: one run, not three.
    now += 3 * 86_400_000;
    expect(await e.schedules.runDue()).toHaveLength(1);
    expect(await e.schedules.runDue()).toHaveLength(0);
    expect(fileJobs(e)).toHaveLength(4);
    e.schedules.setEnabled('nightly', false);
    now += 86_400_000;
    expect(await e.schedules.runDue()).toHaveLength(0);
  });

  it('refuses a bad cron expression with a readable error', () => {
    const e = engine();
    expect(() => e.schedules.add({ name: 'bad', cron: '61 * * * *', paths: ['/tmp'] })).toThrow(/Invalid cron expression "61 \* \* \* \*"/);
  });
});

describe('queue pause', () => {
  it('holds all work, survives a restart, and resumes', async () => {
    const db = tempDbPath(dir);
    const e = engine(db);
    e.pause();
    const [j] = e.store.add([{ sourcePath: '/chaos', fileName: 'p', options: {} }]);
    e.start();
    await sleep(150);
    expect(e.store.get(j!.id)!.status).toBe('pending');
    await e.close();
    engines.splice(engines.indexOf(e), 1);
    const again = engine(db).start();
    expect(again.scheduler.isPaused).toBe(true);
    again.resume();
    await again.drained();
    expect(again.store.get(j!.id)!.status).toBe('completed');
  });
});

describe('pushed statistics', () => {
  it('keep coming after a very slow stats() call: the next push waits at most a couple of seconds, not in proportion', async () => {
    const e = engine();
    const pushed: number[] = [];
    e.on('stats', (s) => pushed.push(s.byStatus.completed));
    // The first call reads as ten minutes long (the engine's clock jumps as it
    // returns), as if the machine had frozen: at 50 times its cost, the next
    // push would come hours later; capped, within the deadline below.
    const real = e.store.stats.bind(e.store);
    let first = true;
    e.store.stats = (now?: number) => {
      const stats = real(now);
      if (first) {
        first = false;
        const clock = performance.now.bind(performance);
        vi.spyOn(performance, 'now').mockImplementationOnce(() => clock() + 600_000);
      }
      return stats;
    };
    e.store.add([{ sourcePath: '/x/a', fileName: 'a' }]);
    await until(() => pushed.length >= 1);
    vi.restoreAllMocks();
    e.start();
    e.store.add(Array.from({ length: 5 }, (_, i) => ({ sourcePath: `/x/${i}`, fileName: `${i}` })));
    await e.drained();
    await until(() => pushed.at(-1) === 6, 20_000);
  });
});
