/**
 * The bench's measurements. bench/run.mjs bundles this file with esbuild and
 * runs each command in a child process of its own (fresh heap, fresh JIT, its
 * own RSS), passing options as JSON:
 *
 *   node --expose-gc bench/.out/cases.cjs <command> '<json options>'
 *
 * Every measurement is printed as one line `@@BENCH <json>`; everything else
 * on stdout is commentary. Nothing here asserts: a benchmark prints figures.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../main/core/engine.js';
import { expandPaths } from '../main/core/intake.js';
import { ExtractionPool } from '../main/core/pool.js';
import { JobStore } from '../main/core/store/job-store.js';
import { diagnose, memoryProfile } from './diagnose.js';
import { firstJob, speedBare, speedBullmq, speedQuarry, speedRemote } from './speed.js';
import { recollCompare } from './recoll.js';
import { pdfAgreement } from './pdf-agreement.js';
import { pageFrames } from './page-frames.js';
import { indexCost, searchScale } from './search.js';
import {
  CORES,
  cpuScaling,
  pdfjsScaling,
  emit,
  EXTRACT_WORKER,
  fakeJobs,
  fillJobs,
  addRecentFinishes,
  freshDb,
  gc,
  hwmMb,
  procStatusMb,
  intakeCount,
  intakeFirstId,
  median,
  memSampler,
  noopExecutor,
  NOOP_WORKER,
  HOST_FILE,
  now,
  pdfInputs,
  pkgVersion,
  plan,
  removeDb,
  ROOT,
  round,
  rssMb,
  say,
  sleep,
  statementProfiler,
  threadCpu,
  timeMs,
  tmp,
  type Opts,
} from './lib.js';

/** This process's main-thread CPU so far, in ms (Linux; undefined elsewhere): cases 1 and 4 compare intake's with the raw insert's. */
function mainCpu(): number | undefined {
  const t = threadCpu(process.pid);
  return t && t.main * 1000;
}

const perHundredThousand = (ms: number, n: number): number => round((ms * 100_000) / n, 0);

// ---- case 1: the raw SQLite limit -------------------------------------------

const RAW_SCHEMA = `
CREATE TABLE q (
  seq         INTEGER PRIMARY KEY,
  id          TEXT    NOT NULL UNIQUE,
  source_path TEXT,
  file_name   TEXT,
  size_bytes  INTEGER,
  status      TEXT    NOT NULL DEFAULT 'pending',
  due_at      INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);
CREATE INDEX q_pending ON q (seq) WHERE status = 'pending';
`;

function openRaw(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(RAW_SCHEMA);
  return db;
}

function rawInsertStmt(db: Database.Database) {
  const ins = db.prepare('INSERT INTO q (id, source_path, file_name, size_bytes, created_at) VALUES (?, ?, ?, ?, ?)');
  return (i: number) => ins.run(randomUUID(), `/bench/in/d${i % 100}/file-${i}.txt`, `file-${i}.txt`, 1000 + (i % 5000), Date.now());
}

async function raw(o: Opts): Promise<void> {
  const { single, batch, claim, reps } = o as { single: number; batch: number; claim: number; reps: number };
  const s: number[] = [];
  const b: number[] = [];
  /** Main-thread CPU of the batched insert, ms per 100,000 rows (case 4 compares intake's with it). */
  const bCpu: number[] = [];
  const c: number[] = [];
  const c50: number[] = [];
  for (let rep = -1; rep < reps; rep++) {
    const warm = rep < 0; // the first round warms the JIT and the page cache
    const scale = warm ? 0.1 : 1;

    // One row per transaction (autocommit).
    let file = freshDb('raw');
    let db = openRaw(file);
    let insert = rawInsertStmt(db);
    const n1 = Math.round(single * scale);
    gc();
    let t0 = now();
    for (let i = 0; i < n1; i++) insert(i);
    if (!warm) s.push(n1 / ((now() - t0) / 1000));
    db.close();
    removeDb(file);

    // One batch in one transaction.
    file = freshDb('raw');
    db = openRaw(file);
    insert = rawInsertStmt(db);
    const n2 = Math.round(batch * scale);
    gc();
    const cpu0 = mainCpu();
    t0 = now();
    db.transaction(() => {
      for (let i = 0; i < n2; i++) insert(i);
    })();
    if (!warm) b.push(n2 / ((now() - t0) / 1000));
    const cpu1 = mainCpu();
    if (!warm && cpu0 !== undefined && cpu1 !== undefined) bCpu.push(perHundredThousand(cpu1 - cpu0, n2));

    // The minimal claim loop on the same shape of table: claim the oldest due
    // pending row (one autocommit UPDATE … RETURNING), then complete it (another).
    db.exec('DELETE FROM q');
    const n3 = Math.round(claim * scale);
    db.transaction(() => {
      for (let i = 0; i < n3; i++) insert(i);
    })();
    const claimStmt = db.prepare(`UPDATE q SET status = 'running'
      WHERE seq = (SELECT seq FROM q WHERE status = 'pending' AND due_at <= ? ORDER BY seq LIMIT 1)
      RETURNING seq, id, source_path`);
    const doneStmt = db.prepare(`UPDATE q SET status = 'completed' WHERE seq = ?`);
    gc();
    t0 = now();
    let done = 0;
    for (;;) {
      const row = claimStmt.get(Date.now()) as { seq: number } | undefined;
      if (!row) break;
      doneStmt.run(row.seq);
      done++;
    }
    if (!warm) c.push(done / ((now() - t0) / 1000));

    // The same loop, 50 jobs per transaction, as Quarry groups its writes:
    // what batching alone gives this minimal table (information, no bar).
    db.exec('DELETE FROM q');
    db.transaction(() => {
      for (let i = 0; i < n3; i++) insert(i);
    })();
    const fifty = db.transaction(() => {
      let k = 0;
      for (; k < 50; k++) {
        const row = claimStmt.get(Date.now()) as { seq: number } | undefined;
        if (!row) break;
        doneStmt.run(row.seq);
      }
      return k;
    });
    gc();
    t0 = now();
    done = 0;
    for (let k; (k = fifty());) done += k;
    if (!warm) c50.push(done / ((now() - t0) / 1000));
    db.close();
    removeDb(file);
  }
  const common = { info: { journal: 'WAL', synchronous: 'NORMAL' } };
  emit({
    key: 'raw.insert.single',
    label: 'raw insert, 1 row per transaction',
    unit: 'rows/s',
    better: 'higher',
    samples: s,
    ...common,
    info: { ...common.info, rows: single },
  });
  emit({
    key: 'raw.insert.batch',
    label: `raw insert, ${batch.toLocaleString('en')} rows in 1 transaction`,
    unit: 'rows/s',
    better: 'higher',
    samples: b,
    ...common,
    info: { ...common.info, rows: batch, mainCpuMsPer100k: bCpu.length ? median(bCpu) : undefined },
  });
  emit({
    key: 'raw.claim',
    label: 'raw claim loop (UPDATE…RETURNING, then complete)',
    unit: 'jobs/s',
    better: 'higher',
    samples: c,
    ...common,
    info: { ...common.info, jobs: claim },
  });
  emit({
    key: 'raw.claim.tx50',
    label: 'raw claim loop, 50 jobs per transaction',
    unit: 'jobs/s',
    better: 'higher',
    samples: c50,
    ...common,
    info: { ...common.info, jobs: claim },
  });
}

// ---- cases 2 and 3: Quarry's engine on no-op jobs ----------------------------

/** Adds `n` jobs, then times start → drained. The warm-up round runs in the same engine (warm pool threads). */
async function engineRun(engine: Engine, n: number, warmN: number): Promise<{ seconds: number; addSeconds: number; completed: number; failed: number }> {
  engine.store.add(fakeJobs(warmN));
  engine.start();
  await engine.drained();
  const before = engine.stats().byStatus;
  const [, addMs] = timeMs(() => engine.store.add(fakeJobs(n)));
  gc();
  const t0 = now();
  engine.scheduler.wake();
  await engine.drained();
  const seconds = (now() - t0) / 1000;
  const after = engine.stats().byStatus;
  return {
    seconds,
    addSeconds: addMs / 1000,
    completed: (after.completed ?? 0) - (before.completed ?? 0),
    failed: (after.failed ?? 0) - (before.failed ?? 0),
  };
}

async function quarry(o: Opts): Promise<void> {
  const { n, reps, concurrency, mode, threads } = o as { n: number; reps: number; concurrency: number; mode: 'direct' | 'pool'; threads: number };
  const samples: number[] = [];
  const adds: number[] = [];
  const notes: string[] = [];
  for (let rep = -1; rep < reps; rep++) {
    const dbPath = freshDb('quarry');
    const engine = new Engine({
      dbPath,
      concurrency,
      ...(mode === 'direct' ? { executor: noopExecutor } : { pool: { filename: NOOP_WORKER, threads, hostFile: HOST_FILE } }),
    });
    const count = rep < 0 ? Math.min(n, 2000) : n;
    const r = await engineRun(engine, count, rep < 0 ? 200 : Math.min(1000, Math.round(n / 5)));
    await engine.close();
    removeDb(dbPath);
    if (r.completed !== count) notes.push(`rep ${rep}: ${r.completed} of ${count} jobs completed, ${r.failed} failed`);
    if (rep >= 0) {
      samples.push(count / r.seconds);
      adds.push(count / r.addSeconds);
    }
  }
  const key = mode === 'direct' ? 'quarry.direct' : concurrency === threads ? 'quarry.pool.default' : 'quarry.pool';
  const label =
    mode === 'direct'
      ? `Quarry engine, direct executor, concurrency ${concurrency}`
      : `Quarry engine + piscina (${threads} threads), concurrency ${concurrency}`;
  emit({
    key,
    label,
    unit: 'jobs/s',
    better: 'higher',
    samples,
    notes,
    info: { jobs: n, concurrency, threads: mode === 'pool' ? threads : 0, storeAddJobsPerSec: median(adds) },
  });
}

// ---- plainjob ---------------------------------------------------------------

async function plainjob(o: Opts): Promise<void> {
  const { n, reps, concurrency } = o as { n: number; reps: number; concurrency: number };
  const pj = await import('plainjob');
  const silent = { error() {}, warn() {}, info() {}, debug() {} };
  const samples: number[] = [];
  for (let rep = -1; rep < reps; rep++) {
    const count = rep < 0 ? Math.min(n, 2000) : n;
    const file = freshDb('plainjob');
    // plainjob sets journal_mode=WAL, synchronous=1 (NORMAL) and busy_timeout itself.
    const queue = pj.defineQueue({ connection: pj.better(new Database(file)), logger: silent });
    queue.addMany(
      'noop',
      Array.from({ length: count }, (_, i) => ({ path: `/bench/in/file-${i}.txt` })),
    );
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    // plainjob's worker runs one job at a time; `concurrency` workers on the
    // same queue in this one process is the closest to a concurrency setting.
    const workers = Array.from({ length: concurrency }, () =>
      pj.defineWorker('noop', async () => {}, {
        queue,
        logger: silent,
        onCompleted: () => {
          if (++done === count) finish();
        },
      }),
    );
    gc();
    const t0 = now();
    for (const w of workers) void w.start();
    await all;
    const seconds = (now() - t0) / 1000;
    await Promise.all(workers.map((w) => w.stop()));
    queue.close();
    removeDb(file);
    if (rep >= 0) samples.push(count / seconds);
  }
  emit({
    key: 'plainjob',
    label: `plainjob ${pkgVersion('plainjob')}, ${concurrency} workers, in-process no-op`,
    unit: 'jobs/s',
    better: 'higher',
    samples,
    info: { jobs: n, concurrency },
  });
}

// ---- BullMQ -----------------------------------------------------------------

async function bullmq(o: Opts): Promise<void> {
  const { n, reps, concurrency, port } = o as { n: number; reps: number; concurrency: number; port: number };
  const { Queue, Worker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const samples: number[] = [];
  for (let rep = -1; rep < reps; rep++) {
    const count = rep < 0 ? Math.min(n, 2000) : n;
    const name = `bench-${process.pid}-${rep + 1}`;
    const queue = new Queue(name, { connection });
    for (let i = 0; i < count; i += 1000) {
      const chunk = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({
        name: 'noop',
        data: { path: `/bench/in/file-${i + k}.txt` },
      }));
      await queue.addBulk(chunk);
    }
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    gc();
    const t0 = now();
    const worker = new Worker(name, async () => {}, { connection, concurrency });
    worker.on('completed', () => {
      if (++done === count) finish();
    });
    await all;
    const seconds = (now() - t0) / 1000;
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    if (rep >= 0) samples.push(count / seconds);
  }
  emit({
    key: 'bullmq',
    label: `BullMQ ${pkgVersion('bullmq')}, concurrency ${concurrency}, local redis-server`,
    unit: 'jobs/s',
    better: 'higher',
    samples,
    info: { jobs: n, concurrency },
  });
}

// ---- case 4: intake and the dashboard at 1M jobs -----------------------------

async function intake(o: Opts): Promise<void> {
  const { tree, reps } = o as { tree: string; reps: number };
  const samples: number[] = [];
  const walk: number[] = [];
  const add: number[] = [];
  // Main-thread CPU, ms per 100,000 files: under load, wall time also measures the other helpers' share of the cores.
  const cpu: { addPaths: number[]; insert: number[] } = { addPaths: [], insert: [] };
  let files = 0;
  for (let rep = -1; rep < reps; rep++) {
    const dbPath = freshDb('intake');
    const engine = new Engine({ dbPath, executor: noopExecutor });
    // The warm-up round takes one folder of the tree; the measured rounds take all of it.
    const input = rep < 0 ? path.join(tree, readdirSync(tree).sort()[0]!) : tree;
    gc();
    let c0 = mainCpu();
    const t0 = now();
    const r = await engine.addPaths([input]);
    const s = (now() - t0) / 1000;
    if (rep >= 0) files = intakeCount(r);
    if (rep >= 0 && c0 !== undefined) cpu.addPaths.push(perHundredThousand(mainCpu()! - c0, files));
    await engine.close();
    removeDb(dbPath);
    if (rep >= 0) samples.push(files / s);

    // Where the time goes: the folder walk alone, then the store's insert alone.
    gc();
    let t = now();
    const { files: found } = await expandPaths([input]);
    if (rep >= 0) walk.push(found.length / ((now() - t) / 1000));
    const store = JobStore.open(freshDb('intake'));
    gc();
    c0 = mainCpu();
    t = now();
    store.insert(found);
    if (rep >= 0) add.push(found.length / ((now() - t) / 1000));
    if (rep >= 0 && c0 !== undefined) cpu.insert.push(perHundredThousand(mainCpu()! - c0, found.length));
    const storeFile = store.db.name;
    store.close();
    removeDb(storeFile);
  }
  emit({
    key: 'quarry.intake',
    label: `Quarry engine.addPaths (${files.toLocaleString('en')} files in a folder tree)`,
    unit: 'paths/s',
    better: 'higher',
    samples,
    info: {
      files,
      walkOnlyPathsPerSec: median(walk),
      storeAddOnlyJobsPerSec: median(add),
      mainCpuMsPer100k: cpu.addPaths.length ? { addPaths: median(cpu.addPaths), insert: median(cpu.insert) } : undefined,
    },
  });
  emit({ key: 'quarry.intake.walk', label: 'of which: expandPaths (folder walk) alone', unit: 'paths/s', better: 'higher', samples: walk });
  emit({ key: 'quarry.intake.add', label: 'of which: store.insert alone', unit: 'jobs/s', better: 'higher', samples: add });
}

/** Finishes per second at the end of the busy dashboard database: about what case 7 measures for small text files. */
const RECENT_FINISHES_PER_S = 2_000;

async function dashboard(o: Opts): Promise<void> {
  const { rows, samples: count } = o as { rows: number; samples: number };
  const dbPath = freshDb('dashboard');
  const store = JobStore.open(dbPath);
  const [, fillMs] = timeMs(() => fillJobs(store, rows));
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.db.exec('ANALYZE');
  store.close();
  say(`filled ${rows.toLocaleString('en')} jobs in ${(fillMs / 1000).toFixed(1)} s`);

  const engine = new Engine({ dbPath, executor: noopExecutor });
  const sample = (fn: () => unknown): number[] => {
    for (let i = 0; i < 3; i++) fn(); // warm: page cache, statement compile
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(timeMs(fn)[1]);
    return out;
  };
  const first = timeMs(() => engine.list({ limit: 50 }))[1];
  const list = sample(() => engine.list({ limit: 50 }));
  const firstStats = timeMs(() => engine.stats())[1];
  const stats = sample(() => engine.stats());
  const rowsOut = engine.list({ limit: 50 }).length;
  const total = engine.stats().total;

  // Where list() and stats() spend their time: every statement they run, with its plan.
  const db = engine.store.db;
  const profiler = statementProfiler(db);
  const breakdown = (fn: () => unknown) => {
    profiler.reset();
    const calls = 10;
    const t0 = now();
    profiler.start();
    for (let i = 0; i < calls; i++) fn();
    profiler.stop();
    const totalMs = (now() - t0) / calls;
    const statements = profiler.costs().map((c) => ({ sql: c.sql.slice(0, 160), msPerCall: round(c.ms / calls, 3), plan: plan(db, c.sql) }));
    const sqlMs = statements.reduce((s, c) => s + c.msPerCall, 0);
    return { totalMs: round(totalMs, 3), sqlMs: round(sqlMs, 3), jsMs: round(totalMs - sqlMs, 3), statements };
  };
  const listBreakdown = breakdown(() => engine.list({ limit: 50 }));
  const statsBreakdown = breakdown(() => engine.stats());
  profiler.restore();
  await engine.close();
  removeDb(dbPath);

  // The worst case for stats(), and for the dashboard's batches panel: the
  // same number of jobs, all files of one batch (a big folder dropped), all
  // created and most finished within the last hour, and a few small batches
  // since. stats()'s first call in a process counts the hour; later calls only
  // what finished since. The dashboard asks for a shown batch's progress
  // every half second while it runs.
  const busyPath = freshDb('dashboard-busy');
  const busyStore = JobStore.open(busyPath);
  const big = busyStore.addBatch({ fileName: 'big folder' }, []).batch;
  fillJobs(busyStore, rows, 3_400_000 / rows, big.id);
  // And the last seconds at the speed case 7's real worker reaches on small
  // text files: what each later call recounts.
  addRecentFinishes(busyStore, big.id, RECENT_FINISHES_PER_S, 10);
  for (let b = 0; b < 5; b++) busyStore.addBatch({ fileName: `small ${b}` }, [{ fileName: 'a.txt' }, { fileName: 'b.txt' }]);
  busyStore.db.exec('ANALYZE');
  busyStore.close();
  const busy = new Engine({ dbPath: busyPath, executor: noopExecutor });
  const [busyStats, firstBusy] = timeMs(() => busy.stats());
  const busyLater = sample(() => busy.stats());
  const batchesShown = busy.list({ kind: 'batch', limit: 50 }).length;
  const batchList = sample(() => busy.list({ kind: 'batch', limit: 50 }));
  const bigProgress = sample(() => busy.store.batchProgress(big.id));
  const bigFiles = busy.store.batchProgress(big.id).total;
  await busy.close();
  removeDb(busyPath);

  const info = { jobs: total, fillSeconds: round(fillMs / 1000, 1) };
  emit({
    key: 'quarry.list',
    label: `engine.list({limit: 50}) at ${total.toLocaleString('en')} jobs`,
    unit: 'ms',
    better: 'lower',
    samples: list,
    info: { ...info, rows: rowsOut, firstCallMs: round(first, 2), breakdown: listBreakdown },
  });
  emit({
    key: 'quarry.stats',
    label: `engine.stats() at ${total.toLocaleString('en')} jobs`,
    unit: 'ms',
    better: 'lower',
    samples: stats,
    info: { ...info, firstCallMs: round(firstStats, 1), breakdown: statsBreakdown },
  });
  emit({
    key: 'quarry.stats.busy',
    label: `engine.stats() at ${busyStats.total.toLocaleString('en')} jobs, ${busyStats.finishedLastHour.toLocaleString('en')} finished within the hour, ${RECENT_FINISHES_PER_S.toLocaleString('en')} a second lately`,
    unit: 'ms',
    better: 'lower',
    samples: busyLater,
    info: { jobs: busyStats.total, finishedLastHour: busyStats.finishedLastHour, recentPerSecond: RECENT_FINISHES_PER_S, firstCallMs: round(firstBusy, 1) },
  });
  emit({
    key: 'quarry.batches',
    label: `engine.list({kind: 'batch', limit: 50}) at ${busyStats.total.toLocaleString('en')} jobs (the batches panel: ${batchesShown} batches)`,
    unit: 'ms',
    better: 'lower',
    samples: batchList,
    info: { jobs: busyStats.total },
  });
  emit({
    key: 'quarry.batchProgress',
    label: `batchProgress() of a batch of ${bigFiles.toLocaleString('en')} files`,
    unit: 'ms',
    better: 'lower',
    samples: bigProgress,
    info: { files: bigFiles },
  });
}

// ---- case 5: pool scaling on a CPU-bound extraction --------------------------

const SCALING_WARM_PASSES = 3;

async function scaling(o: Opts): Promise<void> {
  const { corpus, jobs, reps, cpuWork } = o as { corpus?: string; jobs: number; reps: number; cpuWork?: number };
  const { files, source } = await pdfInputs(corpus, path.join(tmp(), 'pdf'));
  const threadsList = [...new Set([1, CORES])];
  const results: Record<number, number[]> = {};
  const notes: string[] = [];
  const perRun = Array.from({ length: jobs }, (_, i) => {
    const file = files[i % files.length]!;
    return { sourcePath: file, fileName: path.basename(file), sizeBytes: statSync(file).size };
  });
  // One engine per thread count, both warm, measured in alternation so that a
  // change of load on the machine hits both alike.
  const engines = new Map<number, { engine: Engine; dbPath: string }>();
  for (const threads of threadsList) {
    results[threads] = [];
    const dbPath = freshDb('scaling');
    // Quarry's defaults (as many concurrent jobs as pool threads), except dedup:
    // the same PDFs come back on purpose, and each must really be extracted.
    const engine = new Engine({ dbPath, pool: { filename: EXTRACT_WORKER, threads, hostFile: HOST_FILE }, dedup: false });
    // Warm-up: every thread loads pdf.js and sees every file three times. After
    // a single pass the first measured round was still 10–25% slower than the
    // next (pdf.js not yet optimized by the JIT), more so with more threads.
    engine.store.add(Array.from({ length: threads * SCALING_WARM_PASSES }, () => perRun.slice(0, files.length)).flat());
    engine.start();
    await engine.drained();
    engines.set(threads, { engine, dbPath });
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const threads of rep % 2 ? [...threadsList].reverse() : threadsList) {
      const { engine } = engines.get(threads)!;
      engine.store.add(perRun);
      gc();
      const t0 = now();
      engine.scheduler.wake();
      await engine.drained();
      results[threads]!.push(jobs / ((now() - t0) / 1000));
    }
  }
  for (const [threads, { engine, dbPath }] of engines) {
    const st = engine.stats().byStatus;
    if (st.failed) notes.push(`${threads} thread(s): ${st.failed} jobs failed`);
    await engine.close();
    removeDb(dbPath);
  }
  // The control: what the machine itself gives on pure CPU work right now.
  const machine = CORES > 1 ? await cpuScaling(reps + 1, cpuWork) : [1];
  if (CORES > 1) {
    emit({
      key: 'scaling.pdfjs',
      label: `control: bare pdf.js in worker threads, 1 vs ${CORES} (no Quarry)`,
      unit: '× per core',
      better: 'higher',
      samples: await pdfjsScaling(files, reps + 1),
    });
  }
  emit({
    key: 'scaling.machine',
    label: `control: pure-CPU loop, 1 vs ${CORES} threads (no Quarry)`,
    unit: '× per core',
    better: 'higher',
    samples: machine,
  });
  for (const threads of threadsList) {
    emit({
      key: `scaling.${threads === 1 ? 'one' : 'all'}`,
      label: `PDF extraction through the engine, ${threads} pool thread${threads > 1 ? 's' : ''}`,
      unit: 'jobs/s',
      better: 'higher',
      samples: results[threads]!,
      notes,
      info: { threads, cores: CORES, jobs, files: files.length, source },
    });
  }
}

// ---- case 6: extraction against native tools ---------------------------------

interface NativeTool {
  format: string;
  /** The result key when one format has several tools (default: the format). */
  key?: string;
  /** What is compared, when the format alone does not say (images: OCR or metadata). */
  what?: string;
  /** Quarry's job options for this comparison. */
  options?: Record<string, unknown>;
  exts: string[];
  dir: string;
  tool: string;
  args: (file: string) => string[];
  pkg: string;
}

const NATIVE: NativeTool[] = [
  // pdftotext reads the text layer only: Quarry does the same work with OCR off (a scan's recognition is the OCR rows' comparison).
  {
    format: 'pdf',
    what: 'text layer, OCR off',
    options: { ocr: false },
    exts: ['.pdf'],
    dir: 'pdf',
    tool: 'pdftotext',
    args: (f) => ['-enc', 'UTF-8', f, '-'],
    pkg: 'poppler-utils',
  },
  { format: 'html', exts: ['.html', '.htm'], dir: 'html', tool: 'html2text', args: (f) => ['-utf8', f], pkg: 'html2text' },
  { format: 'csv', exts: ['.csv'], dir: 'csv', tool: 'mlr', args: (f) => ['--icsv', '--ojson', '--allow-ragged-csv-input', 'cat', f], pkg: 'miller' },
  { format: 'json', exts: ['.json'], dir: 'text', tool: 'jq', args: (f) => ['.', f], pkg: 'jq' },
  { format: 'xml', exts: ['.xml'], dir: 'text', tool: 'xmllint', args: (f) => ['--xpath', 'string(/)', f], pkg: 'libxml2-utils' },
  { format: 'markdown', exts: ['.md'], dir: 'text', tool: 'pandoc', args: (f) => ['-f', 'gfm', '-t', 'plain', f], pkg: 'pandoc' },
  { format: 'docx', exts: ['.docx'], dir: 'docx', tool: 'docx2txt', args: (f) => [f, '-'], pkg: 'docx2txt' },
  { format: 'xlsx', exts: ['.xlsx'], dir: 'xlsx', tool: 'xlsx2csv', args: (f) => ['--all', f], pkg: 'xlsx2csv' },
  // Both sides run Tesseract: native, and Quarry's tesseract.js (WebAssembly, no native code to install).
  { format: 'image', key: 'image-ocr', what: 'OCR', exts: ['.png'], dir: 'ocr', tool: 'tesseract', args: (f) => [f, '-', '-l', 'eng'], pkg: 'tesseract-ocr' },
  {
    format: 'image',
    key: 'image-metadata',
    what: 'metadata, OCR off',
    options: { ocr: false },
    exts: ['.jpg', '.png', '.tif'],
    dir: 'image',
    tool: 'exiftool',
    args: (f) => ['-json', f],
    pkg: 'libimage-exiftool-perl',
  },
];

/** One core for the native tools too: Tesseract's OpenMP threads otherwise spin on both cores (5× slower here). */
const ONE_CORE = { ...process.env, OMP_THREAD_LIMIT: '1' };

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, tool);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Small generated inputs for when the corpus is absent. */
function generatedInputs(format: string, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const rows = Array.from({ length: 2000 }, (_, i) => [i, `name ${i}`, (i * 3.7).toFixed(2), `note, "quoted" ${i}`]);
  const content: Record<string, [string, string]> = {
    csv: ['generated.csv', 'id,name,value,note\n' + rows.map((r) => r.map((c) => `"${String(c).replace(/"/g, '""')}"`).join(',')).join('\n')],
    html: [
      'generated.html',
      `<html><head><title>Generated</title></head><body>${rows.map((r) => `<p>Row <b>${r[0]}</b> ${r[1]} <a href="https://example.org/${r[0]}">link</a></p>`).join('\n')}</body></html>`,
    ],
    json: ['generated.json', JSON.stringify(rows.map((r) => ({ id: r[0], name: r[1], value: r[2] })))],
    xml: ['generated.xml', `<?xml version="1.0"?><rows>${rows.map((r) => `<row id="${r[0]}"><name>${r[1]}</name></row>`).join('')}</rows>`],
    markdown: ['generated.md', rows.map((r) => `## Row ${r[0]}\n\n*${r[1]}* value ${r[2]}\n`).join('\n')],
  };
  const entry = content[format];
  if (!entry) return [];
  const file = path.join(dir, entry[0]);
  const fd = openSync(file, 'w');
  writeSync(fd, entry[1]);
  closeSync(fd);
  return [file];
}

async function native(o: Opts): Promise<void> {
  const { corpus, reps } = o as { corpus?: string; reps: number };
  const pool = new ExtractionPool({ filename: EXTRACT_WORKER, threads: 1 });
  const pdfs = await pdfInputs(corpus, path.join(tmp(), 'pdf'));
  for (const t of NATIVE) {
    const bin = which(t.tool);
    let files: string[];
    let source: string;
    if (t.format === 'pdf') ({ files, source } = pdfs);
    else {
      const dir = corpus ? path.join(corpus, t.dir) : '';
      files =
        dir && existsSync(dir)
          ? readdirSync(dir)
              .filter((f) => t.exts.includes(path.extname(f).toLowerCase()))
              .sort()
              .map((f) => path.join(dir, f))
          : [];
      source = files.length ? path.relative(ROOT, dir) : 'generated (corpus not found)';
      if (!files.length) files = generatedInputs(t.format, path.join(tmp(), t.format));
    }
    const key = `native.${t.key ?? t.format}`;
    const label = `${t.format}${t.what ? ` (${t.what})` : ''}: Quarry pool (1 thread) vs ${t.tool}`;
    if (!bin) {
      emit({ key, label, unit: '×', better: 'lower', samples: [], skipped: `${t.tool} not installed (Debian package ${t.pkg})` });
      continue;
    }
    if (!files.length) {
      emit({ key, label, unit: '×', better: 'lower', samples: [], skipped: `no ${t.exts.join('/')} files: the corpus (../shared/corpus/${t.dir}) is absent` });
      continue;
    }
    const options = t.options ?? {};
    const perFile: Array<{ file: string; quarryMs: number; nativeMs: number; ratio: number; ok: boolean; note?: string }> = [];
    for (const file of files) {
      // Warm: the worker has loaded its modules and seen this file once.
      const first = await pool.run({ path: file, options }).catch((e: Error) => e);
      const ok = !(first instanceof Error) && first.result.format === t.format;
      const q: number[] = [];
      const nat: number[] = [];
      spawnSync(bin, t.args(file), { stdio: ['ignore', 'ignore', 'ignore'], env: ONE_CORE });
      for (let i = 0; i < reps; i++) {
        let t0 = now();
        await pool.run({ path: file, options }).catch(() => undefined);
        q.push(now() - t0);
        t0 = now();
        spawnSync(bin, t.args(file), { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 30, env: ONE_CORE });
        nat.push(now() - t0);
      }
      const quarryMs = median(q);
      const nativeMs = median(nat);
      perFile.push({
        file: path.basename(file),
        quarryMs: round(quarryMs, 2),
        nativeMs: round(nativeMs, 2),
        ratio: round(quarryMs / nativeMs, 2),
        ok,
        ...(ok ? {} : { note: first instanceof Error ? `Quarry failed: ${first.message}` : `detected as ${first.result.format}` }),
      });
    }
    const counted = perFile.filter((f) => f.ok);
    // Geometric mean of per-file ratios: each file counts once, whatever its size.
    const geo = Math.exp(counted.reduce((s, f) => s + Math.log(f.ratio), 0) / Math.max(1, counted.length));
    const totalRatio = counted.reduce((s, f) => s + f.quarryMs, 0) / counted.reduce((s, f) => s + f.nativeMs, 0);
    emit({
      key,
      label,
      unit: '×',
      better: 'lower',
      samples: counted.map((f) => f.ratio),
      info: { tool: t.tool, source, files: perFile, geoMeanRatio: round(geo, 2), totalTimeRatio: round(totalRatio, 2) },
      notes: perFile.filter((f) => !f.ok).map((f) => `${f.file}: ${f.note} (not counted)`),
    });
  }
  await pool.close();
}

// ---- case 7: memory -----------------------------------------------------------

async function memQueue(o: Opts): Promise<void> {
  const { tree, seconds } = o as { tree: string; seconds: number };
  const dbPath = freshDb('mem');
  gc();
  const before = rssMb();
  const engine = new Engine({ dbPath, pool: { filename: EXTRACT_WORKER, threads: CORES, hostFile: HOST_FILE } });
  // The pool's threads live in the extraction host, a child process: its memory counts too.
  const sampler = memSampler(25, () => [engine.pool?.pid]);
  const t0 = now();
  const queued = intakeCount(await engine.addPaths([tree]));
  const intakeS = (now() - t0) / 1000;
  const afterIntake = hwmMb();
  engine.start();
  const t1 = now();
  const timedOut = await Promise.race([engine.drained().then(() => false), sleep(seconds * 1000).then(() => true)]);
  const processS = (now() - t1) / 1000;
  const done = engine.stats();
  const hwmBeforeClose = hwmMb();
  const hostPid = engine.pool?.pid;
  const hostHwm = procStatusMb(hostPid, 'VmHWM');
  await engine.close({ abort: true });
  const { peakRss, heapAtPeakRss } = sampler.stop();
  const engineHwm = hwmMb();
  // The sum of the two peaks: at least the peak of the sum (they need not peak together).
  const hwm = engineHwm !== undefined && hostHwm !== undefined ? engineHwm + hostHwm : peakRss;
  removeDb(dbPath);
  const processed = (done.byStatus.completed ?? 0) + (done.byStatus.failed ?? 0) + (done.byStatus.partial ?? 0);
  emit({
    key: 'mem.queue',
    label: `peak RSS, ${queued.toLocaleString('en')} jobs queued (addPaths) and processing`,
    unit: 'MB',
    better: 'lower',
    samples: [hwm],
    info: {
      queued,
      rssBeforeEngineMb: round(before, 1),
      peakRssDuringIntakeMb: afterIntake && round(afterIntake, 1),
      peakRssBeforeCloseMb: hwmBeforeClose && round(hwmBeforeClose, 1),
      enginePeakRssMb: engineHwm && round(engineHwm, 1),
      hostPeakRssMb: hostHwm && round(hostHwm, 1),
      sampledPeakRssMb: round(peakRss, 1),
      mainHeapTotalAtPeakMb: round(heapAtPeakRss, 1),
      intakeSeconds: round(intakeS, 1),
      processedJobs: processed,
      processSeconds: round(processS, 1),
      stoppedAfterTimeLimit: timedOut,
      poolThreads: CORES,
    },
    notes: timedOut
      ? [`processing stopped after ${seconds} s with ${processed.toLocaleString('en')} of ${queued.toLocaleString('en')} jobs done (peak is over that window)`]
      : [],
  });
}

async function memBigFile(o: Opts): Promise<void> {
  const { mb, seconds, kind } = o as { mb: number; seconds: number; kind: 'csv' | 'text' };
  const file = path.join(tmp(), kind === 'csv' ? 'big.csv' : 'big.txt');
  {
    // ~100-byte lines: a 5-column CSV, or prose-like text.
    const fd = openSync(file, 'w');
    const line = (i: number) =>
      kind === 'csv'
        ? `${i},quarry-bench-row-${i},${(i * 1.5).toFixed(2)},2024-01-${String((i % 28) + 1).padStart(2, '0')},"some free text for row ${i}"`
        : // No comma: one per line would make a .txt a two-column CSV (content sniffing decides for .txt).
          `Line ${i} of a long plain text file that Quarry's text extractor has to read and decode and count.`;
    const buf = Buffer.from(Array.from({ length: 10_000 }, (_, i) => line(i)).join('\n') + '\n');
    let written = kind === 'csv' ? writeSync(fd, 'id,name,value,date,comment\n') : 0;
    while (written < mb * 1e6) written += writeSync(fd, buf);
    closeSync(fd);
  }
  const size = statSync(file).size;
  const dbPath = freshDb('mem-big');
  // Quarry's own pool settings (1 thread, its default heap cap per worker).
  const engine = new Engine({ dbPath, pool: { filename: EXTRACT_WORKER, threads: 1, hostFile: HOST_FILE } });
  // Warm the pool and the store with a small file of the same kind first, then take the baseline.
  const small = path.join(tmp(), kind === 'csv' ? 'small.csv' : 'small.txt');
  {
    const fd = openSync(small, 'w');
    writeSync(fd, kind === 'csv' ? 'a,b\n1,2\n' : 'hello\n');
    closeSync(fd);
  }
  engine.start();
  await engine.addPaths([small]);
  await engine.drained();
  gc();
  await sleep(200);
  const mainNow = () => {
    const m = process.memoryUsage();
    return (m.heapUsed + m.external + m.arrayBuffers) / 1024 ** 2;
  };
  // The worker thread lives in the extraction host: its RSS counts with the engine's.
  const hostRss = () => procStatusMb(engine.pool?.pid, 'VmRSS') ?? 0;
  const baseRss = rssMb() + hostRss();
  const baseMain = mainNow();
  const sampler = memSampler(10, () => [engine.pool?.pid]);
  const t0 = now();
  const firstId = intakeFirstId(await engine.addPaths([file]));
  const timedOut = await Promise.race([engine.drained().then(() => false), sleep(seconds * 1000).then(() => true)]);
  const s = (now() - t0) / 1000;
  const { peakRss, peakMain } = sampler.stop();
  const job = firstId ? engine.get(firstId) : undefined;
  const result = job && engine.store.result(job.id);
  await engine.close({ abort: true });
  rmSync(file, { force: true });
  removeDb(dbPath);
  const outcome = timedOut ? `not finished after ${seconds} s` : `${job?.status}${job?.errorCode ? ` (${job.errorCode}: ${job.errorMessage})` : ''}`;
  const info = {
    kind,
    fileMb: round(size / 1e6, 1),
    seconds: round(s, 1),
    outcome,
    extracted: job?.status === 'completed' || job?.status === 'partial',
    storedTextMb: result ? round(Buffer.byteLength(result.text) / 1e6, 1) : 0,
    storedMarkdownMb: result ? round(Buffer.byteLength(result.markdown) / 1e6, 1) : 0,
    baseRssMb: round(baseRss, 1),
    peakRssMb: round(peakRss, 1),
    baseMainThreadMb: round(baseMain, 1),
    peakMainThreadMb: round(peakMain, 1),
  };
  say(`${Math.round(size / 1e6)} MB ${kind} file: ${outcome} in ${info.seconds} s`);
  emit({
    key: `mem.bigfile.${kind}.${mb}`,
    label: `main thread growth (V8 heap + external), one ${Math.round(size / 1e6)} MB ${kind === 'csv' ? 'CSV' : 'text'} file`,
    unit: 'MB',
    better: 'lower',
    samples: [peakMain - baseMain],
    info,
  });
  emit({
    key: `mem.bigfile.${kind}.${mb}.rss`,
    label: `RSS growth, engine + extraction host (its worker thread), same ${kind === 'csv' ? 'CSV' : 'text'} file`,
    unit: 'MB',
    better: 'lower',
    samples: [peakRss - baseRss],
    info,
  });
}

// ---- dispatch ------------------------------------------------------------------

const COMMANDS: Record<string, (o: Opts) => Promise<void>> = {
  raw,
  quarry,
  plainjob,
  bullmq,
  intake,
  dashboard,
  scaling,
  native,
  memQueue,
  memBigFile,
  firstJob,
  speedQuarry,
  speedBare,
  speedBullmq,
  speedRemote,
  diagnose,
  diagnoseMemory: memoryProfile,
  searchScale,
  indexCost,
  recollCompare,
  pdfAgreement,
  pageFrames,
};

async function main(): Promise<void> {
  const [cmd, json] = process.argv.slice(2);
  const fn = cmd && COMMANDS[cmd];
  if (!fn) {
    console.error(`usage: cases.cjs <${Object.keys(COMMANDS).join('|')}> '<json options>'`);
    process.exit(2);
  }
  await fn(json ? JSON.parse(json) : {});
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err?.stack ?? err);
    process.exit(1);
  },
);
