// A cancel reaches the work it cancels, through the wiring, never by a test
// calling scheduler.abort(): a real engine (store on a SQLite file,
// scheduler, extraction host running the chaos worker) runs a job that keeps
// its thread busy for good and leaves a heartbeat; the cancel must stop that
// thread (the heartbeat stops growing, the only thread takes the next job)
// and the job must end cancelled.
// - In this process: the store announces 'abort', the scheduler stops the job.
//   The engine's periodic housekeeping, which would also notice the cancel,
//   is pushed out to an hour, so only that event can do it.
// - From another process (`quarry cancel`): nothing is announced here; the
//   scheduler's periodic check of its running jobs must notice.
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../main/core/engine.js';
import type { NewJob } from '../../main/core/store/job-store.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const CLI = path.resolve(import.meta.dirname, '../../dist/cli.cjs');
const dir = tempDir('quarry-cancel-');
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close({ abort: true });
});

const HOUR = 3_600_000;

/** One thread, one job at once; `housekeeping: false` leaves the store's events as the only way a cancel reaches a running job. */
function engine({ housekeeping }: { housekeeping: boolean }) {
  const e = new Engine({
    dbPath: tempDbPath(dir),
    concurrency: 1,
    pool: { filename: CHAOS, threads: 1 },
    // Housekeeping runs every min(pollIntervalMs, leaseMs / 3).
    scheduler: housekeeping ? { pollIntervalMs: 50 } : { pollIntervalMs: HOUR, leaseMs: 3 * HOUR },
  });
  engines.push(e);
  return e;
}

let n = 0;
/** A job whose worker spins for good, appending to a heartbeat file every 10 ms. */
function hanging(): { job: NewJob; heartbeat: string } {
  const heartbeat = path.join(dir, `heartbeat-${n++}`);
  writeFileSync(heartbeat, '');
  return { job: { sourcePath: '/chaos/hang', fileName: 'hang', options: { mode: 'hang', heartbeat } }, heartbeat };
}

/** Its worker has started spinning. */
const spinning = (heartbeat: string) => until(() => statSync(heartbeat).size > 3);

/**
 * The hung work is gone: the next job runs on the only thread (a thread
 * still spinning would hold it), and the heartbeat no longer grows.
 */
async function expectWorkStopped(e: Engine, heartbeat: string): Promise<void> {
  const [next] = e.store.add([{ sourcePath: '/chaos/after', fileName: 'after', options: { tag: 'after' } }]);
  await until(() => e.store.get(next!.id)!.status === 'completed');
  const size = statSync(heartbeat).size;
  await sleep(200);
  expect(statSync(heartbeat).size).toBe(size);
}

describe('a cancel stops the running work', () => {
  it("engine.cancel(id): the store's 'abort' event reaches the scheduler, which stops the worker", async () => {
    const e = engine({ housekeeping: false });
    const { job, heartbeat } = hanging();
    const [hung] = e.store.add([job]);
    e.start();
    await spinning(heartbeat);
    e.cancel(hung!.id);
    await until(() => e.scheduler.runningCount === 0);
    expect(e.store.get(hung!.id)).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
    await expectWorkStopped(e, heartbeat);
  });

  it("cancelling a batch: the cascade's 'abort' event stops its running child", async () => {
    const e = engine({ housekeeping: false });
    const { job, heartbeat } = hanging();
    const { batch } = e.store.addBatch({ fileName: 'batch' }, [job, { sourcePath: '/chaos/waiting', fileName: 'waiting', options: {} }]);
    e.start();
    await spinning(heartbeat);
    e.cancel(batch.id);
    await until(() => e.scheduler.runningCount === 0);
    expect(e.store.get(batch.id)!.status).toBe('cancelled');
    expect(e.store.list({ parentId: batch.id, sort: 'oldest' }).map((k) => [k.fileName, k.status])).toEqual([
      ['hang', 'cancelled'],
      ['waiting', 'cancelled'],
    ]);
    await expectWorkStopped(e, heartbeat);
  });

  it('quarry cancel from another process: the running engine notices and stops the worker', async () => {
    const e = engine({ housekeeping: true });
    const { job, heartbeat } = hanging();
    const [hung] = e.store.add([job]);
    e.start();
    await spinning(heartbeat);
    const cancel = spawnSync(process.execPath, [CLI, 'cancel', hung!.shortId, '--db', e.store.db.name], {
      encoding: 'utf8',
      env: { ...process.env, QUARRY_HOME: path.join(dir, 'home') },
    });
    expect(cancel.status, cancel.stderr).toBe(0);
    await until(() => e.scheduler.runningCount === 0);
    expect(e.store.get(hung!.id)).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
    await expectWorkStopped(e, heartbeat);
  });
});
