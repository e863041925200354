/**
 * Remote workers (main/core/remote): a real redis-server on a free loopback
 * port, real `quarry worker` processes (dist/cli.cjs), a real owner engine
 * and job database. Each fault ends with every job completed or failed
 * exactly once and nothing left running. The scripted extractor
 * (test/fixtures/workers/chaos.cjs) makes a task slow, or kill its host.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Job as BullJob, Queue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { Engine, type EngineOptions } from '../../main/core/engine.js';
import { TASKS_QUEUE } from '../../main/core/remote/protocol.js';
import { EVENTS_MAX_LEN, RemoteDispatcher, type DispatchRequest } from '../../main/core/remote/dispatcher.js';
import { createHandlers, dispatch } from '../../main/core/handlers.js';
import type { RemoteSettings } from '../../shared/workers.js';
import type { Job } from '../../shared/job.js';
import { makePdf, makeZip } from '../helpers/fixtures.js';
import { NO_REDIS_REASON, REDIS_SERVER, startRedis, type TestRedis } from '../helpers/redis.js';
import { skipWhen } from '../helpers/skip.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.cjs');
const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir('quarry-remote-');
/** A task lock this short: a killed worker's task runs elsewhere within seconds. */
const LOCK_S = 2;

let redis: TestRedis;
let prefixN = 0;
const children: ChildProcess[] = [];
const engines: Engine[] = [];
const queues: Queue[] = [];

beforeAll(async () => {
  if (REDIS_SERVER) redis = await startRedis();
});
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close({ abort: true }).catch(() => undefined);
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const q of queues.splice(0)) await q.close();
});
afterAll(async () => {
  await redis?.stop();
});

interface WorkerProc {
  child: ChildProcess;
  log: () => string;
}

/** A real `quarry worker`; resolves once it takes tasks. */
async function startWorker(prefix: string, name: string, opts: { chaos?: boolean; threads?: number } = {}): Promise<WorkerProc> {
  const args = [CLI, 'worker', '--redis', redis.url, '--redis-prefix', prefix, '--threads', String(opts.threads ?? 1), '--name', name];
  args.push('--lock-seconds', String(LOCK_S));
  if (opts.chaos) args.push('--extractor-bundle', CHAOS);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  await until(() => text.includes('taking tasks') || child.exitCode !== null, 20_000);
  if (child.exitCode !== null) throw new Error(`quarry worker ended: ${text}`);
  return { child, log: () => text };
}

function kill9(w: WorkerProc): Promise<void> {
  return new Promise((resolve) => {
    w.child.once('exit', () => resolve());
    w.child.kill('SIGKILL');
  });
}

function newPrefix(): string {
  return `t${process.pid}x${prefixN++}`;
}

function owner(prefix: string, opts: Partial<EngineOptions> & { chaos?: boolean; localThreads?: number; dbPath?: string } = {}): Engine {
  const { chaos, localThreads = 0, dbPath, ...rest } = opts;
  const e = new Engine({
    dbPath: dbPath ?? tempDbPath(dir),
    spoolRoot: path.join(dir, 'spool'),
    pool: { threads: 1, ...(chaos ? { filename: CHAOS } : {}) },
    scheduler: { backoff: { baseMs: 5, maxMs: 20 }, pollIntervalMs: 100 },
    remote: { redis: redis.url, prefix, localThreads, lockMs: LOCK_S * 1000 },
    ...rest,
  });
  engines.push(e);
  return e;
}

/** Every job ended once: completed or failed (never both, never twice), none left pending or running. */
function expectSettledOnce(e: Engine, jobs: Job[]): void {
  for (const j of jobs) {
    const job = e.store.get(j.id)!;
    expect(['completed', 'failed'], `${job.fileName}: ${job.status}`).toContain(job.status);
    const ends = e.store.events(j.id).filter((ev) => ev.toStatus === 'completed' || ev.toStatus === 'failed');
    expect(ends, job.fileName ?? '').toHaveLength(1);
  }
  expect(e.store.stats().byStatus.running).toBe(0);
  expect(e.store.stats().byStatus.pending).toBe(0);
}

function chaosJobs(e: Engine, n: number, options: Record<string, unknown>): Job[] {
  return e.store.add(
    Array.from({ length: n }, (_, i) => ({
      sourcePath: path.join(dir, `chaos-${prefixN}-${i}.txt`),
      sizeBytes: 100,
      options: { tag: `t${i}`, ...options },
    })),
  );
}

/**
 * An owner's database seeded with slow chaos jobs (their starts and ends
 * logged), and the `quarry run` owner process over it, for the tests that
 * kill the owner with kill -9 and start it again.
 */
async function seededOwner(prefix: string, name: string, n: number, pace: { steps: number; stepMs: number }) {
  const db = tempDbPath(dir);
  const log = path.join(dir, `${name}-${prefix}.log`);
  const seed = new Engine({ dbPath: db, pool: { threads: 1, filename: CHAOS } });
  const jobs = chaosJobs(seed, n, { mode: 'slow', ...pace, log });
  await seed.close();
  const args = [CLI, 'run', '--db', db, '--redis', redis.url, '--redis-prefix', prefix, '--local-threads', '0', '--lock-seconds', String(LOCK_S)];
  const spawnOwner = () => {
    const owner = spawn(process.execPath, args, { stdio: 'ignore' });
    children.push(owner);
    return owner;
  };
  /** The owner started again runs until nothing is left (exit 0); then its store, opened for the test to read. */
  const restartToEnd = async (): Promise<Engine> => {
    const second = spawnOwner();
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(0);
    const after = new Engine({ dbPath: db, pool: { threads: 1, filename: CHAOS } });
    engines.push(after);
    return after;
  };
  return { log, jobs, spawnOwner, restartToEnd };
}

/** The tasks queue as a test reads it (closed after the test). */
function taskQueue(prefix: string): Queue {
  const q = new Queue(TASKS_QUEUE, { connection: { url: redis.url }, prefix });
  queues.push(q);
  return q;
}

async function tasksLeft(prefix: string): Promise<number> {
  const q = new Queue(TASKS_QUEUE, { connection: { url: redis.url }, prefix });
  try {
    const counts = await q.getJobCounts('wait', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await q.close();
  }
}

/** The tags (options.tag) the chaos extractor logged as started, with how many times each. */
function startsIn(log: string): Map<string, number> {
  const n = new Map<string, number>();
  for (const m of existsSync(log) ? readFileSync(log, 'utf8').matchAll(/^start (\S+)/gm) : []) n.set(m[1]!, (n.get(m[1]!) ?? 0) + 1);
  return n;
}

/** The export, without what differs between two runs of the same files (ids, the container's id, times, spool paths). */
async function normalizedExport(e: Engine, out: string): Promise<unknown[]> {
  const summary = await e.exportTo(out, 'jsonl');
  return readFileSync(summary.file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { id: _id, completedAt: _c, sourcePath: _s, container: _p, ...rest } = JSON.parse(line);
      return rest;
    })
    .sort((a, b) => `${a.fileName}${a.contentHash}`.localeCompare(`${b.fileName}${b.contentHash}`));
}

async function makeFolder(): Promise<string> {
  const folder = path.join(dir, 'folder');
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(path.join(folder, `note-${i}.txt`), `Note ${i}: remote workers extract this line.\n`.repeat(i + 1));
  writeFileSync(path.join(folder, 'table.csv'), 'name,count\nalpha,1\nbeta,2\n');
  writeFileSync(path.join(folder, 'report.pdf'), await makePdf({ pages: [['First page', 'of a report'], ['Second page']], title: 'Report' }));
  writeFileSync(
    path.join(folder, 'bundle.zip'),
    makeZip([
      ['inner/a.txt', 'entry a'],
      ['b.csv', 'x,y\n1,2\n'],
    ]),
  );
  return folder;
}

describe('remote workers on BullMQ and Redis', skipWhen(!REDIS_SERVER, NO_REDIS_REASON), () => {
  it('a folder processed by two `quarry worker` processes exports the same as a local run', async () => {
    const folder = await makeFolder();
    const local = new Engine({ dbPath: tempDbPath(dir), spoolRoot: path.join(dir, 'spool'), pool: { threads: 2 } });
    engines.push(local);
    await local.addPaths([folder]);
    local.start();
    await local.drained();
    const expected = await normalizedExport(local, path.join(dir, 'out-local'));

    const prefix = newPrefix();
    await Promise.all([startWorker(prefix, 'w1'), startWorker(prefix, 'w2')]);
    const ownerDb = tempDbPath(dir);
    const e = owner(prefix, { dbPath: ownerDb });
    await e.addPaths([folder]);
    e.start();
    await e.drained();
    const got = await normalizedExport(e, path.join(dir, 'out-remote'));
    expect(got).toEqual(expected);
    expect(got.length).toBeGreaterThanOrEqual(16); // 14 files and the zip's 2 entries
    // Both workers took tasks, and the owner extracted nothing itself.
    const ran = new Set(
      e
        .list({ limit: 100 })
        .map((j) => e.remote!.ranBy.get(j.id))
        .filter(Boolean),
    );
    expect([...ran].sort()).toEqual(['w1', 'w2']);
    // Each job's history says which worker ran its attempt, with the extractor; a local run says "local".
    const host = hostname();
    const ranOn = (eng: Engine, j: Job) => {
      const end = eng.history(j.id).find((ev) => ev.fromStatus === 'running');
      return `${end?.ranBy} ${end?.extractor?.split(' ')[0]}`;
    };
    const files = (eng: Engine) => eng.list({ limit: 100 }).filter((j) => j.kind !== 'batch' && j.status === 'completed');
    const remoteRan = new Set(files(e).map((j) => ranOn(e, j).replace(/ \S+$/, '')));
    expect([...remoteRan].sort()).toEqual([`w1@${host}`, `w2@${host}`]);
    expect(new Set(files(local).map((j) => ranOn(local, j).replace(/ \S+$/, '')))).toEqual(new Set(['local']));
    const pdf = files(e).find((j) => j.format === 'pdf')!;
    expect(ranOn(e, pdf)).toMatch(/^w[12]@\S+ pdf$/);
    // `quarry show` prints it too, from the owner's database.
    const showText = spawnSync(process.execPath, [CLI, 'show', pdf.id, '--db', ownerDb], { encoding: 'utf8' }).stdout;
    expect(showText).toMatch(/running -> completed\s+attempt 1\s+on w[12]@\S+ \(pdf \S+\)/);
    expect(showText).toContain(`@${host} (pdf`);
    expect(await tasksLeft(prefix)).toBe(0);
    // The Workers view's list: the local pool (which extracted nothing) and both workers, alive, same extractors,
    // once their next heartbeats (every 2 s) count every file.
    let list = await e.workers('test');
    const counted = () => list.workers.slice(1).reduce((n, w) => n + w.done, 0);
    for (let i = 0; i < 50 && counted() < got.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await e.remote!.registry.refresh();
      list = await e.workers('test');
    }
    const { workers, redis: shown } = list;
    expect(shown).toBe(redis.url);
    const rows = workers.map((w) => [w.kind, w.name, w.alive, w.versionMismatch].join(' '));
    expect(rows.sort()).toEqual(['local local true false', 'remote w1 true false', 'remote w2 true false']);
    expect(workers[0]!.done).toBe(0);
    expect(counted()).toBe(got.length);
  }, 90_000);

  it('the setting turns remote workers on (local threads off) and off again without a restart; the password never comes back', async () => {
    const prefix = newPrefix();
    const dbPath = tempDbPath(dir);
    const e = new Engine({
      dbPath,
      spoolRoot: path.join(dir, 'spool'),
      pool: { threads: 1 },
      scheduler: { pollIntervalMs: 100 },
      remoteFromSettings: true,
      remoteDefaults: { prefix, lockMs: LOCK_S * 1000 },
    });
    engines.push(e);
    const handlers = createHandlers(e, { transport: 'browser', version: 'test', dbPath, exportsDir: path.join(dir, 'exports') });
    const setRemote = (input: unknown) => dispatch(handlers, 'settings.remote', input) as Promise<RemoteSettings>;
    expect(await setRemote({})).toMatchObject({ enabled: false, url: '', hasPassword: false, localThreads: true, active: null });
    // Refused, and nothing saved: not a Redis URL; this machine's threads off with nothing else to extract.
    await expect(setRemote({ enabled: true, url: 'http://host:6379' })).rejects.toMatchObject({ kind: 'invalid_input', message: /redis:\/\/ or rediss:/ });
    await expect(setRemote({ localThreads: false })).rejects.toMatchObject({ kind: 'invalid_input', message: /only while remote workers are on/ });
    expect(await setRemote({})).toMatchObject({ enabled: false, url: '' });
    e.start();

    await startWorker(prefix, 'w-set');
    const secret = 'not-echoed-3f9a';
    const on = await setRemote({ enabled: true, url: redis.url, password: secret, localThreads: false });
    expect(on).toMatchObject({ enabled: true, url: redis.url, hasPassword: true, localThreads: false });
    expect(on.active).toMatch(/^redis:\/\/:\*\*\*@127\.0\.0\.1:/);
    expect(JSON.stringify(on)).not.toContain(secret);
    const folder = path.join(dir, `set-${prefix}`);
    mkdirSync(folder);
    for (let i = 0; i < 4; i++) writeFileSync(path.join(folder, `r${i}.txt`), `remote ${i}\n`);
    const ranBy = (ids: string[]) => new Set(ids.map((id) => e.history(id).find((ev) => ev.fromStatus === 'running')?.ranBy));
    const batch = await e.addPaths([folder]);
    await e.drained();
    const remoteIds = e.list({ parentId: batch.batch!.id, limit: 10 }).map((j) => j.id);
    expect(remoteIds).toHaveLength(4);
    expect(ranBy(remoteIds)).toEqual(new Set([`w-set@${hostname()}`]));

    // Off again, same engine: the next files run here.
    expect(await setRemote({ enabled: false, localThreads: true })).toMatchObject({ enabled: false, url: redis.url, hasPassword: true, active: null });
    writeFileSync(path.join(dir, `after-${prefix}.txt`), 'local again\n');
    const later = await e.addPaths([path.join(dir, `after-${prefix}.txt`)]);
    await e.drained();
    expect(ranBy(later.jobs.map((j) => j.id))).toEqual(new Set(['local']));
    // The password stays saved (a later "on" keeps it) but is never shown.
    expect(JSON.stringify(e.setting('remote'))).toContain(secret);
    const again = await setRemote({ enabled: true });
    expect(again).toMatchObject({ enabled: true, hasPassword: true });
    expect(JSON.stringify(again)).not.toContain(secret);
    // Forgotten while on: the engine moves to the URL without it, at once.
    const forgot = await setRemote({ password: null });
    expect(forgot).toMatchObject({ enabled: true, url: redis.url, hasPassword: false });
    expect(forgot.active).toBe(redis.url);
    expect(JSON.stringify(e.setting('remote'))).not.toContain(secret);
    // Another server: the saved password is not handed to it.
    const moved = await setRemote({ enabled: false, url: 'redis://elsewhere.invalid:6379' });
    expect(moved).toMatchObject({ url: 'redis://elsewhere.invalid:6379', hasPassword: false });
    expect(JSON.stringify(e.setting('remote'))).not.toContain(secret);
  }, 60_000);

  it('turned off while its tasks wait in a Redis no worker serves: they come back and run here, no attempt counted', async () => {
    const prefix = newPrefix();
    const dbPath = tempDbPath(dir);
    const e = new Engine({
      dbPath,
      spoolRoot: path.join(dir, 'spool'),
      pool: { threads: 1 },
      scheduler: { pollIntervalMs: 100 },
      remoteFromSettings: true,
      remoteDefaults: { prefix, lockMs: LOCK_S * 1000 },
    });
    engines.push(e);
    const handlers = createHandlers(e, { transport: 'browser', version: 'test', dbPath, exportsDir: path.join(dir, 'exports') });
    const setRemote = (input: unknown) => dispatch(handlers, 'settings.remote', input) as Promise<RemoteSettings>;
    await setRemote({ enabled: true, url: redis.url, localThreads: false });
    e.start();
    const folder = path.join(dir, `stranded-${prefix}`);
    mkdirSync(folder);
    for (let i = 0; i < 6; i++) writeFileSync(path.join(folder, `s${i}.txt`), `stranded ${i}\n`);
    const { batch } = await e.addPaths([folder]);
    const files = () => e.list({ parentId: batch!.id, limit: 10 });
    // Sent to Redis, where no worker takes them.
    await until(async () => (await tasksLeft(prefix)) >= 1 && files().every((j) => j.status === 'running'), 10_000);
    await setRemote({ enabled: false, localThreads: true });
    await e.drained();
    for (const j of files()) {
      expect(j.status, j.fileName ?? '').toBe('completed');
      expect(j.retryCount).toBe(0);
      expect(e.history(j.id).find((ev) => ev.toStatus === 'completed')?.ranBy).toBe('local');
    }
    expect(await tasksLeft(prefix)).toBe(0);
  }, 60_000);

  it('a worker with one thread holds its next large file while it runs one, so the thread never waits for the owner', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true, threads: 1 });
    const e = owner(prefix, { chaos: true });
    const log = path.join(dir, `prefetch-${prefix}.log`);
    // Large files (over GROUP_MAX_BYTES): a task each, a slot each.
    const files = [0, 1, 2].map((i) => path.join(dir, `prefetch-${prefix}-${i}.txt`));
    for (const f of files) writeFileSync(f, `${f}\n`.repeat(20_000));
    const jobs = e.store.add(
      files.map((sourcePath, i) => ({ sourcePath, sizeBytes: 1_000_000, options: { tag: `t${i}`, mode: 'slow', steps: 8, stepMs: 100, log } })),
    );
    const q = taskQueue(prefix);
    e.start();
    // Two tasks taken by the worker, while its one thread has started only one of them.
    let seen = false;
    await until(async () => {
      const active = (await q.getJobCounts('active')).active;
      const starts = existsSync(log) ? (readFileSync(log, 'utf8').match(/^start/gm) ?? []).length : 0;
      const ends = existsSync(log) ? (readFileSync(log, 'utf8').match(/^end/gm) ?? []).length : 0;
      seen ||= active === 2 && starts - ends === 1;
      return seen;
    }, 20_000);
    expect(e.remote!.pool.threads).toBe(2);
    await e.drained();
    expectSettledOnce(e, jobs);
    expect([...startsIn(log).values()]).toEqual([1, 1, 1]);
    for (const j of jobs) expect(e.get(j.id).retryCount).toBe(0);
  }, 60_000);

  it('a worker killed with kill -9 mid-task: the task runs on another worker, its attempt not counted', async () => {
    const prefix = newPrefix();
    const doomed = await startWorker(prefix, 'doomed', { chaos: true });
    const e = owner(prefix, { chaos: true });
    const log = path.join(dir, `kill-${prefix}.log`);
    const [job] = chaosJobs(e, 1, { mode: 'slow', steps: 40, stepMs: 100, log });
    e.start();
    await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('start'), 20_000);
    await kill9(doomed);
    await startWorker(prefix, 'rescuer', { chaos: true });
    await until(() => e.get(job!.id).status === 'completed', 40_000);
    const done = e.get(job!.id);
    expect(done.retryCount).toBe(0);
    expect(e.remote!.ranBy.get(job!.id)).toBe('rescuer');
    const released = e.history(job!.id).filter((ev) => ev.fromStatus === 'running' && ev.toStatus === 'pending');
    expect(released).toEqual([expect.objectContaining({ errorCode: 'host_crashed', ranBy: 'remote (lost)' })]);
    // The attempt that completed names the worker that ran it.
    expect(e.history(job!.id).at(-1)).toMatchObject({ fromStatus: 'running', toStatus: 'completed', ranBy: `rescuer@${hostname()}` });
    await e.drained();
    expectSettledOnce(e, [job!]);
  }, 60_000);

  it('a file whose workers die twice (the second time alone) fails as extractor_crashed', async () => {
    const prefix = newPrefix();
    const e = owner(prefix, { chaos: true });
    const log = path.join(dir, `twice-${prefix}.log`);
    const [job] = chaosJobs(e, 1, { mode: 'slow', steps: 100, stepMs: 100, log });
    e.start();
    const starts = () => (existsSync(log) ? (readFileSync(log, 'utf8').match(/^start/gm) ?? []).length : 0);
    for (const [n, name] of [
      [1, 'first'],
      [2, 'second'],
    ] as const) {
      const w = await startWorker(prefix, name, { chaos: true });
      await until(() => starts() >= n, 20_000);
      await kill9(w);
    }
    await until(() => e.get(job!.id).status === 'failed', 30_000);
    const failed = e.get(job!.id);
    expect(failed.errorCode).toBe('extractor_crashed');
    expect(failed.retryCount).toBe(0);
    expectSettledOnce(e, [job!]);
  }, 60_000);

  it('a file that kills the extraction host on a worker fails as extractor_crashed; the others complete', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true, threads: 2 });
    const e = owner(prefix, { chaos: true });
    const ok = chaosJobs(e, 4, { mode: 'slow', steps: 3, stepMs: 30 });
    const [poison] = e.store.add([{ sourcePath: path.join(dir, `poison-${prefix}`), sizeBytes: 100, options: { tag: 'poison', mode: 'kill' } }]);
    e.start();
    await e.drained();
    for (const j of ok) expect(e.get(j.id).status).toBe('completed');
    const p = e.get(poison!.id);
    expect(p.status).toBe('failed');
    expect(p.errorCode).toBe('extractor_crashed');
    expectSettledOnce(e, [...ok, poison!]);
  }, 60_000);

  it('a task delivered twice completes its job once; the second outcome is dropped', async () => {
    const prefix = newPrefix();
    await Promise.all([startWorker(prefix, 'a', { chaos: true }), startWorker(prefix, 'b', { chaos: true })]);
    const e = owner(prefix, { chaos: true });
    const [job] = chaosJobs(e, 1, { mode: 'slow', steps: 10, stepMs: 100 });
    e.start();
    // The task as the owner sent it, delivered a second time under another id (a re-send, a partition).
    const q = new Queue(TASKS_QUEUE, { connection: { url: redis.url }, prefix });
    let original: BullJob | undefined;
    await until(() => e.get(job!.id).status === 'running', 10_000);
    for (let i = 0; i < 100 && !original; i++) {
      original = await BullJob.fromId(q, job!.id);
      if (!original) await new Promise((r) => setTimeout(r, 50));
    }
    await q.add('extract', original!.data, { jobId: `${job!.id}-copy`, attempts: 1 });
    await e.drained();
    await until(() => e.remote!.dispatcher.dropped >= 1, 15_000);
    expectSettledOnce(e, [job!]);
    expect(e.get(job!.id).status).toBe('completed');
    expect(e.history(job!.id).filter((ev) => ev.toStatus === 'running')).toHaveLength(1);
    await q.close();
  }, 60_000);

  it('cancel reaches a running remote task and stops its work', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true });
    const e = owner(prefix, { chaos: true });
    const beat = path.join(dir, `beat-${prefix}`);
    const [job] = chaosJobs(e, 1, { mode: 'hang', heartbeat: beat });
    e.start();
    await until(() => existsSync(beat), 20_000);
    e.cancel(job!.id);
    // The worker's thread stops: its heartbeat file stops growing.
    // Stopped: the heartbeat file has not grown for 200 ms (a thread starved on a loaded machine skips a 10 ms beat or two).
    let last = -1;
    let since = Date.now();
    await until(() => {
      const size = readFileSync(beat).length;
      if (size !== last) [last, since] = [size, Date.now()];
      return Date.now() - since > 200;
    }, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(beat).length).toBe(last);
    expect(e.get(job!.id).status).toBe('cancelled');
    expect(e.store.stats().byStatus.running).toBe(0);
    // The worker's outcome (cancelled) came to nobody: its task is removed, not left in Redis.
    await until(() => e.remote!.dispatcher.dropped >= 1, 10_000);
  }, 60_000);

  it('a single task a worker took just as it was cancelled is skipped by it (its token marked); one taken out of the queue leaves no mark', async () => {
    const prefix = newPrefix();
    const e = owner(prefix, { chaos: true });
    const log = path.join(dir, `single-mark-${prefix}.log`);
    const marks = () => e.remote!.dispatcher.redis.keys(`${prefix}:quarry:cancelled:*`);
    const queue = taskQueue(prefix);
    const inRedis = async (id: string) => (await BullJob.fromId(queue, id)) !== undefined;
    e.start();
    // Waiting in the queue when cancelled: taken out, and its mark goes with it.
    const [waiting] = chaosJobs(e, 1, { mode: 'slow', steps: 2, stepMs: 10, log });
    await until(() => inRedis(waiting!.id), 10_000);
    e.cancel(waiting!.id);
    await until(async () => !(await inRedis(waiting!.id)), 10_000);
    await until(async () => (await marks()).length === 0, 5_000);

    // Taken by a worker at the moment of the cancel (here a plain BullMQ worker holds it, then lets it go):
    // the task stays in Redis, and so does its token's mark.
    const [taken] = chaosJobs(e, 1, { mode: 'slow', steps: 2, stepMs: 10, log });
    await until(() => inRedis(taken!.id), 10_000);
    const holder = new BullWorker(TASKS_QUEUE, undefined, { connection: { url: redis.url }, prefix, autorun: false, lockDuration: 30_000 });
    try {
      const held = await holder.getNextJob('holder');
      expect(held?.id).toBe(taken!.id);
      e.cancel(taken!.id);
      expect(e.get(taken!.id).status).toBe('cancelled');
      await until(async () => (await marks()).length === 1, 5_000);
      expect(await inRedis(taken!.id)).toBe(true);
      // The cancel was published before it was listed as running there: the next worker to take it must not run it.
      await held!.moveToWait('holder');
    } finally {
      await holder.close();
    }
    await startWorker(prefix, 'w', { chaos: true });
    // It answers (skipped) and its answer is dropped: the task ends, the file never started.
    await until(async () => {
      const job = await BullJob.fromId(queue, taken!.id);
      return !job || (await job.getState()) === 'completed';
    }, 30_000);
    expect(startsIn(log).get('t0')).toBeUndefined();
    expect(e.get(taken!.id).status).toBe('cancelled');
    // The worker runs the next file as usual.
    const [after] = chaosJobs(e, 1, { mode: 'slow', steps: 1, stepMs: 10, log, tag: 'after' });
    await until(() => e.get(after!.id).status === 'completed', 20_000);
    expect(startsIn(log).get('after')).toBe(1);
  }, 60_000);

  it('a task in Redis whose token is marked cancelled is never adopted by the job’s next attempt: sent afresh, it runs once', async () => {
    const prefix = newPrefix();
    const dbPath = tempDbPath(dir);
    const log = path.join(dir, `adopt-mark-${prefix}.log`);
    const first = owner(prefix, { chaos: true, dbPath });
    const [job] = chaosJobs(first, 1, { mode: 'slow', steps: 1, stepMs: 10, log });
    const queue = taskQueue(prefix);
    first.start();
    await until(async () => (await BullJob.fromId(queue, job!.id)) !== undefined, 10_000);
    const token = ((await BullJob.fromId(queue, job!.id))!.data as { token: string }).token;
    // As a cancel that raced the task's add leaves it: in the queue, its token marked.
    await first.remote!.dispatcher.redis.set(`${prefix}:quarry:cancelled:${token}`, '1', 'EX', 60);
    // Quarry closing: the task stays in Redis for the next start, which looks for it.
    await first.close({ abort: true });
    const second = owner(prefix, { chaos: true, dbPath });
    second.start();
    await startWorker(prefix, 'w', { chaos: true });
    await until(() => second.get(job!.id).status === 'completed', 30_000);
    // Adopting the marked token, its worker would have skipped it: a failed attempt (`internal`), then a retry.
    expect(second.get(job!.id).retryCount).toBe(0);
    expect(second.history(job!.id).some((ev) => ev.errorCode === 'internal')).toBe(false);
    expect(startsIn(log).get('t0')).toBe(1);
  }, 60_000);

  it('Redis restarted mid-run (AOF on): nothing is lost, every job ends once', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true, threads: 2 });
    const e = owner(prefix, { chaos: true });
    const jobs = chaosJobs(e, 12, { mode: 'slow', steps: 5, stepMs: 100 });
    e.start();
    await until(() => e.list({ status: 'completed', limit: 100 }).length >= 2, 20_000);
    await redis.restart();
    await e.drained();
    expectSettledOnce(e, jobs);
    for (const j of jobs) expect(e.get(j.id).status).toBe('completed');
  }, 90_000);

  it('the owner killed with kill -9 and restarted adopts the outcomes that arrived meanwhile', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true, threads: 2 });
    const { log, jobs, spawnOwner, restartToEnd } = await seededOwner(prefix, 'owner', 4, { steps: 10, stepMs: 100 });
    const first = spawnOwner();
    await until(() => existsSync(log) && (readFileSync(log, 'utf8').match(/^start/gm) ?? []).length >= 2, 20_000);
    first.kill('SIGKILL');
    // The worker finishes what it had while no owner listens.
    await until(() => (readFileSync(log, 'utf8').match(/^end/gm) ?? []).length >= 2, 20_000);
    const after = await restartToEnd();
    expectSettledOnce(after, jobs);
    // Each file ran once: the finished outcomes were adopted, not run again.
    const starts = readFileSync(log, 'utf8').match(/^start/gm) ?? [];
    expect(starts).toHaveLength(4);
    expect(await tasksLeft(prefix)).toBe(0);
  }, 90_000);
});

/**
 * Small files claimed together travel in group tasks (main/core/remote/task-groups.ts):
 * each semantic still holds per file.
 */
describe('remote group tasks (several small files per BullMQ task)', skipWhen(!REDIS_SERVER, NO_REDIS_REASON), () => {
  /** Small files with names of their own (the scheduler claims a few at first, then more: groups form after the first ones). */
  const smallJobs = (e: Engine, name: string, n: number, options: Record<string, unknown>): Job[] =>
    e.store.add(
      Array.from({ length: n }, (_, i) => ({
        sourcePath: path.join(dir, `${name}-${prefixN}-${i}.txt`),
        sizeBytes: 100,
        options: { tag: `${name}${i}`, ...options },
      })),
    );

  it('a group with a poison file: only the culprit fails (extractor_crashed); the others run again without counting an attempt', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true, threads: 1 });
    const e = owner(prefix, { chaos: true });
    const ok = smallJobs(e, 'before', 8, { mode: 'slow', steps: 2, stepMs: 20 });
    const [poison] = smallJobs(e, 'poison', 1, { mode: 'kill' });
    ok.push(...smallJobs(e, 'after', 8, { mode: 'slow', steps: 2, stepMs: 20 }));
    e.start();
    await e.drained();
    const d = e.remote!.dispatcher;
    // The poison's first run was in a group task with other files.
    const group = d.taskOf(poison!.id);
    expect(group).toMatch(/^group-/);
    const mates = ok.filter((j) => d.taskOf(j.id) === group);
    expect(mates.length).toBeGreaterThanOrEqual(1);
    for (const j of ok) {
      const job = e.get(j.id);
      expect(job.status, job.fileName ?? '').toBe('completed');
      expect(job.retryCount).toBe(0);
    }
    // Files that were in the worker's host with it ran again (released as host_crashed, their attempt not counted).
    const rerun = ok.filter((j) => e.history(j.id).some((ev) => ev.toStatus === 'pending' && ev.errorCode === 'host_crashed'));
    expect(rerun.length).toBeGreaterThanOrEqual(1);
    const p = e.get(poison!.id);
    expect(p.status).toBe('failed');
    expect(p.errorCode).toBe('extractor_crashed');
    expect(p.retryCount).toBe(0);
    expectSettledOnce(e, [...ok, poison!]);
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
  }, 60_000);

  it('cancel of one file in a group stops that file only; the others of its group complete', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true, threads: 2 });
    const e = owner(prefix, { chaos: true });
    const beat = path.join(dir, `gbeat-${prefix}`);
    // The scheduler claims 1, 3, 5, then 8 files at first (its claim size follows the weight of the jobs it claimed):
    // the 13th is in the middle of a claim, in a group.
    const others = smallJobs(e, 'before', 12, { mode: 'slow', steps: 2, stepMs: 20 });
    const [hang] = smallJobs(e, 'hang', 1, { mode: 'hang', heartbeat: beat });
    others.push(...smallJobs(e, 'after', 8, { mode: 'slow', steps: 2, stepMs: 20 }));
    e.start();
    await until(() => existsSync(beat), 20_000);
    const d = e.remote!.dispatcher;
    const group = d.taskOf(hang!.id);
    expect(group).toMatch(/^group-/);
    const mates = others.filter((j) => d.taskOf(j.id) === group);
    expect(mates.length).toBeGreaterThanOrEqual(1);
    e.cancel(hang!.id);
    // Stopped: the heartbeat file has not grown for 200 ms (a thread starved on a loaded machine skips a 10 ms beat or two).
    let last = -1;
    let since = Date.now();
    await until(() => {
      const size = readFileSync(beat).length;
      if (size !== last) [last, since] = [size, Date.now()];
      return Date.now() - since > 200;
    }, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(beat).length).toBe(last);
    await e.drained();
    expect(e.get(hang!.id).status).toBe('cancelled');
    for (const j of others) {
      const job = e.get(j.id);
      expect(job.status, job.fileName ?? '').toBe('completed');
      expect(job.retryCount).toBe(0);
    }
    expectSettledOnce(e, others);
    // The cancelled file's outcome came back with its group's, to nobody: dropped, and the group removed.
    await until(() => d.dropped >= 1, 10_000);
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
  }, 60_000);

  it('a group delivered twice completes each of its jobs once; the copy’s outcomes are dropped file by file', async () => {
    const prefix = newPrefix();
    await Promise.all([startWorker(prefix, 'a', { chaos: true }), startWorker(prefix, 'b', { chaos: true })]);
    const e = owner(prefix, { chaos: true });
    const jobs = smallJobs(e, 'dup', 24, { mode: 'slow', steps: 5, stepMs: 50 });
    e.start();
    const d = e.remote!.dispatcher;
    const q = new Queue(TASKS_QUEUE, { connection: { url: redis.url }, prefix });
    // The first group task the owner sends, as it sent it.
    let original: BullJob | undefined;
    await until(async () => {
      const id = jobs.map((j) => d.taskOf(j.id)).find((t) => t?.startsWith('group-'));
      original = id ? await BullJob.fromId(q, id) : undefined;
      return !!original;
    }, 15_000);
    const files = (original!.data as { group: unknown[] }).group.length;
    expect(files).toBeGreaterThanOrEqual(2);
    // Delivered a second time under another id (a re-send, a partition).
    await q.add('extract', original!.data, { jobId: `${original!.id}-copy`, attempts: 1 });
    await e.drained();
    await until(() => d.dropped >= files, 15_000);
    expectSettledOnce(e, jobs);
    for (const j of jobs) {
      expect(e.get(j.id).status).toBe('completed');
      expect(e.history(j.id).filter((ev) => ev.toStatus === 'running')).toHaveLength(1);
    }
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
    // The groups index is emptied as groups end.
    expect(await d.redis.hlen(`${prefix}:quarry:groups`)).toBe(0);
    await q.close();
  }, 60_000);

  it('a worker answering its task with other files’ outcomes (their tokens are readable in Redis) settles none of them', async () => {
    const prefix = newPrefix();
    const e = owner(prefix, { chaos: true });
    const jobs = smallJobs(e, 'forge', 30, { mode: 'slow', steps: 2, stepMs: 20 });
    e.start();
    const d = e.remote!.dispatcher;
    const connection = { url: redis.url };
    const q = new Queue(TASKS_QUEUE, { connection, prefix });
    type Task = { jobId: string; token: string };
    const filesOf = (data: unknown): Task[] => ('group' in (data as object) ? (data as { group: Task[] }).group : [data as Task]);
    let forged = 0;
    let handled = 0;
    // A worker that takes tasks like any other, and answers each with failures for files of other tasks, under their tokens.
    const evil = new BullWorker(
      TASKS_QUEUE,
      async (job) => {
        const own = new Set(filesOf(job.data).map((t) => t.jobId));
        let victims: Task[] = [];
        await until(async () => {
          const waiting = await q.getJobs(['wait', 'prioritized'], 0, 500);
          victims = waiting.flatMap((w) => filesOf(w.data)).filter((t) => !own.has(t.jobId));
          return victims.length > 0;
        }, 10_000);
        const outcomes = victims.map((t) => ({
          jobId: t.jobId,
          token: t.token,
          worker: 'evil',
          outcome: { ok: false, error: { code: 'unsupported_format', message: 'forged' } },
        }));
        forged += outcomes.length;
        handled++;
        // A single task answered with another job's outcome, or with a group reply; a group task with other files'.
        return 'group' in job.data || handled % 2 === 0 ? { group: true, outcomes } : outcomes[0];
      },
      { connection, prefix, concurrency: 1 },
    );
    await until(() => handled >= 4 && jobs.some((j) => d.taskOf(j.id)?.startsWith('group-')), 30_000);
    await evil.close();
    await startWorker(prefix, 'honest', { chaos: true });
    await e.drained();
    expectSettledOnce(e, jobs);
    for (const j of jobs) {
      const job = e.get(j.id);
      expect(job.status, `${job.fileName}: ${job.errorMessage}`).toBe('completed');
      expect(e.history(j.id).some((ev) => ev.errorCode === 'unsupported_format')).toBe(false);
    }
    expect(forged).toBeGreaterThanOrEqual(4);
    expect(d.dropped).toBeGreaterThanOrEqual(4);
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
    // The groups index holds nothing once every group ended (those the forger answered included).
    await until(async () => (await d.redis.hlen(`${prefix}:quarry:groups`)) === 0, 5_000);
    await q.close();
  }, 90_000);

  it('a worker answering `cancelled` for tasks Quarry did not cancel: the jobs fail (retried, then `internal`), none is left running', async () => {
    const prefix = newPrefix();
    const e = owner(prefix, { chaos: true });
    const jobs = e.store.add(
      Array.from({ length: 6 }, (_, i) => ({
        sourcePath: path.join(dir, `liar-${prefixN}-${i}.txt`),
        sizeBytes: 100,
        maxRetries: 1,
        options: { tag: `liar${i}` },
      })),
    );
    const connection = { url: redis.url };
    let answered = 0;
    // Every file, single or in a group, answered with its own token and `cancelled`.
    const liar = new BullWorker(
      TASKS_QUEUE,
      async (job) => {
        const files: Array<{ jobId: string; token: string }> = 'group' in job.data ? job.data.group : [job.data];
        answered += files.length;
        const outcomes = files.map((t) => ({
          jobId: t.jobId,
          token: t.token,
          worker: 'liar',
          outcome: { ok: false, error: { code: 'cancelled', message: 'Cancelled by the user.' } },
        }));
        return 'group' in job.data ? { group: true, outcomes } : outcomes[0];
      },
      { connection, prefix, concurrency: 4 },
    );
    try {
      e.start();
      await until(() => jobs.every((j) => e.get(j.id).status === 'failed'), 20_000);
      await e.drained();
      for (const j of jobs) {
        const job = e.get(j.id);
        expect(job.errorCode).toBe('internal');
        expect(job.errorMessage).toMatch(/did not cancel it/);
        expect(job.retryCount).toBe(1);
      }
      expect(answered).toBe(jobs.length * 2);
      expectSettledOnce(e, jobs);
    } finally {
      await liar.close();
    }
  }, 60_000);

  it('a file in a group whose error message is over the limit fails alone, its message cut by the worker; the group’s others complete', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true });
    const e = owner(prefix, { chaos: true });
    const others = smallJobs(e, 'before', 12, { mode: 'slow', steps: 2, stepMs: 20 });
    const [long] = smallJobs(e, 'long', 1, { mode: 'fail', code: 'unsupported_format', messageLength: 30_000 });
    others.push(...smallJobs(e, 'after', 8, { mode: 'slow', steps: 2, stepMs: 20 }));
    e.start();
    await e.drained();
    const d = e.remote!.dispatcher;
    expect(d.taskOf(long!.id)).toMatch(/^group-/);
    expect(others.filter((j) => d.taskOf(j.id) === d.taskOf(long!.id)).length).toBeGreaterThanOrEqual(1);
    const failed = e.get(long!.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('unsupported_format');
    expect(failed.retryCount).toBe(0);
    expect(failed.errorMessage).toMatch(/^q+… \(cut, 30000 characters\)$/);
    for (const j of others) {
      expect(e.get(j.id).status).toBe('completed');
      expect(e.get(j.id).retryCount).toBe(0);
    }
    expectSettledOnce(e, [...others, long!]);
  }, 60_000);

  it('one outcome of a group the owner cannot read fails that file only (retryable); the group’s other outcomes are taken', async () => {
    const prefix = newPrefix();
    const e = owner(prefix, { chaos: true });
    const jobs = smallJobs(e, 'bad', 24, { mode: 'slow', steps: 2, stepMs: 20 });
    e.start();
    const connection = { url: redis.url };
    type Task = { jobId: string; token: string };
    let group: Task[] | undefined;
    // A worker (an older or buggy one) whose answer for a group's first file is out of bounds; its others are valid.
    const odd = new BullWorker(
      TASKS_QUEUE,
      async (job) => {
        const files: Task[] = 'group' in job.data ? job.data.group : [job.data];
        const outcomes = files.map((t, i) => ({
          jobId: t.jobId,
          token: t.token,
          worker: 'odd',
          outcome: { ok: false, error: { code: 'unsupported_format', message: i === 0 && files.length > 1 ? 'q'.repeat(30_000) : 'odd' } },
        }));
        if (files.length > 1) group ??= files;
        return 'group' in job.data ? { group: true, outcomes } : outcomes[0];
      },
      { connection, prefix, concurrency: 1 },
    );
    await until(() => !!group && group.every((t) => e.get(t.jobId).status !== 'running'), 30_000);
    await odd.close();
    await startWorker(prefix, 'honest', { chaos: true });
    await e.drained();
    const [first, ...rest] = group!;
    // The unreadable one was charged as `internal` (retryable) and ran again (wherever it went next).
    expect(e.history(first!.jobId).find((ev) => ev.toStatus === 'pending' && !!ev.errorCode)?.errorCode).toBe('internal');
    // The others' outcomes were taken as sent, at once.
    for (const t of rest) {
      expect(e.get(t.jobId).status).toBe('failed');
      expect(e.get(t.jobId).errorCode).toBe('unsupported_format');
      expect(e.history(t.jobId).some((ev) => ev.errorCode === 'internal')).toBe(false);
    }
    expectSettledOnce(e, jobs);
  }, 90_000);

  it('a worker killed with kill -9 mid-group: every file of its groups runs elsewhere, no attempt counted', async () => {
    const prefix = newPrefix();
    const doomed = await startWorker(prefix, 'doomed', { chaos: true });
    const e = owner(prefix, { chaos: true });
    const log = path.join(dir, `gkill-${prefix}.log`);
    const jobs = smallJobs(e, 'kill', 12, { mode: 'slow', steps: 10, stepMs: 30, log });
    e.start();
    const d = e.remote!.dispatcher;
    // Started on the worker, as its log says (the store calls a file running once it is sent).
    const started = () =>
      new Set(
        existsSync(log)
          ? readFileSync(log, 'utf8')
              .match(/^start \S+/gm)
              ?.map((l) => l.slice(6))
          : [],
      );
    const inGroup = (j: Job) => d.taskOf(j.id)?.startsWith('group-') ?? false;
    // Killed while a file of a group task runs on it.
    await until(() => {
      const now = started();
      return jobs.some((j, i) => inGroup(j) && now.has(`kill${i}`) && e.get(j.id).status === 'running');
    }, 20_000);
    await kill9(doomed);
    // Lost: the files of the groups the worker had taken (one of their files started), not those of a
    // group still waiting in the queue, which the rescuer simply takes.
    const ran = started();
    const taken = new Set(jobs.filter((j, i) => inGroup(j) && ran.has(`kill${i}`)).map((j) => d.taskOf(j.id)));
    const lostInGroup = jobs.filter((j) => taken.has(d.taskOf(j.id)) && e.get(j.id).status === 'running');
    expect(lostInGroup.length).toBeGreaterThanOrEqual(1);
    await startWorker(prefix, 'rescuer', { chaos: true });
    await e.drained();
    expectSettledOnce(e, jobs);
    for (const j of jobs) {
      expect(e.get(j.id).status).toBe('completed');
      expect(e.get(j.id).retryCount).toBe(0);
    }
    for (const j of lostInGroup) {
      expect(e.remote!.ranBy.get(j.id)).toBe('rescuer');
      expect(e.history(j.id).some((ev) => ev.toStatus === 'pending' && ev.errorCode === 'host_crashed' && ev.ranBy === 'remote (lost)')).toBe(true);
    }
    // Nothing left in Redis: the stalled groups were removed (BullMQ fails a stalled task after its 'stalled' event).
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
  }, 60_000);

  it('a file cancelled while its group still waits in the queue never runs; the others of its group do', async () => {
    const prefix = newPrefix();
    const e = owner(prefix, { chaos: true });
    const log = path.join(dir, `gwait-${prefix}.log`);
    const jobs = smallJobs(e, 'wait', 24, { mode: 'slow', steps: 2, stepMs: 10, log });
    e.start();
    const d = e.remote!.dispatcher;
    // No worker yet: the groups wait in the queue.
    await until(() => jobs.filter((j) => d.taskOf(j.id)?.startsWith('group-')).length >= 4, 15_000);
    const i = jobs.findIndex((j) => d.taskOf(j.id)?.startsWith('group-'));
    const victim = jobs[i]!;
    const group = d.taskOf(victim.id);
    const others = jobs.filter((j) => j !== victim);
    expect(others.filter((j) => d.taskOf(j.id) === group).length).toBeGreaterThanOrEqual(1);
    e.cancel(victim.id);
    expect(e.get(victim.id).status).toBe('cancelled');
    // The cancel was published to no worker; its mark waits in Redis for the one that takes the group.
    await until(async () => (await d.redis.keys(`${prefix}:quarry:cancelled:*`)).length === 1, 5_000);
    await startWorker(prefix, 'w', { chaos: true });
    await e.drained();
    // Its group came back with an outcome for it (skipped, not run), dropped: nobody waits for it.
    await until(() => d.dropped >= 1, 10_000);
    const starts = startsIn(log);
    expect(starts.get(`wait${i}`)).toBeUndefined();
    for (const [n, j] of jobs.entries()) {
      if (j === victim) continue;
      expect(e.get(j.id).status, j.fileName ?? '').toBe('completed');
      expect(e.get(j.id).retryCount).toBe(0);
      expect(starts.get(`wait${n}`)).toBe(1);
    }
    expect(e.get(victim.id).status).toBe('cancelled');
    expectSettledOnce(e, others);
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
    // Its mark went with its group.
    await until(async () => (await d.redis.keys(`${prefix}:quarry:cancelled:*`)).length === 0, 5_000);
  }, 60_000);

  it('a file cancelled while its group waits, retried, then its owner restarted: the retry never takes the cancelled token; it runs and completes once', async () => {
    const prefix = newPrefix();
    const db = tempDbPath(dir);
    const e = owner(prefix, { chaos: true, dbPath: db });
    const log = path.join(dir, `gretry-${prefix}.log`);
    const jobs = smallJobs(e, 'rtry', 24, { mode: 'slow', steps: 2, stepMs: 10, log });
    e.start();
    const d = e.remote!.dispatcher;
    // No worker yet: every file out, the groups waiting in the queue.
    await until(() => d.inFlight === jobs.length && jobs.filter((j) => d.taskOf(j.id)?.startsWith('group-')).length >= 4, 15_000);
    const i = jobs.findIndex((j) => d.taskOf(j.id)?.startsWith('group-'));
    const victim = jobs[i]!;
    const cancelledToken = d.attemptOf(victim.id);
    const group = d.taskOf(victim.id)!;
    const index = `${prefix}:quarry:groups`;
    e.cancel(victim.id);
    await until(async () => (await d.redis.keys(`${prefix}:quarry:cancelled:*`)).length === 1, 5_000);
    // The cancelled file left the groups index with its mark.
    expect(await d.redis.hget(index, victim.id)).toBeNull();
    // Each guard is tried alone below: the entry put back (as an owner before this one, or a lost write, leaves it).
    await d.redis.hset(index, victim.id, group);
    // Retried while its old group still waits: it goes alone, with a token of its own, and its entry goes.
    e.retry(victim.id);
    await until(() => !!d.attemptOf(victim.id), 10_000);
    expect(d.taskOf(victim.id)).toBe(victim.id);
    expect(d.attemptOf(victim.id)).not.toBe(cancelledToken);
    await until(async () => (await d.redis.hget(index, victim.id)) === null, 5_000);
    // Put back once more: the restarted owner finds the group and must refuse its cancelled member.
    await d.redis.hset(index, victim.id, group);
    // The owner stops and starts again: every job is claimed again and adopted from Redis, the retry
    // from its own task, never from its old group with the cancelled token (its worker would skip it).
    await e.close({ abort: true });
    const again = owner(prefix, { chaos: true, dbPath: db });
    again.start();
    const d2 = again.remote!.dispatcher;
    await until(() => !!d2.attemptOf(victim.id), 10_000);
    expect(d2.attemptOf(victim.id)).not.toBe(cancelledToken);
    await startWorker(prefix, 'w', { chaos: true });
    await until(() => again.get(victim.id).status !== 'running', 20_000);
    await again.drained();
    expect(again.get(victim.id).status).toBe('completed');
    expectSettledOnce(again, jobs);
    const starts = startsIn(log);
    for (const [n] of jobs.entries()) expect(starts.get(`rtry${n}`), `rtry${n}`).toBe(1);
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
    // The restarted owner never knew of the mark (it marked nothing itself): it went when its group ended.
    await until(async () => (await d2.redis.keys(`${prefix}:quarry:cancelled:*`)).length === 0, 5_000);
  }, 60_000);

  it('a worker holding a file’s retry that then takes a copy of its cancelled old group: a cancel of the retry still stops it', async () => {
    const prefix = newPrefix();
    const d = new RemoteDispatcher({ redis: { url: redis.url, prefix }, threads: () => 1, isWanted: () => true, lockMs: LOCK_S * 1000 });
    const q = new Queue(TASKS_QUEUE, { connection: { url: redis.url }, prefix });
    const beat = path.join(dir, `twice-${prefix}.beat`);
    const req = (i: number): DispatchRequest => {
      const spoolDir = path.join(dir, `twice-${prefix}-spool-${i}`);
      mkdirSync(spoolDir, { recursive: true });
      const options = i === 0 ? { mode: 'hang', heartbeat: beat, tag: 'hang' } : { mode: 'slow', steps: 1, stepMs: 1, tag: `s${i}` };
      return {
        jobId: `job-${prefix}-${i}`,
        path: path.join(dir, `twice-${i}.txt`),
        options,
        spoolDir,
        sizeBytes: 10,
        small: true,
        alone: false,
        progress: false,
      };
    };
    const settled = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code?: string }) => e?.code ?? 'error',
      );
    try {
      // Four small files never run before, no worker yet: they wait in a group.
      const first = [0, 1, 2, 3].map(() => new AbortController());
      const runs = first.map((c, i) => settled(d.run(req(i), { fresh: true, signal: c.signal })));
      let group: BullJob | undefined;
      await until(async () => {
        const id = d.taskOf(req(0).jobId);
        group = id?.startsWith('group-') ? await BullJob.fromId(q, id) : undefined;
        return !!group;
      }, 10_000);
      // All cancelled while the group waits (their tokens marked), the group taken out of the queue.
      for (const c of first) c.abort(new Error('cancelled by a person'));
      await Promise.all(runs);
      await until(async () => (await d.redis.keys(`${prefix}:quarry:cancelled:*`)).length === 4, 5_000);
      await group!.remove();
      // The first file runs again (its retry, a token of its own) on the worker, and hangs.
      const retry = new AbortController();
      const retried = settled(d.run(req(0), { fresh: true, signal: retry.signal }));
      await startWorker(prefix, 'w', { chaos: true });
      await until(() => existsSync(beat), 20_000);
      // The same worker now takes a copy of the old group (delivered twice): it skips its cancelled files.
      await q.add('extract', group!.data, { jobId: `${group!.id}-copy`, attempts: 1 });
      await until(async () => (await q.getJobState(`${group!.id}-copy`)) === 'completed', 10_000);
      // A person cancels the retry: the worker's live copy of it stops.
      retry.abort(new Error('cancelled by a person'));
      expect(await retried).toBe('error');
      let last = -1;
      let since = Date.now();
      await until(() => {
        const size = readFileSync(beat).length;
        if (size !== last) [last, since] = [size, Date.now()];
        return Date.now() - since > 200;
      }, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(readFileSync(beat).length).toBe(last);
    } finally {
      await d.close();
      await q.close();
    }
  }, 60_000);

  it('a group whose files were all cancelled: its marks go once it is gone from Redis (no event), or when its tasks are handed back', async () => {
    const marks = (d: RemoteDispatcher, prefix: string) => d.redis.keys(`${prefix}:quarry:cancelled:*`);
    /** Six small files in groups waiting in the queue (no worker), all cancelled: six marks. */
    const cancelledGroups = async (d: RemoteDispatcher, q: Queue, prefix: string): Promise<BullJob[]> => {
      const req = (i: number): DispatchRequest => ({
        jobId: `job-${prefix}-${i}`,
        path: path.join(dir, `orphan-${i}.txt`),
        options: { tag: `o${i}` },
        spoolDir: path.join(dir, `orphan-${prefix}-${i}`),
        sizeBytes: 10,
        small: true,
        alone: false,
        progress: false,
      });
      const ctl = [0, 1, 2, 3, 4, 5].map(() => new AbortController());
      const runs = ctl.map((c, i) => d.run(req(i), { fresh: true, signal: c.signal }).catch(() => undefined));
      let groups: Array<BullJob | undefined> = [];
      await until(async () => {
        const ids = ctl.map((_, i) => d.taskOf(req(i).jobId));
        if (!ids.every((id) => id?.startsWith('group-'))) return false;
        groups = await Promise.all([...new Set(ids)].map((id) => BullJob.fromId(q, id!)));
        return groups.every(Boolean);
      }, 10_000);
      for (const c of ctl) c.abort(new Error('cancelled by a person'));
      await Promise.all(runs);
      await until(async () => (await marks(d, prefix)).length === ctl.length, 5_000);
      return groups as BullJob[];
    };
    const prefix = newPrefix();
    const d = new RemoteDispatcher({ redis: { url: redis.url, prefix }, threads: () => 1, isWanted: () => false, sweepMs: 300 });
    const q = new Queue(TASKS_QUEUE, { connection: { url: redis.url }, prefix });
    const prefix2 = newPrefix();
    const d2 = new RemoteDispatcher({ redis: { url: redis.url, prefix: prefix2 }, threads: () => 1, isWanted: () => false });
    const q2 = new Queue(TASKS_QUEUE, { connection: { url: redis.url }, prefix: prefix2 });
    try {
      // Taken out of Redis behind the owner's back (no event comes): the sweep finds it gone.
      for (const group of await cancelledGroups(d, q, prefix)) await group.remove();
      await until(async () => (await marks(d, prefix)).length === 0, 10_000);
      // Handed back (remote workers switched off) while it waits: taken out of the queue, its marks with it.
      const waiting = await cancelledGroups(d2, q2, prefix2);
      expect(await d2.handBack()).toBe(0);
      for (const group of waiting) expect(await BullJob.fromId(q2, group.id!)).toBeUndefined();
      await until(async () => (await marks(d2, prefix2)).length === 0, 5_000);
    } finally {
      await Promise.all([d.close(), d2.close(), q.close(), q2.close()]);
    }
  }, 60_000);

  it('groups lost by Redis (flushed while they waited) run again, each file once, no attempt counted', async () => {
    const prefix = newPrefix();
    const e = owner(prefix, { chaos: true });
    const log = path.join(dir, `glost-${prefix}.log`);
    const jobs = smallJobs(e, 'lost', 24, { mode: 'slow', steps: 2, stepMs: 10, log });
    e.start();
    const d = e.remote!.dispatcher;
    // Every file sent and its task in Redis (no worker yet), most of them in groups.
    const inRedis = async () => {
      const ids = [...new Set(jobs.map((j) => d.taskOf(j.id)))];
      return !ids.includes(undefined) && (await d.redis.exists(...ids.map((id) => `${prefix}:${TASKS_QUEUE}:${id}`))) === ids.length;
    };
    await until(async () => d.inFlight === jobs.length && (await inRedis()), 15_000);
    const grouped = jobs.filter((j) => d.taskOf(j.id)?.startsWith('group-'));
    expect(grouped.length).toBeGreaterThanOrEqual(8);
    // Redis loses them (restarted without its data): the groups, their index, everything.
    const groupIds = [...new Set(grouped.map((j) => d.taskOf(j.id)!))];
    await d.redis.flushall();
    for (const id of groupIds) expect(await d.redis.exists(`${prefix}:${TASKS_QUEUE}:${id}`)).toBe(0);
    await startWorker(prefix, 'w', { chaos: true });
    await e.drained();
    expectSettledOnce(e, jobs);
    const starts = startsIn(log);
    for (const [n, j] of jobs.entries()) {
      expect(e.get(j.id).status, j.fileName ?? '').toBe('completed');
      // Sent again by the owner's check of what it has in flight, with the same token: no attempt, no new run in the store.
      expect(e.get(j.id).retryCount).toBe(0);
      expect(e.history(j.id).filter((ev) => ev.toStatus === 'running')).toHaveLength(1);
      expect(starts.get(`lost${n}`), `lost${n}`).toBe(1);
    }
    // A lost group's files went again each in a task of its own.
    for (const j of grouped) expect(d.taskOf(j.id)).toBe(j.id);
    await until(async () => (await tasksLeft(prefix)) === 0, 10_000);
  }, 60_000);

  it('the owner killed with kill -9 while groups are in flight: restarted, it adopts each file from its group, and every file runs once', async () => {
    const prefix = newPrefix();
    await startWorker(prefix, 'w', { chaos: true, threads: 2 });
    const { log, jobs, spawnOwner, restartToEnd } = await seededOwner(prefix, 'gowner', 20, { steps: 5, stepMs: 40 });
    const first = spawnOwner();
    const r = new Redis(redis.url);
    const index = `${prefix}:quarry:groups`;
    // Killed while groups are out: some of their files ran, others not yet.
    await until(async () => startsIn(log).size >= 2 && (await r.hlen(index)) >= 4, 20_000);
    first.kill('SIGKILL');
    const inGroups = Object.keys(await r.hgetall(index));
    expect(inGroups.length).toBeGreaterThanOrEqual(4);
    const after = await restartToEnd();
    expectSettledOnce(after, jobs);
    // Each file ran once: those in groups were adopted from them (finished or not), not sent again.
    const starts = startsIn(log);
    for (const j of jobs) {
      expect(after.get(j.id).status).toBe('completed');
      expect(starts.get(String(j.options.tag)), String(j.options.tag)).toBe(1);
    }
    expect(await tasksLeft(prefix)).toBe(0);
    expect(await r.hlen(index)).toBe(0);
    r.disconnect();
  }, 90_000);

  it('a finished single task of a file a group already settled is not adopted by the file’s later retry (its outcome is stale)', async () => {
    const prefix = newPrefix();
    // Backoff long enough for the stale task to finish while its job waits for its retry.
    const e = owner(prefix, { chaos: true, scheduler: { backoff: { baseMs: 1500, maxMs: 1500 }, pollIntervalMs: 100 } });
    const jobs = e.store.add(
      Array.from({ length: 12 }, (_, i) => ({
        sourcePath: path.join(dir, `stale-${prefixN}-${i}.txt`),
        sizeBytes: 100,
        maxRetries: 1,
        options: { tag: `stale${i}` },
      })),
    );
    e.start();
    const d = e.remote!.dispatcher;
    const connection = { url: redis.url };
    type Task = { jobId: string; token: string };
    let staleToken: string | undefined;
    /** Each file as its group task carried it (the group is removed from Redis once its outcome is taken). */
    const grouped = new Map<string, Task>();
    // A worker that fails every file (retryable), except the stale copy, which it answers with a success.
    const fake = new BullWorker(
      TASKS_QUEUE,
      async (job) => {
        const files: Task[] = 'group' in job.data ? job.data.group : [job.data];
        if ('group' in job.data) for (const t of files) grouped.set(t.jobId, t);
        const outcomes = files.map((t) => ({
          jobId: t.jobId,
          token: t.token,
          worker: t.token === staleToken ? 'stale' : 'fake',
          outcome:
            t.token === staleToken
              ? {
                  ok: true,
                  result: {
                    format: 'text',
                    detection: { format: 'text', method: 'sniff' },
                    extractor: { name: 'chaos', version: '1.0.0' },
                    text: 'stale',
                    markdown: '',
                    metadata: {},
                    tables: [],
                    entities: [],
                    warnings: [],
                    counters: { items: 1 },
                  },
                }
              : { ok: false, error: { code: 'file_busy', message: 'busy' } },
        }));
        return 'group' in job.data ? { group: true, outcomes } : outcomes[0];
      },
      { connection, prefix, concurrency: 4 },
    );
    const q = new Queue(TASKS_QUEUE, { connection, prefix });
    try {
      // A file whose first attempt failed in a group: its job waits for its retry.
      let victim: Job | undefined;
      await until(() => {
        victim = jobs.find((j) => d.taskOf(j.id)?.startsWith('group-') && e.get(j.id).status === 'pending' && e.get(j.id).retryCount === 1);
        return !!victim;
      }, 15_000);
      const member = grouped.get(victim!.id);
      expect(member).toBeDefined();
      // A single task of the same file with its group token (a copy delivered late) finishes now, with a success.
      staleToken = member!.token;
      await q.add('extract', { ...member }, { jobId: victim!.id, attempts: 1 });
      const droppedBefore = d.dropped;
      await until(() => d.dropped > droppedBefore, 10_000);
      await e.drained();
      // Its retry ran (and failed, as every attempt here does); the stale success was not taken.
      const v = e.get(victim!.id);
      expect(v.status).toBe('failed');
      expect(v.errorCode).toBe('file_busy');
      expect(e.history(victim!.id).some((ev) => ev.ranBy === 'stale')).toBe(false);
      expectSettledOnce(e, jobs);
      for (const j of jobs) expect(e.get(j.id).status).toBe('failed');
    } finally {
      await fake.close();
      await q.close();
    }
  }, 60_000);
});

describe('remote workers that cannot see the files', skipWhen(!REDIS_SERVER, NO_REDIS_REASON), () => {
  const TOKEN = 'worker-token-0123456789abcdef';

  async function run(workerToken: string, { hideSpool = false, lookalikeSpool = false, big = false, zip = false, manySmall = 0 } = {}) {
    const share = path.join(dir, `share-${prefixN}`);
    const spoolRoot = path.join(dir, `spool-${prefixN}`);
    mkdirSync(share, { recursive: true });
    writeFileSync(path.join(share, 'memo.txt'), 'Fetched over the file endpoint.\n'.repeat(2000));
    writeFileSync(path.join(share, 'table.csv'), 'a,b\n1,2\n');
    if (zip) writeFileSync(path.join(share, 'bundle.zip'), await zipWithAnInnerZip());
    // Over 1 MB of result (text and markdown): it must not travel as a Redis value.
    if (big) writeFileSync(path.join(share, 'big.txt'), 'A large result line of text.\n'.repeat(60_000));
    // Small files (grouped) whose results together pass 1 MB: a group's outcome must stay under it too.
    for (let i = 0; i < manySmall; i++) writeFileSync(path.join(share, `small-${i}.txt`), `Small file ${i}, a line of its text.\n`.repeat(1700));
    const prefix = newPrefix();
    // The worker sees the share somewhere that does not exist: it must fetch the bytes.
    const args = [CLI, 'worker', '--redis', redis.url, '--redis-prefix', prefix, '--threads', '1', '--name', 'far'];
    args.push('--map', `${share}=/nonexistent/quarry-share`, '--worker-token', workerToken);
    // Nor the owner's spool folder: a large result, and an archive's entries, are then uploaded to the owner.
    if (hideSpool) args.push('--map', `${spoolRoot}=${HIDDEN_SPOOL}`);
    // Or a folder of its own at the spool's path (the same layout on another machine, an empty mount point):
    // it is not the owner's, and what is written there never reaches the owner.
    const lookalike = path.join(dir, `lookalike-${prefixN}`, 'spool');
    if (lookalikeSpool) {
      mkdirSync(lookalike, { recursive: true });
      args.push('--map', `${spoolRoot}=${lookalike}`);
    }
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let text = '';
    child.stderr!.on('data', (d) => (text += d));
    await until(() => text.includes('taking tasks'), 20_000);
    const e = new Engine({
      dbPath: tempDbPath(dir),
      spoolRoot,
      pool: { threads: 1 },
      scheduler: { backoff: { baseMs: 5, maxMs: 20 }, pollIntervalMs: 100 },
      remote: { redis: redis.url, prefix, localThreads: 0, lockMs: LOCK_S * 1000, files: { token: TOKEN } },
    });
    engines.push(e);
    await e.remote!.files;
    const { batch } = await e.addPaths([share], { maxRetries: 1 });
    e.start();
    await e.drained();
    return { e, prefix, spoolRoot, share, lookalike, jobs: e.list({ parentId: batch!.id, limit: 100, sort: 'oldest' }) };
  }

  /** Where a worker that cannot see the owner's spool folder would look for it (it must never create it). */
  const HIDDEN_SPOOL = path.join('/nonexistent', `quarry-spool-${process.pid}`);

  /** A ZIP with a nested folder, a CSV, and a ZIP inside (its entries are extracted in turn). */
  async function zipWithAnInnerZip(): Promise<Buffer> {
    return makeZip([
      ['docs/a.txt', 'entry a, read by a worker that cannot see the spool'],
      ['b.csv', 'x,y\n1,2\n'],
      ['inner.zip', makeZip([['deep.txt', 'two levels down']])],
      ['report.pdf', await makePdf({ pages: [['Inside the archive']], title: 'Zipped' })],
    ]);
  }

  it('a ZIP on a worker that sees neither the files nor the spool folder: its entries go up to the owner, the export equals a local run', async () => {
    const { e, jobs, share } = await run(TOKEN, { hideSpool: true, zip: true });
    const zipJob = jobs.find((j) => j.fileName === 'bundle.zip')!;
    expect(zipJob.status, zipJob.errorMessage ?? '').toBe('completed');
    const entries = e.list({ parentId: zipJob.id, limit: 20 });
    expect(entries.map((j) => `${j.fileName} ${j.status}`).sort()).toEqual([
      'b.csv completed',
      'docs/a.txt completed',
      'inner.zip completed',
      'report.pdf completed',
    ]);
    // Each entry lies in the owner's spool folder, and a worker ran it (it fetched the entry from the owner).
    for (const j of entries) expect(j.sourcePath!.startsWith(e.spoolRoot), j.sourcePath!).toBe(true);
    expect(new Set(entries.map((j) => e.history(j.id).find((ev) => ev.fromStatus === 'running')?.ranBy))).toEqual(new Set([`far@${hostname()}`]));
    expect(existsSync(HIDDEN_SPOOL)).toBe(false);

    const local = new Engine({ dbPath: tempDbPath(dir), spoolRoot: path.join(dir, `spool-local-${prefixN}`), pool: { threads: 1 } });
    engines.push(local);
    await local.addPaths([share], { maxRetries: 1 });
    local.start();
    await local.drained();
    const expected = await normalizedExport(local, path.join(dir, `zip-local-${prefixN}`));
    const got = await normalizedExport(e, path.join(dir, `zip-remote-${prefixN}`));
    expect(got).toEqual(expected);
    expect(got.length).toBeGreaterThanOrEqual(7); // memo, table, a, b, deep, the PDF, and the inner zip's own row or its entry
  }, 90_000);

  /** The largest value BullMQ's keys hold for this prefix, in bytes. */
  async function largestRedisValue(prefix: string): Promise<number> {
    const { Redis } = await import('ioredis');
    const r = new Redis(redis.url);
    try {
      let max = 0;
      for (const key of await r.keys(`${prefix}:*`)) {
        const type = await r.type(key);
        if (type === 'hash') for (const v of Object.values(await r.hgetall(key))) max = Math.max(max, Buffer.byteLength(v));
        if (type === 'stream') for (const [, fields] of await r.xrange(key, '-', '+')) for (const v of fields) max = Math.max(max, Buffer.byteLength(v));
      }
      return max;
    } finally {
      r.disconnect();
    }
  }

  for (const hideSpool of [false, true]) {
    it(`a result over 1 MB goes ${hideSpool ? 'up to the owner' : 'through the shared spool folder'}, never into Redis`, async () => {
      const { e, jobs, prefix, spoolRoot } = await run(TOKEN, { hideSpool, big: true });
      const big = jobs.find((j) => j.fileName === 'big.txt')!;
      expect(big.status, big.errorMessage ?? '').toBe('completed');
      expect(e.store.result(big.id)!.text.length).toBe('A large result line of text.\n'.length * 60_000);
      expect(await largestRedisValue(prefix)).toBeLessThan(1024 * 1024);
      // The handed-over file was taken and removed.
      expect(readdirSync(path.join(spoolRoot, big.id)).filter((f) => f.startsWith('remote-result-'))).toEqual([]);
      expectSettledOnce(e, jobs);
    }, 60_000);
  }

  it('a group of small files whose results pass 1 MB together: the largest go up to the owner, the group stays under the limit', async () => {
    const { e, jobs, prefix } = await run(TOKEN, { hideSpool: true, manySmall: 40 });
    const small = jobs.filter((j) => j.fileName?.startsWith('small-'));
    expect(small).toHaveLength(40);
    for (const j of small) {
      expect(j.status, j.errorMessage ?? '').toBe('completed');
      expect(e.store.result(j.id)!.text).toContain(`Small file ${j.fileName!.slice(6, -4)}, a line`);
    }
    // They did travel in groups, and no group's outcome (nor its event) reached 1 MB in Redis.
    expect(e.remote!.dispatcher.groupTasks).toBeGreaterThanOrEqual(1);
    expect(small.some((j) => e.remote!.dispatcher.taskOf(j.id)?.startsWith('group-'))).toBe(true);
    expect(await largestRedisValue(prefix)).toBeLessThan(1024 * 1024);
    expectSettledOnce(e, jobs);
  }, 90_000);

  it('a group whose results pass 1 MB on a worker with neither the spool nor the file endpoint: its largest run again alone, inline, no attempt counted', async () => {
    const share = path.join(dir, `nearshare-${prefixN}`);
    const spoolRoot = path.join(dir, `nearspool-${prefixN}`);
    mkdirSync(share, { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(path.join(share, `small-${i}.txt`), `Small file ${i}, a line of its text.\n`.repeat(1700));
    const prefix = newPrefix();
    // It sees the files where the owner does, but not the owner's spool folder; the owner has no file endpoint.
    const args = [CLI, 'worker', '--redis', redis.url, '--redis-prefix', prefix, '--threads', '1', '--name', 'near', '--map', `${spoolRoot}=${HIDDEN_SPOOL}`];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let text = '';
    child.stderr!.on('data', (d) => (text += d));
    await until(() => text.includes('taking tasks'), 20_000);
    const e = new Engine({
      dbPath: tempDbPath(dir),
      spoolRoot,
      pool: { threads: 1 },
      scheduler: { backoff: { baseMs: 5, maxMs: 20 }, pollIntervalMs: 100 },
      remote: { redis: redis.url, prefix, localThreads: 0, lockMs: LOCK_S * 1000 },
    });
    engines.push(e);
    const { batch } = await e.addPaths([share], { maxRetries: 1 });
    e.start();
    await e.drained();
    const jobs = e.list({ parentId: batch!.id, limit: 1000 });
    expect(jobs).toHaveLength(200);
    const d = e.remote!.dispatcher;
    for (const j of jobs) {
      expect(j.status, `${j.fileName}: ${j.errorMessage}`).toBe('completed');
      // On failure, what happened to it (a retry here once, in a loaded full run: its history says why).
      const story = e.history(j.id).map((ev) => `${ev.toStatus}:${ev.errorCode ?? ''}:${ev.errorMessage ?? ''}:${ev.ranBy ?? ''}`);
      expect(j.retryCount, `${j.fileName}: ${story.join(' | ')}`).toBe(0);
      expect(e.store.result(j.id)!.text).toContain(`Small file ${j.fileName!.slice(6, -4)}, a line`);
    }
    // Some went in a group and came back to run alone (their last task is their own).
    expect(d.groupTasks).toBeGreaterThanOrEqual(1);
    expect(jobs.filter((j) => d.taskOf(j.id) === j.id).length).toBeGreaterThanOrEqual(1);
    expect(await largestRedisValue(prefix)).toBeLessThan(1024 * 1024);
    expect(existsSync(HIDDEN_SPOOL)).toBe(false);
    // BullMQ's event stream (a copy of every outcome) is kept short: about EVENTS_MAX_LEN, trimmed by nodes of 100.
    const events = await d.redis.xlen(`${prefix}:${TASKS_QUEUE}:events`);
    expect(events).toBeLessThanOrEqual(EVENTS_MAX_LEN + 100);
    expectSettledOnce(e, jobs);
  }, 90_000);

  it('a folder of the worker’s own at the spool’s path is not the owner’s (no marker): a result over 1 MB goes up to the owner', async () => {
    const { e, jobs, lookalike } = await run(TOKEN, { lookalikeSpool: true, big: true });
    const big = jobs.find((j) => j.fileName === 'big.txt')!;
    expect(big.status, big.errorMessage ?? '').toBe('completed');
    expect(e.store.result(big.id)!.text.length).toBe('A large result line of text.\n'.length * 60_000);
    expect(readdirSync(lookalike)).toEqual([]);
    expectSettledOnce(e, jobs);
  }, 60_000);

  it('fetch the bytes from the owner with the worker token, size- and sha256-checked', async () => {
    const { e, jobs } = await run(TOKEN);
    expect(jobs.map((j) => j.status)).toEqual(['completed', 'completed']);
    const memo = jobs.find((j) => j.fileName === 'memo.txt')!;
    expect(e.store.result(memo.id)!.text).toContain('Fetched over the file endpoint.');
    expect(e.remote!.ranBy.get(memo.id)).toBe('far');
    expectSettledOnce(e, jobs);
  }, 60_000);

  it('a worker with the wrong token gets nothing: the jobs fail with permission_denied', async () => {
    const { e, jobs } = await run('not-the-token-at-all-0000');
    expect(jobs.map((j) => j.errorCode)).toEqual(['permission_denied', 'permission_denied']);
    expectSettledOnce(e, jobs);
  }, 60_000);
});
