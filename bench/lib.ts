/**
 * Helpers shared by the bench's measurements (cases.ts) and its diagnosis
 * (diagnose.ts): temp files, figures, the statement profiler, data fillers.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Executor } from '../main/core/scheduler.js';
import type { JobStore, NewJob } from '../main/core/store/job-store.js';
import type { ExtractionResult } from '../shared/extraction.js';

// ---- plumbing ---------------------------------------------------------------

export interface Measurement {
  key: string;
  label: string;
  unit: string;
  /** Which way is good: throughput up, time and memory down. */
  better: 'higher' | 'lower';
  samples: number[];
  info?: Record<string, unknown>;
  notes?: string[];
  skipped?: string;
}

export type Opts = Record<string, any>;

export const ROOT = path.resolve(__dirname, '..', '..');
export const EXTRACT_WORKER = path.join(ROOT, 'dist', 'workers', 'extract.mjs');
export const NOOP_WORKER = path.join(ROOT, 'bench', 'noop-worker.cjs');
/** The built extraction host (the engine starts it as a child process; from bench/.out it cannot find it by itself). */
export const HOST_FILE = path.join(ROOT, 'dist', 'host.cjs');
export const CORES = os.availableParallelism();

export function emit(m: Measurement): void {
  process.stdout.write(`@@BENCH ${JSON.stringify(m)}\n`);
}

export function say(msg: string): void {
  process.stdout.write(`    ${msg}\n`);
}

export const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
export const now = (): number => performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let scratch: string | undefined;
/** One temporary folder per child process, removed at exit. */
export function tmp(): string {
  if (!scratch) {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-'));
    const clean = () => rmSync(scratch!, { recursive: true, force: true });
    process.on('exit', clean);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
  }
  return scratch;
}
let dbN = 0;
export function freshDb(name = 'db'): string {
  return path.join(tmp(), `${name}-${dbN++}.db`);
}
export function removeDb(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

/** The smallest valid result, what a no-op job "extracts". */
export function noopResult(): ExtractionResult {
  return {
    format: 'text',
    detection: { format: 'text', method: 'sniff' },
    extractor: { name: 'noop', version: '1.0.0' },
    text: '',
    markdown: '',
    metadata: {},
    tables: [],
    entities: [],
    warnings: [],
    counters: { items: 1 },
  };
}
export const noopExecutor: Executor = async () => ({ result: noopResult() });

export function fakeJobs(n: number): NewJob[] {
  return Array.from({ length: n }, (_, i) => ({
    sourcePath: `/bench/in/d${i % 100}/file-${i}.txt`,
    fileName: `file-${i}.txt`,
    sizeBytes: 1000 + (i % 5000),
  }));
}

export function rssMb(): number {
  return process.memoryUsage().rss / 1024 ** 2;
}
/** Peak resident set of this process so far (Linux), in MB. */
export function hwmMb(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A field of /proc/<pid>/status (VmHWM, VmRSS), in MB; undefined when unreadable (not Linux, process gone). */
export function procStatusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (!pid) return undefined;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process so far, split into its main thread (tid = pid) and
 * all its other threads (worker threads, V8's GC helpers, libuv's pool): Node
 * 20 names them all "node", so they cannot be told apart by name. Linux only.
 */
export function threadCpu(pid: number | undefined): { main: number; others: number } | undefined {
  if (!pid) return undefined;
  const hz = 100; // USER_HZ: /proc counts in clock ticks of 1/100 s on Linux
  try {
    let main = 0;
    let others = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const s = (Number(f[11]) + Number(f[12])) / hz; // utime + stime
      if (Number(tid) === pid) main += s;
      else others += s;
    }
    return { main, others };
  } catch {
    return undefined;
  }
}

/** How many jobs an addPaths call queued, whatever shape its answer has (the intake API is evolving). */
export function intakeCount(r: any): number {
  return r?.count ?? r?.added?.length ?? r?.jobs?.length ?? 0;
}
export function intakeFirstId(r: any): string | undefined {
  return (r?.jobs?.[0] ?? r?.added?.[0])?.id;
}

export function timeMs<T>(fn: () => T): [T, number] {
  const t0 = now();
  const v = fn();
  return [v, now() - t0];
}

// ---- a statement profiler -------------------------------------------------------

export interface StatementCost {
  sql: string;
  calls: number;
  ms: number;
}

/**
 * Times every better-sqlite3 statement execution (run/get/all/iterate, COMMIT
 * included: transactions run their BEGIN and COMMIT through the same methods),
 * keyed by SQL text. It patches the Statement prototype, so it sees the store's
 * statements whatever the store's code looks like this week.
 */
export function statementProfiler(db: Database.Database) {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, any>;
  // Keyed by the statement's own source string, normalized only when read:
  // normalizing per call (a regex over a kilobyte of SQL) cost the engine's
  // thread 10-20 µs a statement, inside the clock of cases 8-10.
  const costs = new Map<string, { calls: number; ms: number }>();
  const originals: Record<string, any> = {};
  let on = false;
  for (const m of ['run', 'get', 'all', 'iterate']) {
    const orig = proto[m];
    originals[m] = orig;
    proto[m] = function (this: { source: string }, ...a: unknown[]) {
      if (!on) return orig.apply(this, a);
      const t0 = now();
      try {
        return orig.apply(this, a);
      } finally {
        const c = costs.get(this.source);
        if (c) {
          c.calls++;
          c.ms += now() - t0;
        } else costs.set(this.source, { calls: 1, ms: now() - t0 });
      }
    };
  }
  return {
    start() {
      on = true;
    },
    stop() {
      on = false;
    },
    reset() {
      costs.clear();
    },
    restore() {
      Object.assign(proto, originals);
    },
    /** Most expensive first. */
    costs(): StatementCost[] {
      const bySql = new Map<string, StatementCost>();
      for (const [source, { calls, ms }] of costs) {
        const sql = source.replace(/\s+/g, ' ').trim();
        const c = bySql.get(sql) ?? { sql, calls: 0, ms: 0 };
        c.calls += calls;
        c.ms += ms;
        bySql.set(sql, c);
      }
      return [...bySql.values()].sort((a, b) => b.ms - a.ms);
    },
  };
}

export function plan(db: Database.Database, sql: string): string[] {
  if (!/^\s*(SELECT|UPDATE|INSERT|DELETE|WITH)/i.test(sql)) return [];
  // Bind every parameter to NULL: the plan does not depend on the values.
  const named = Object.fromEntries([...sql.matchAll(/[@:$]([A-Za-z_]\w*)/g)].map((m) => [m[1]!, null]));
  const positional = Array.from({ length: (sql.replace(/'[^']*'/g, '').match(/\?/g) ?? []).length }, () => null);
  try {
    const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
    const rows = (Object.keys(named).length ? stmt.all(...positional, named) : stmt.all(...positional)) as Array<{ detail: string }>;
    return rows.map((r) => r.detail);
  } catch {
    return [];
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function pkgVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

/**
 * A jobs table as a long-used Quarry has it: mostly finished jobs, the newest
 * pending; one job created every `spacingMs` up to now; all of them files of
 * the batch `parentId` when given (its counters set to match).
 */
export function fillJobs(store: JobStore, n: number, spacingMs = 1000, parentId: string | null = null): void {
  const hex = (bytes: number) => `lower(hex(randomblob(${bytes})))`;
  const uuid = `${hex(4)}||'-'||${hex(2)}||'-4'||substr(${hex(2)},2)||'-'||substr('89ab', 1 + abs(random()) % 4, 1)||substr(${hex(2)},2)||'-'||${hex(6)}`;
  const base = Date.now() - n * spacingMs;
  const chunk = 100_000;
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    store.db
      .prepare(
        `WITH RECURSIVE c(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM c WHERE i < @to),
         v AS (SELECT i,
                 CASE WHEN i > @n * 0.97 THEN 'pending'
                      WHEN i % 50 = 0 THEN 'failed'
                      WHEN i % 50 = 1 THEN 'cancelled'
                      WHEN i % 50 = 2 THEN 'partial'
                      ELSE 'completed' END AS st,
                 CASE i % 5 WHEN 0 THEN 'pdf' WHEN 1 THEN 'html' WHEN 2 THEN 'csv' WHEN 3 THEN 'text' ELSE 'json' END AS fmt,
                 CAST(@base + i * @spacing AS INTEGER) AS t
               FROM c)
         INSERT INTO jobs (id, kind, parent_id, source_path, file_name, size_bytes, format, status, total, processed, successful, failed,
                           error_code, error_category, error_message, result_summary, created_at, started_at, completed_at, updated_at)
         SELECT ${uuid}, 'extract', @parentId, '/data/archive/d' || (i % 1000) || '/file-' || i || '.' || fmt, 'file-' || i || '.' || fmt,
                1000 + i % 100000, CASE WHEN st = 'pending' THEN NULL ELSE fmt END, st,
                CASE WHEN st IN ('completed','partial') THEN 3 ELSE 0 END,
                CASE WHEN st = 'completed' THEN 3 WHEN st = 'partial' THEN 3 ELSE 0 END,
                CASE WHEN st = 'completed' THEN 3 WHEN st = 'partial' THEN 2 ELSE 0 END,
                CASE WHEN st = 'partial' THEN 1 ELSE 0 END,
                CASE WHEN st = 'failed' THEN 'corrupt_file' WHEN st = 'cancelled' THEN 'cancelled' END,
                CASE WHEN st IN ('failed','cancelled') THEN 'permanent' END,
                CASE WHEN st = 'failed' THEN 'The file is damaged.' WHEN st = 'cancelled' THEN 'Cancelled by the user.' END,
                CASE WHEN st IN ('completed','partial') THEN json_object('items', 3, 'chars', 1200, 'pages', 2) END,
                t, CASE WHEN st = 'pending' OR st = 'cancelled' THEN NULL ELSE t + 100 END,
                CASE WHEN st = 'pending' THEN NULL ELSE t + 400 END,
                CASE WHEN st = 'pending' THEN t ELSE t + 400 END
         FROM v`,
      )
      .run({ from, to, n, base, spacing: spacingMs, parentId });
  }
  if (parentId) recountBatch(store, parentId);
}

/** A batch's counters set from its children (for children inserted directly, as the fillers do). */
export function recountBatch(store: JobStore, id: string): void {
  store.db
    .prepare(
      `UPDATE jobs SET (total, successful, failed, processed) = (
        SELECT count(*), sum(status IN ('completed','partial')), sum(status = 'failed'), sum(status IN ('completed','partial','failed'))
        FROM jobs WHERE parent_id = @id) WHERE id = @id`,
    )
    .run({ id });
}

/** `perSecond` jobs of the batch `parentId` finished in each of the last `seconds` seconds (a run going at full speed). */
export function addRecentFinishes(store: JobStore, parentId: string, perSecond: number, seconds: number): void {
  store.db
    .prepare(
      `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < @n - 1)
       INSERT INTO jobs (id, kind, parent_id, file_name, format, status, total, processed, successful, result_summary,
                         created_at, started_at, completed_at, updated_at)
       SELECT 'recent-' || i, 'extract', @parentId, 'recent-' || i || '.txt', 'text', 'completed', 1, 1, 1, '{}', t, t, t, t
       FROM (SELECT i, CAST(@from + i * @step AS INTEGER) AS t FROM c)`,
    )
    .run({ n: perSecond * seconds, parentId, from: Date.now() - seconds * 1000, step: 1000 / perSecond });
  recountBatch(store, parentId);
}

export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** PDFs from the shared corpus when present, otherwise generated with pdf-lib. */
export async function pdfInputs(corpus: string | undefined, dir: string): Promise<{ files: string[]; source: string }> {
  const pdfDir = corpus && path.join(corpus, 'pdf');
  if (pdfDir && existsSync(pdfDir)) {
    const files = readdirSync(pdfDir)
      .filter((f) => f.endsWith('.pdf'))
      .sort()
      .map((f) => path.join(pdfDir, f));
    if (files.length) return { files, source: path.relative(ROOT, pdfDir) };
  }
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const words = 'quarry extraction offline durable queue worker page table text measure corpus'.split(' ');
  for (let k = 0; k < 6; k++) {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (let p = 0; p < 4 + k * 2; p++) {
      const page = doc.addPage([612, 792]);
      for (let line = 0; line < 50; line++) {
        const text = Array.from({ length: 12 }, (_, w) => words[(k + p + line + w) % words.length]).join(' ');
        page.drawText(`${line + 1}. ${text}`, { x: 40, y: 760 - line * 14, size: 10, font });
      }
    }
    const file = path.join(dir, `generated-${k}.pdf`);
    const out = openSync(file, 'w');
    writeSync(out, await doc.save());
    closeSync(out);
    files.push(file);
  }
  return { files, source: 'generated with pdf-lib (corpus not found)' };
}

/**
 * Samples this process's RSS and the main thread's own V8 memory until
 * stopped. `others` gives processes whose RSS counts with ours (the
 * extraction host, where the worker threads now live).
 */
export function memSampler(intervalMs = 25, others: () => Array<number | undefined> = () => []) {
  let peakRss = 0;
  let peakMain = 0;
  const mainMb = () => {
    const m = process.memoryUsage();
    return (m.heapUsed + m.external + m.arrayBuffers) / 1024 ** 2;
  };
  let heapAtPeakRss = 0;
  const tick = () => {
    const rss = rssMb() + others().reduce<number>((sum, pid) => sum + (procStatusMb(pid, 'VmRSS') ?? 0), 0);
    if (rss > peakRss) {
      peakRss = rss;
      heapAtPeakRss = process.memoryUsage().heapTotal / 1024 ** 2;
    }
    peakMain = Math.max(peakMain, mainMb());
  };
  const timer = setInterval(tick, intervalMs);
  return {
    mainMb,
    stop() {
      clearInterval(timer);
      tick();
      return { peakRss, peakMain, heapAtPeakRss };
    },
  };
}

/**
 * The machine's own scaling on this very workload, without Quarry: bare
 * worker threads running pdf.js (text of every page) over the same PDFs, one
 * thread against all cores. Allocation-heavy work like this scales worse than
 * a pure-CPU loop on machines whose cores share caches or memory bandwidth.
 */
export async function pdfjsScaling(files: readonly string[], rounds: number): Promise<number[]> {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const lib = import(workerData.pdfjs);
    parentPort.on('message', async (paths) => {
      const pdfjs = await lib;
      let items = 0;
      for (const p of paths) {
        try {
          const doc = await pdfjs.getDocument({ data: new Uint8Array(readFileSync(p)), disableFontFace: true, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
          for (let i = 1; i <= doc.numPages; i++) items += (await (await doc.getPage(i)).getTextContent()).items.length;
          await doc.destroy();
        } catch {}
      }
      parentPort.postMessage(items);
    });`;
  const pdfjs = pathToFileURL(createRequire(import.meta.url).resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
  const run = (w: Worker) => new Promise((r) => (w.once('message', r), w.postMessage(files)));
  const workers = Array.from({ length: CORES }, () => new Worker(code, { eval: true, workerData: { pdfjs } }));
  // Three passes each, like the engines of case 5: one left pdf.js still warming up.
  for (let pass = 0; pass < 3; pass++) await Promise.all(workers.map(run));
  const timed = async (k: number) => {
    const t0 = now();
    await Promise.all(workers.slice(0, k).map(run));
    return k / ((now() - t0) / 1000);
  };
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const one = await timed(1);
    const all = await timed(CORES);
    out.push(all / one / CORES);
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return out;
}

/**
 * The machine itself, as a control for pool scaling: the same pure-CPU loop on
 * 1 thread and on all cores at once, alternated. Returns, per round, the
 * speed-up divided by the core count (1.0 = the cores are all ours).
 */
export async function cpuScaling(rounds: number, work = 100_000_000): Promise<number[]> {
  const code = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; parentPort.postMessage(x); });`;
  const spin = (w: Worker, n: number) => new Promise((r) => (w.once('message', r), w.postMessage(n)));
  const workers = Array.from({ length: CORES }, () => new Worker(code, { eval: true }));
  await Promise.all(workers.map((w) => spin(w, work / 10)));
  const timed = async (k: number) => {
    const t0 = now();
    await Promise.all(workers.slice(0, k).map((w) => spin(w, work)));
    return k / ((now() - t0) / 1000);
  };
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [one, all] = r % 2 ? [await timed(1), await timed(CORES)] : await timed(CORES).then(async (a) => [await timed(1), a]);
    out.push(all! / one! / CORES);
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return out;
}
