/**
 * `npm run bench -- --diagnose`: where Quarry's time and memory go, for the
 * bars the bench reports NOT MET. Prints per-operation costs; no bars.
 *
 * - the engine on no-op jobs: µs per job by SQL statement (COMMIT included),
 *   JavaScript around it, WAL bytes written per job, ticks and stats() calls;
 * - the same with a long history in the database (200,000 finished jobs);
 * - the pool alone: ExtractionPool.run against bare piscina, in flight 1 and 50;
 * - intake: file-system calls by kind, store.add by statement, memory per job;
 * - pool scaling: the machine's own 1 → N thread scaling on pure CPU work, the
 *   pool alone on PDFs, and how busy the engine's main thread is.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { Engine } from '../main/core/engine.js';
import { expandPaths } from '../main/core/intake.js';
import { ExtractionPool } from '../main/core/pool.js';
import { JobStore } from '../main/core/store/job-store.js';
import {
  CORES,
  cpuScaling,
  EXTRACT_WORKER,
  fakeJobs,
  fillJobs,
  freshDb,
  gc,
  noopExecutor,
  noopResult,
  NOOP_WORKER,
  HOST_FILE,
  now,
  pdfInputs,
  plan,
  median,
  removeDb,
  round,
  say,
  statementProfiler,
  tmp,
  type Opts,
} from './lib.js';

const us = (ms: number, n: number) => round((ms * 1000) / n, 1);
const walSize = (db: string) => {
  try {
    return statSync(`${db}-wal`).size;
  } catch {
    return 0;
  }
};

/** Runs `n` no-op jobs through a warm engine with every statement timed. */
async function engineProfile(label: string, make: (dbPath: string) => Engine, n: number, opts: { history?: number; walOff?: boolean } = {}) {
  const dbPath = freshDb('diag');
  if (opts.history) {
    const s = JobStore.open(dbPath);
    fillJobs(s, opts.history);
    s.close();
  }
  const engine = make(dbPath);
  engine.store.add(fakeJobs(500));
  engine.start();
  await engine.drained();
  if (opts.walOff) {
    engine.store.db.pragma('wal_checkpoint(TRUNCATE)');
    engine.store.db.pragma('wal_autocheckpoint = 0');
  }
  engine.store.add(fakeJobs(n));
  const profiler = statementProfiler(engine.store.db);
  let ticks = 0;
  let statsCalls = 0;
  const sched = engine.scheduler as unknown as Record<string, (...a: unknown[]) => unknown>;
  if (typeof sched.tick === 'function') {
    const tick = sched.tick.bind(sched);
    sched.tick = (...a) => (ticks++, tick(...a));
  }
  const store = engine.store as unknown as Record<string, (...a: unknown[]) => unknown>;
  const stats = store.stats!.bind(store);
  store.stats = (...a) => (statsCalls++, stats(...a));
  const wal0 = walSize(dbPath);
  gc();
  const elu0 = performance.eventLoopUtilization();
  const t0 = now();
  profiler.start();
  engine.scheduler.wake();
  await engine.drained();
  profiler.stop();
  const ms = now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const walKb = (walSize(dbPath) - wal0) / 1024 / n;
  const costs = profiler.costs();
  profiler.restore();
  const sqlMs = costs.reduce((s, c) => s + c.ms, 0);
  const commits = costs.filter((c) => /^COMMIT|^RELEASE/.test(c.sql)).reduce((s, c) => s + c.calls, 0);
  say(`${label}: ${Math.round(n / (ms / 1000)).toLocaleString('en')} jobs/s = ${us(ms, n)} µs per job; main thread busy ${Math.round(elu * 100)}%`);
  say(
    `  SQLite ${us(sqlMs, n)} µs/job (${Math.round((sqlMs / ms) * 100)}% of the wall time), everything else ${us(ms - sqlMs, n)} µs/job; ` +
      `${round(commits / n, 2)} commits/job, ${round(ticks / n, 3)} ticks/job, stats() called ${statsCalls}×` +
      (opts.walOff ? `; WAL written: ${round(walKb, 1)} KB/job (checkpoints off)` : ''),
  );
  for (const c of costs.slice(0, 12)) {
    say(`  ${String(us(c.ms, n)).padStart(7)} µs/job  ${String(round(c.calls / n, 2)).padStart(5)} calls/job  ${c.sql.slice(0, 150)}`);
  }
  await engine.close();
  removeDb(dbPath);
  return { perJobUs: us(ms, n), sqlUs: us(sqlMs, n) };
}

/**
 * The store alone, the way the scheduler drives it (claim 50 and complete 50
 * per transaction), with each trigger on the jobs table dropped in turn: what
 * each one costs per job. Also the cost of reading a job back (SELECT + row
 * parsing) against the SELECT alone.
 */
function storeAlone(n: number): void {
  const run = (label: string, drop: string[]) => {
    const dbPath = freshDb('diag-store');
    const store = JobStore.open(dbPath);
    for (const t of drop) store.db.exec(`DROP TRIGGER ${t}`);
    store.add(fakeJobs(n));
    const tx = <T>(fn: () => T): T => store.db.transaction(fn)();
    const t0 = now();
    for (let done = 0; done < n;) {
      const jobs = tx(() => store.claim(50, Date.now(), 30_000, 'diag'));
      tx(() => {
        for (const j of jobs) store.complete(j.id, noopResult());
      });
      done += jobs.length;
      if (!jobs.length) break;
    }
    const perJob = us(now() - t0, n);
    store.close();
    removeDb(dbPath);
    return perJob;
  };
  const probe = JobStore.open(freshDb('diag-store'));
  const triggers = probe.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'jobs' ORDER BY name`).pluck().all() as string[];
  // Reading a job back: the store's get() against the bare SELECT.
  probe.add(fakeJobs(2000));
  const ids = probe.db.prepare('SELECT id FROM jobs').pluck().all() as string[];
  const sel = probe.db.prepare('SELECT * FROM jobs WHERE id = ?');
  for (const id of ids) {
    probe.get(id);
    sel.get(id);
  }
  let t = now();
  for (const id of ids) probe.get(id);
  const getUs = us(now() - t, ids.length);
  t = now();
  for (const id of ids) sel.get(id);
  const selUs = us(now() - t, ids.length);
  probe.close();
  removeDb(probe.db.name);
  run('warm-up', []);
  // "As is" runs between every variant; its median is the reference (the machine is noisy).
  const asIs: number[] = [run('as is', [])];
  const variants: Array<[string, number]> = [];
  for (const trig of triggers) {
    variants.push([trig, run(trig, [trig])]);
    asIs.push(run('as is', []));
  }
  variants.push(['(all of them)', run('no triggers', triggers)]);
  asIs.push(run('as is', []));
  const base = median(asIs);
  say(
    `store alone, claim 50 + complete 50 per transaction: ${base} µs/job (${Math.round(1e6 / base).toLocaleString('en')} jobs/s; median of ${asIs.length} runs, ${Math.min(...asIs)}–${Math.max(...asIs)})`,
  );
  for (const [trig, without] of variants) {
    say(`  without trigger ${trig.padEnd(28)} ${String(without).padStart(6)} µs/job (saves ~${round(base - without, 1)} µs/job)`);
  }
  say(`reading a job back: store.get() ${getUs} µs = SELECT ${selUs} µs + row parsing/validation ${round(getUs - selUs, 1)} µs`);
}

/** `n` tasks through `run`, at most `inFlight` at once; returns tasks/s. */
async function pump(n: number, inFlight: number, run: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await run(next++);
    }),
  );
  return n / ((now() - t0) / 1000);
}

async function poolAlone(n: number): Promise<void> {
  const pool = new ExtractionPool({ filename: NOOP_WORKER, threads: CORES });
  const bare = new Piscina({ filename: NOOP_WORKER, minThreads: CORES, maxThreads: CORES });
  const task = { path: '/bench/none.txt', options: {} };
  await pump(500, 50, () => pool.run(task));
  await pump(500, 50, () => bare.run(task));
  for (const inFlight of [1, 50]) {
    const q = await pump(n, inFlight, () => pool.run(task, { timeoutMs: 600_000, onProgress: () => undefined }));
    const b = await pump(n, inFlight, () => bare.run(task));
    say(
      `${inFlight} in flight: ExtractionPool.run ${Math.round(q).toLocaleString('en')} tasks/s (${us(1000 / q, 1)} µs each) vs bare piscina.run ${Math.round(b).toLocaleString('en')} tasks/s (${us(1000 / b, 1)} µs each)`,
    );
  }
  await pool.close();
  await bare.close();
  // What ExtractionPool.run adds per task around piscina.run.
  const k = 20_000;
  let t = now();
  for (let i = 0; i < k; i++) {
    const { port1, port2 } = new MessageChannel();
    port1.close();
    port2.close();
  }
  const channelUs = us(now() - t, k);
  t = now();
  for (let i = 0; i < k; i++) AbortSignal.any([new AbortController().signal, AbortSignal.timeout(600_000)]);
  const signalUs = us(now() - t, k);
  say(
    `per task, on the main thread: new MessageChannel() + close ${channelUs} µs; AbortSignal.timeout + AbortSignal.any ${signalUs} µs (the port is also transferred to the worker and back)`,
  );
}

/** Wraps the fs/promises functions intake uses, to count and time them. */
function fsProfiler() {
  const names = ['stat', 'lstat', 'access', 'readdir', 'open', 'realpath'] as const;
  const mod = fsp as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const orig: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  const costs: Record<string, { calls: number; ms: number }> = {};
  for (const name of names) {
    const fn = mod[name];
    if (typeof fn !== 'function') continue;
    orig[name] = fn;
    costs[name] = { calls: 0, ms: 0 };
    mod[name] = async (...a: unknown[]) => {
      const t0 = now();
      try {
        return await fn(...a);
      } finally {
        costs[name]!.calls++;
        costs[name]!.ms += now() - t0;
      }
    };
  }
  return {
    costs,
    restore: () => Object.assign(mod, orig),
  };
}

async function intakeProfile(tree: string): Promise<void> {
  await expandPaths([tree]); // warm the dentry cache and the JIT
  const fsProf = fsProfiler();
  const t0 = now();
  const { files } = await expandPaths([tree]);
  const walkMs = now() - t0;
  fsProf.restore();
  const n = files.length;
  say(`expandPaths: ${n.toLocaleString('en')} files in ${Math.round(walkMs)} ms = ${us(walkMs, n)} µs per file`);
  for (const [name, c] of Object.entries(fsProf.costs)) {
    if (c.calls) say(`  fs.promises.${name}: ${round(c.calls / n, 2)} calls/file, ${us(c.ms, n)} µs/file awaited one after another`);
  }
  const dbPath = freshDb('diag-intake');
  const store = JobStore.open(dbPath);
  const profiler = statementProfiler(store.db);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t1 = now();
  profiler.start();
  const added = store.add(files);
  profiler.stop();
  const addMs = now() - t1;
  gc();
  const heapHeld = process.memoryUsage().heapUsed - heap0;
  const costs = profiler.costs();
  profiler.restore();
  const sqlMs = costs.reduce((s, c) => s + c.ms, 0);
  say(
    `store.add(${n.toLocaleString('en')}): ${Math.round(addMs)} ms = ${us(addMs, n)} µs/job: SQLite ${us(sqlMs, n)} µs/job, JavaScript ${us(addMs - sqlMs, n)} µs/job; the ${added.length.toLocaleString('en')} Job objects it returns hold ${round(heapHeld / 1024 ** 2, 1)} MB of heap (${Math.round(heapHeld / Math.max(1, added.length))} bytes each)`,
  );
  for (const c of costs.slice(0, 8)) {
    say(`  ${String(us(c.ms, n)).padStart(7)} µs/job  ${String(round(c.calls / n, 2)).padStart(5)} calls/job  ${c.sql.slice(0, 150)}`);
  }
  store.close();
  removeDb(dbPath);
}

async function cpuControl(): Promise<void> {
  const eff = await cpuScaling(3);
  say(`pure CPU loop on 1 vs ${CORES} threads: ${eff.map((e) => round(e, 2)).join(', ')}× per core (what this machine gives right now; 1.0 = perfect)`);
}

async function scalingProfile(corpus: string | undefined): Promise<void> {
  const { files } = await pdfInputs(corpus, `${tmp()}/pdf`);
  const tasks = Array.from({ length: files.length * 6 }, (_, i) => ({ path: files[i % files.length]!, options: {} }));
  for (const threads of [...new Set([1, CORES])]) {
    const pool = new ExtractionPool({ filename: EXTRACT_WORKER, threads });
    // Warm every thread (more in flight than threads, so piscina starts them all).
    await pump(files.length * threads * 2, threads * 2, (i) => pool.run(tasks[i % files.length]!));
    for (const inFlight of [threads, threads * 2]) {
      const rate = await pump(tasks.length, inFlight, (i) => pool.run(tasks[i]!));
      say(`PDFs through ExtractionPool alone, ${threads} thread(s), ${inFlight} in flight: ${round(rate, 2)} files/s`);
    }
    await pool.close();
  }
  // The engine on the same PDFs: how busy is its main thread, and on what?
  const dbPath = freshDb('diag-scaling');
  const engine = new Engine({ dbPath, pool: { filename: EXTRACT_WORKER, threads: CORES, hostFile: HOST_FILE }, dedup: false });
  const jobs = tasks.map((t) => ({ sourcePath: t.path, fileName: t.path.split('/').pop(), sizeBytes: statSync(t.path).size }));
  engine.store.add(jobs.slice(0, files.length * CORES));
  engine.start();
  await engine.drained();
  engine.store.add(jobs);
  const profiler = statementProfiler(engine.store.db);
  const elu0 = performance.eventLoopUtilization();
  const t0 = now();
  profiler.start();
  engine.scheduler.wake();
  await engine.drained();
  profiler.stop();
  const ms = now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const costs = profiler.costs();
  profiler.restore();
  const sqlMs = costs.reduce((s, c) => s + c.ms, 0);
  say(
    `engine, ${CORES} threads, same PDFs: ${round(jobs.length / (ms / 1000), 2)} jobs/s; main thread busy ${Math.round(elu * 100)}% (SQLite ${round(sqlMs / jobs.length, 2)} ms/job)`,
  );
  for (const c of costs.slice(0, 5)) say(`  ${round(c.ms / jobs.length, 3)} ms/job  ${c.sql.slice(0, 140)}`);
  await engine.close();
  removeDb(dbPath);
}

/** Where the RSS of the memory case goes: pool threads, intake, processing. */
export async function memoryProfile(o: Opts): Promise<void> {
  const { tree, seconds = 120 } = o as { tree: string; seconds?: number };
  const mem = () => {
    const m = process.memoryUsage();
    return { rss: m.rss / 1024 ** 2, heap: m.heapUsed / 1024 ** 2, ext: (m.external + m.arrayBuffers) / 1024 ** 2 };
  };
  const line = (what: string) => {
    const m = mem();
    say(`${what.padEnd(58)} RSS ${round(m.rss, 0)} MB, main heap ${round(m.heap, 0)} MB, main external ${round(m.ext, 0)} MB`);
    return m;
  };
  gc();
  line('process with nothing loaded');
  const dbPath = freshDb('diag-mem');
  const engine = new Engine({ dbPath, pool: { filename: EXTRACT_WORKER, threads: CORES, hostFile: HOST_FILE } });
  gc();
  line('engine open, pool idle');
  // Warm every pool thread with one small file each.
  const first = path.join(tree, readdirSync(tree).sort()[0]!, 'scans');
  const warm = readdirSync(first)
    .slice(0, CORES * 4)
    .map((f) => ({ sourcePath: path.join(first, f), fileName: f, sizeBytes: 30 }));
  engine.store.add(warm);
  engine.start();
  await engine.drained();
  gc();
  const warmed = line(`engine + ${CORES} warm extraction threads`);
  const t0 = now();
  const r: any = await engine.addPaths([tree]);
  const intakeS = (now() - t0) / 1000;
  line(`after addPaths (${(r?.count ?? 0).toLocaleString('en')} jobs, ${round(intakeS, 1)} s), before GC`);
  gc();
  line('after addPaths, after GC');
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 1024 ** 2)), 50);
  // RSS over time while processing: which part grows (main heap, or the rest: worker threads, SQLite, malloc)?
  for (let t = 20; t <= seconds; t += 20) {
    await new Promise((res) => setTimeout(res, 20_000));
    const done = engine.stats().byStatus.completed ?? 0;
    line(`after ${t} s of processing (${done.toLocaleString('en')} jobs done)`);
  }
  clearInterval(timer);
  say(`peak RSS while processing: ${round(peak, 0)} MB (${round(peak - warmed.rss, 0)} MB over the warm engine)`);
  await engine.close({ abort: true });
  removeDb(dbPath);
}

export async function diagnose(o: Opts): Promise<void> {
  const { n = 10_000, tree, corpus, history = 200_000 } = o as { n?: number; tree?: string; corpus?: string; history?: number };
  say(`\n-- engine, no-op jobs, direct executor (${n.toLocaleString('en')} jobs, concurrency 50)`);
  const direct = (p: string) => new Engine({ dbPath: p, concurrency: 50, executor: noopExecutor });
  await engineProfile('as configured', direct, n);
  await engineProfile('WAL checkpoints off (to count WAL bytes)', direct, n, { walOff: true });
  await engineProfile(`with ${history.toLocaleString('en')} finished jobs already in the database`, direct, n, { history });

  say(`\n-- the store alone (no scheduler), ${n.toLocaleString('en')} jobs`);
  storeAlone(Math.min(n, 5_000));

  say(`\n-- engine + pool, no-op worker (${CORES} threads)`);
  await engineProfile(
    'concurrency 50',
    (p) => new Engine({ dbPath: p, concurrency: 50, pool: { filename: NOOP_WORKER, threads: CORES, hostFile: HOST_FILE } }),
    n,
  );
  await engineProfile(
    `concurrency ${CORES} (the default)`,
    (p) => new Engine({ dbPath: p, pool: { filename: NOOP_WORKER, threads: CORES, hostFile: HOST_FILE } }),
    Math.min(n, 3000),
  );

  say(`\n-- the pool alone, no-op worker (${CORES} threads)`);
  await poolAlone(n);

  if (tree) {
    say(`\n-- intake`);
    await intakeProfile(tree);
  }

  say(`\n-- pool scaling`);
  await cpuControl();
  await scalingProfile(corpus);

  say(`\n-- plans of the claim and of the scheduler's per-tick reads`);
  const dbPath = freshDb('diag-plan');
  const s = JobStore.open(dbPath);
  const profiler = statementProfiler(s.db);
  profiler.start();
  s.add(fakeJobs(10));
  const ids = (s.claim(5, Date.now(), 30_000, 'diag') as Array<{ id: string }>).map((j) => j.id);
  void ids;
  s.stats();
  profiler.stop();
  for (const c of profiler.costs()) {
    const p = plan(s.db, c.sql);
    if (p.length) say(`  ${c.sql.slice(0, 110)}\n      → ${p.join(' / ')}`);
  }
  profiler.restore();
  s.close();
  removeDb(dbPath);
}
