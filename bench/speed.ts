/**
 * Cases 8-10 (issue #17, "fast by default"): real files through Quarry at
 * its default settings, against
 * - the best of a sweep of `concurrency` (case 8),
 * - "bare": the same built extractor called directly in worker threads, no
 *   store, no scheduler, no host (case 9, with where the rest of the time goes),
 * - BullMQ set up as its documentation recommends for CPU-heavy jobs (case 10).
 *
 * Each command runs one contender on one workload in this process: first a
 * warm-up on the workload's warm inputs (other files, or the same files with
 * other options, so Quarry's dedup never reuses a warm-up result), then one
 * timed pass over its inputs. bench/run.mjs interleaves the contenders.
 */
import Database from 'better-sqlite3';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Engine } from '../main/core/engine.js';
import { expandPaths } from '../main/core/intake.js';
import { HOST_V8_FLAGS } from '../main/core/host/launcher.js';
import {
  CORES,
  emit,
  EXTRACT_WORKER,
  freshDb,
  gc,
  HOST_FILE,
  intakeCount,
  now,
  pkgVersion,
  removeDb,
  ROOT,
  round,
  say,
  sleep,
  statementProfiler,
  threadCpu,
  type Opts,
} from './lib.js';

/** One set of files, as bench/run.mjs prepared it. */
export interface Workload {
  key: string;
  label: string;
  /** What is dropped on Quarry (folders). */
  inputs: string[];
  /** The warm-up's inputs (other files, or the same with other options). */
  warm: string[];
  /** Job options for every contender (OCR off for the corpus mix). */
  options: Record<string, unknown>;
}

const BARE_WORKER = path.join(ROOT, 'bench', 'bare-worker.mjs');
const BULLMQ_PROCESSOR = path.join(ROOT, 'bench', 'bullmq-processor.mjs');

/** The key of a measurement: speed.<workload>.<contender>. */
const key = (w: Workload, who: string) => `speed.${w.key}.${who}`;

// ---- Quarry ------------------------------------------------------------------

/**
 * Quarry end to end: addPaths (intake), the store, the scheduler, the
 * extraction host, results stored, events consumed as the CLI would (a
 * listener on each). Timed from the addPaths call to drained().
 */
export async function speedQuarry(o: Opts): Promise<void> {
  const { workload: w, concurrency } = o as { workload: Workload; concurrency?: number };
  const dbPath = freshDb('speed');
  const engine = new Engine({ dbPath, ...(concurrency ? { concurrency } : {}), pool: { hostFile: HOST_FILE } });
  let events = 0;
  for (const e of ['job', 'jobsAdded', 'progress', 'stats'] as const) engine.on(e, () => void events++);
  engine.start();
  await engine.addPaths(w.warm, { options: { ...w.options, benchWarmUp: true } });
  await engine.drained();
  await sleep(200); // let the last stats push and the host's heartbeat pass
  gc();

  const hostPid = engine.pool?.pid;
  const cpu0 = { engine: threadCpu(process.pid), host: threadCpu(hostPid) };
  const profiler = statementProfiler(engine.store.db);
  const elu0 = performance.eventLoopUtilization();
  events = 0;
  const wall0 = Date.now();
  const t0 = now();
  profiler.start();
  const intake = await engine.addPaths(w.inputs, { options: w.options });
  const intakeMs = now() - t0;
  await engine.drained();
  const ms = now() - t0;
  profiler.stop();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const cpu1 = { engine: threadCpu(process.pid), host: threadCpu(hostPid) };
  // A host that died and was restarted took its CPU counts with it.
  const restarted = engine.pool?.pid !== hostPid;
  const sqlMs = profiler.costs().reduce((s, c) => s + c.ms, 0);
  profiler.restore();
  const files = intakeCount(intake);
  const rows = engine.store.db
    .prepare(
      `SELECT min(started_at) AS firstStart, max(completed_at) AS lastEnd, count(*) AS n,
              sum(status = 'failed') AS failed, sum(status NOT IN ('completed','partial','failed')) AS other
       FROM jobs WHERE kind != 'batch' AND created_at >= ?`,
    )
    .get(wall0) as { firstStart: number; lastEnd: number; n: number; failed: number; other: number };
  await engine.close();
  removeDb(dbPath);

  const perK = (s: number | undefined) => (s === undefined ? undefined : round((s * 1000) / files, 3));
  const breakdown = {
    files,
    seconds: round(ms / 1000, 3),
    intakeMs: round(intakeMs, 1),
    firstJobMs: rows.firstStart - wall0,
    // From the first job started to the last finished: the extraction itself, with the engine's work around it.
    spanMs: rows.lastEnd - rows.firstStart,
    // From the last job finished (its row written) to drained() resolving.
    tailMs: round(ms - (rows.lastEnd - wall0), 1),
    failed: rows.failed,
    notFinished: rows.other,
    engineMainBusy: round(elu, 3),
    // CPU seconds per 1,000 files.
    engineMainCpu: perK(cpu1.engine && cpu0.engine && cpu1.engine.main - cpu0.engine.main),
    engineOtherCpu: perK(cpu1.engine && cpu0.engine && cpu1.engine.others - cpu0.engine.others),
    engineSql: perK(sqlMs / 1000),
    hostMainCpu: restarted ? undefined : perK(cpu1.host && cpu0.host && cpu1.host.main - cpu0.host.main),
    hostWorkersCpu: restarted ? undefined : perK(cpu1.host && cpu0.host && cpu1.host.others - cpu0.host.others),
    eventsPerFile: round(events / files, 2),
  };
  say(
    `quarry ${concurrency ? `concurrency ${concurrency}` : 'defaults'} on ${w.key}: ${files} files in ${breakdown.seconds} s (intake ${breakdown.intakeMs} ms, first job at ${breakdown.firstJobMs} ms)`,
  );
  emit({
    key: key(w, concurrency ? `c${concurrency}` : 'default'),
    label: concurrency
      ? `Quarry, concurrency ${concurrency} (${Math.min(concurrency, CORES)} thread${Math.min(concurrency, CORES) > 1 ? 's' : ''})`
      : `Quarry at its defaults (${CORES} threads)`,
    unit: 'files/s',
    better: 'higher',
    samples: [files / (ms / 1000)],
    info: { files, concurrency: concurrency ?? null, breakdown },
    notes: [
      ...(rows.other ? [`${rows.other} of ${files} files not finished when drained() resolved`] : []),
      ...(restarted ? ['the extraction host restarted during the timed pass'] : []),
    ],
  });
}

// ---- bare ------------------------------------------------------------------------

/** The extractor alone in CORES plain worker threads (bench/bare-worker.mjs); the file list is walked before the clock starts. */
export async function speedBare(o: Opts): Promise<void> {
  const { workload: w } = o as { workload: Workload };
  // The same V8 options as the extraction host's threads (bench/run.mjs passes them to this process).
  const missing = HOST_V8_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (missing.length) throw new Error(`bare runs with the extraction host's V8 options; missing ${missing.join(' ')} (bench/run.mjs HOST_V8_FLAGS)`);
  const list = async (inputs: string[]) => (await expandPaths(inputs)).files.map((f) => f.sourcePath!);
  const warm = await list(w.warm);
  const files = await list(w.inputs);
  const workers = Array.from({ length: CORES }, () => new Worker(BARE_WORKER, { workerData: { extractor: pathToFileURL(EXTRACT_WORKER).href } }));
  const pass = async (paths: string[], options: Record<string, unknown>) => {
    const counter = new SharedArrayBuffer(4);
    const outs = await Promise.all(
      workers.map(
        (wk) => new Promise<{ done: number; failed: number }>((resolve) => (wk.once('message', resolve), wk.postMessage({ files: paths, options, counter }))),
      ),
    );
    return { done: outs.reduce((s, x) => s + x.done, 0), failed: outs.reduce((s, x) => s + x.failed, 0) };
  };
  await pass(warm, w.options);
  gc();
  const cpu0 = threadCpu(process.pid);
  const t0 = now();
  const r = await pass(files, w.options);
  const ms = now() - t0;
  const cpu1 = threadCpu(process.pid);
  await Promise.all(workers.map((wk) => wk.terminate()));
  const perK = (s: number) => round((s * 1000) / files.length, 3);
  say(`bare on ${w.key}: ${files.length} files in ${round(ms / 1000, 3)} s`);
  emit({
    key: key(w, 'bare'),
    label: `bare: the built extractor in ${CORES} worker threads, no Quarry`,
    unit: 'files/s',
    better: 'higher',
    samples: [files.length / (ms / 1000)],
    info: {
      files: files.length,
      failed: r.failed,
      // CPU seconds per 1,000 files: the worker threads (and GC helpers), and the idle main thread.
      workersCpu: cpu0 && cpu1 ? perK(cpu1.others - cpu0.others) : undefined,
      mainCpu: cpu0 && cpu1 ? perK(cpu1.main - cpu0.main) : undefined,
    },
    notes: r.done !== files.length ? [`bare: ${r.done} of ${files.length} files done`] : [],
  });
}

// ---- BullMQ ----------------------------------------------------------------------

/** A plain recursive walk, as a BullMQ user would write it. */
function walk(inputs: string[]): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isFile()) return void out.push(p);
    if (!st.isDirectory()) return;
    for (const e of readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(p, e.name);
      if (e.isDirectory() || e.isFile()) visit(child);
    }
  };
  for (const i of inputs) visit(path.resolve(i));
  return out;
}

/**
 * BullMQ as its documentation recommends for CPU-heavy jobs: a sandboxed
 * processor (bench/bullmq-processor.mjs, Quarry's extractor) in worker
 * threads, concurrency = cores; results written to a SQLite file (WAL,
 * synchronous=NORMAL) in transactions of 100. Timed from the folder walk to
 * the last result committed.
 */
export async function speedBullmq(o: Opts): Promise<void> {
  const { workload: w, port } = o as { workload: Workload; port: number };
  const { Queue, Worker: BullWorker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = `speed-${process.pid}`;
  const queue = new Queue(name, { connection });
  const dbFile = freshDb('bullmq-results');
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE results (job_id TEXT PRIMARY KEY, path TEXT NOT NULL, ok INTEGER NOT NULL, result TEXT, error TEXT, finished_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)');
  const write = db.transaction((rows: unknown[][]) => {
    for (const r of rows) insert.run(...r);
  });
  let pending: unknown[][] = [];
  let done = 0;
  let failed = 0;
  let target = Infinity;
  let finish = () => {};
  const settled = (row: unknown[]) => {
    pending.push(row);
    const last = ++done === target;
    if (pending.length >= 100 || (last && pending.length)) {
      write(pending);
      pending = [];
    }
    if (last) finish();
  };
  const worker = new BullWorker(name, BULLMQ_PROCESSOR, {
    connection,
    concurrency: CORES,
    useWorkerThreads: true,
    // BullMQ passes this process' flags to its threads, and worker threads refuse the bench's --expose-gc.
    workerThreadsOptions: { execArgv: [] },
  });
  worker.on('completed', (job, result) => settled([job.id, job.data.path, 1, JSON.stringify(result), null, Date.now()]));
  worker.on('failed', (job, err) => (failed++, job && settled([job.id, job.data.path, 0, null, err.message, Date.now()])));
  worker.on('error', () => undefined); // connection hiccups are retried by BullMQ; a bench must not crash on them

  const pass = async (inputs: string[], options: Record<string, unknown>) => {
    done = 0;
    const all = new Promise<void>((r) => (finish = r));
    const files = walk(inputs);
    target = files.length;
    for (let i = 0; i < files.length; i += 1000) {
      await queue.addBulk(files.slice(i, i + 1000).map((p) => ({ name: 'extract', data: { path: p, options } })));
    }
    await all;
    return files.length;
  };
  await pass(w.warm, w.options);
  failed = 0;
  gc();
  const t0 = now();
  const files = await pass(w.inputs, w.options);
  const ms = now() - t0;
  const stored = db.prepare('SELECT count(*) FROM results').pluck().get() as number;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  db.close();
  removeDb(dbFile);
  say(`BullMQ on ${w.key}: ${files} files in ${round(ms / 1000, 3)} s`);
  emit({
    key: key(w, 'bullmq'),
    label: `BullMQ ${pkgVersion('bullmq')}: sandboxed processor in worker threads, concurrency ${CORES}, results to SQLite per 100`,
    unit: 'files/s',
    better: 'higher',
    samples: [files / (ms / 1000)],
    info: { files, failed, storedRows: stored },
    notes: failed ? [`BullMQ on ${w.key}: ${failed} of ${files} jobs failed`] : [],
  });
}

// ---- remote workers (cases 13 and 14, issue #16) ------------------------------------

/**
 * Quarry with its extraction on `workers` real `quarry worker` processes
 * (dist/cli.cjs) of `threads` threads each, through the bench's redis-server;
 * the owner extracts nothing itself (local threads 0). Timed as
 * speedQuarry: from addPaths to drained(), after a warm-up pass.
 */
export async function speedRemote(o: Opts): Promise<void> {
  const { workload: w, port, workers, threads } = o as { workload: Workload; port: number; workers: number; threads: number };
  const { spawn } = await import('node:child_process');
  const redis = `redis://127.0.0.1:${port}`;
  const prefix = `bench${process.pid}`;
  const procs = Array.from({ length: workers }, (_, i) =>
    spawn(
      process.execPath,
      [path.join(ROOT, 'dist/cli.cjs'), 'worker', '--redis', redis, '--redis-prefix', prefix, '--threads', String(threads), '--name', `bench-${i}`],
      {
        stdio: 'ignore',
      },
    ),
  );
  const dbPath = freshDb('speed-remote');
  const engine = new Engine({ dbPath, pool: { hostFile: HOST_FILE, threads: 1 }, remote: { redis, prefix, localThreads: 0 } });
  try {
    // Every worker's threads known to the owner before the clock starts.
    for (const until = Date.now() + 30_000; engine.remote!.registry.liveThreads < workers * threads && Date.now() < until;) {
      await sleep(200);
      await engine.remote!.registry.refresh();
    }
    engine.scheduler.setConcurrency(engine.remote!.pool.threads);
    engine.start();
    await engine.addPaths(w.warm, { options: { ...w.options, benchWarmUp: true } });
    await engine.drained();
    gc();
    const t0 = now();
    const intake = await engine.addPaths(w.inputs, { options: w.options });
    await engine.drained();
    const ms = now() - t0;
    const files = intakeCount(intake);
    const failed = engine.store.db.prepare(`SELECT count(*) FROM jobs WHERE status = 'failed' AND kind != 'batch'`).pluck().get() as number;
    say(`quarry remote ${workers}×${threads} on ${w.key}: ${files} files in ${round(ms / 1000, 3)} s`);
    emit({
      key: key(w, `remote${workers}x${threads}`),
      label: `Quarry with ${workers} remote worker${workers > 1 ? 's' : ''} of ${threads} thread${threads > 1 ? 's' : ''} (same machine, local threads 0)`,
      unit: 'files/s',
      better: 'higher',
      samples: [files / (ms / 1000)],
      info: { files, failed, workers, threads, msPerFile: round(ms / files, 3) },
      notes: [],
    });
  } finally {
    await engine.close();
    for (const p of procs) p.kill('SIGTERM');
    removeDb(dbPath);
  }
}

// ---- case 4: the first job after a big drop ------------------------------------------

/**
 * The time from engine.addPaths(folder of 100,000 files) being called to the
 * first of its jobs starting (its started_at), with the extraction host warm.
 * The engine is then closed: the rest of the folder is not processed.
 */
export async function firstJob(o: Opts): Promise<void> {
  const { tree, reps, warmFile } = o as { tree: string; reps: number; warmFile: string };
  const samples: number[] = [];
  const adds: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const dbPath = freshDb('first-job');
    const engine = new Engine({ dbPath, pool: { hostFile: HOST_FILE } });
    engine.start();
    await engine.addPaths([warmFile]);
    await engine.drained();
    gc();
    const firstStarted = engine.store.db.prepare(`SELECT min(started_at) FROM jobs WHERE kind != 'batch' AND created_at >= ?`).pluck();
    const wall0 = Date.now();
    const t0 = now();
    await engine.addPaths([tree]);
    adds.push(now() - t0);
    let started: number | null = null;
    for (const until = Date.now() + 30_000; started === null && Date.now() < until;) {
      started = firstStarted.get(wall0) as number | null;
      if (started === null) await sleep(2);
    }
    await engine.close({ abort: true });
    removeDb(dbPath);
    if (started !== null) samples.push(started - wall0);
  }
  emit({
    key: 'quarry.firstJob',
    label: `first job started after a drop of a folder of ${Number(o.files).toLocaleString('en')} files (addPaths call → its started_at)`,
    unit: 'ms',
    better: 'lower',
    samples,
    info: { addPathsMs: adds.map((a) => round(a, 0)) },
  });
}
