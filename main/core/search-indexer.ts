/**
 * The background indexer: writes into the full-text index the results that
 * completions recorded as owed (results_fts_pending, see
 * store/search-index.ts), in large batches, on a worker thread with a
 * connection of its own, so that neither FTS5's work nor the lock waits
 * fall on the engine's main thread.
 *
 * - Completions gather for `delayMs` (200 ms) before a run; a run indexes
 *   batches until nothing is owed. A batch is one IMMEDIATE transaction,
 *   sized to hold the write lock about TARGET_MS: SQLite lets one writer at
 *   a time, and the engine's own transactions (claims, completions) wait
 *   for it. Between batches the worker pauses as long as the batch took, so
 *   the engine's writes come in between.
 * - While a batch holds the lock it raises a flag in shared memory; the
 *   store's transactions wait on it (Atomics.wait) and go the moment the
 *   batch commits, instead of meeting the lock in SQLite's busy handler,
 *   whose sleeps of 1, 2, 5, 10, 15 ms... overshoot the batch's end.
 * - `idle()` (the engine drained, `quarry extract` about to exit) runs at
 *   once and without pauses, and resolves when nothing is owed.
 * - What is owed is durable: a stop or a crash leaves it in the store, and
 *   the next start indexes it. Should the worker fail, the rest is indexed
 *   on the store's own connection rather than never.
 * - A database in memory (tests) cannot be opened twice: its results are
 *   indexed on the store's connection, in the same batches.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { JobStore } from './store/job-store.js';
import { INDEX_BATCH_SQL, nextBatchSize, runIndexBatch, type BatchOutcome } from './store/search-index.js';

export interface SearchIndexerOptions {
  dbPath: string;
  store: JobStore;
  /** Spooled texts are now owed chunk by chunk (full-text-index.ts streams them). */
  onSpooled: () => void;
  onError: (err: Error) => void;
  /** How long completions gather before a run (ms). */
  delayMs?: number;
  /** Index on the store's connection, not on a worker thread (a database in memory does so anyway). */
  inline?: boolean;
  /** Where the worker resolves better-sqlite3 from (a file URL): this module's own, as bundled (tests point it elsewhere). */
  moduleUrl?: string;
  /** The worker checkpoints the WAL after a batch once it holds this many pages (4 KiB each); 10,000 as the engine's connection. */
  checkpointPages?: number;
}

/** About how long a batch holds the write lock (ms). */
const TARGET_MS = 8;
const FIRST_BATCH = 200;
const MIN_BATCH = 20;
const MAX_BATCH = 4_000;
/** After a failed run (the lock held elsewhere for seconds), the next try waits this long. */
const RETRY_MS = 5_000;
/**
 * The longest the engine's thread waits on the worker's flag: as long as
 * SQLite's busy handler would (busy_timeout), which takes over past it. The
 * flag is up only while the batch holds the lock (a worker gone in a batch
 * takes it down: the 'exit' handler).
 */
const GATE_WAIT_MS = 5_000;

type ToWorker = { type: 'run'; urgent: boolean } | { type: 'urgent' } | { type: 'stop' };
type RunTotals = BatchOutcome & { batches: number };
type FromWorker = ({ type: 'done' } & RunTotals) | { type: 'failed'; message: string; code?: string };

export class SearchIndexer {
  private worker: Worker | undefined;
  private exited: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Owed results may have come after the running batch counted them. */
  private again = false;
  private stopped = false;
  /** The worker thread failed on its own (it could not load better-sqlite3, say): runs go on the store's connection from then on. */
  private workerBroken = false;
  private readonly waiters: Array<() => void> = [];
  private readonly inline: boolean;
  private readonly delayMs: number;
  /** A database without the index (one made before it, or whose index was dropped) owes it nothing. */
  private readonly enabled: boolean;
  /** What the indexer did since it started: results indexed, batches, how long its batches held the write lock (ms), and the engine's waits for them. */
  readonly stats = { indexed: 0, batches: 0, heldMs: 0, gateWaits: 0, gateMs: 0, asyncWaits: 0 };
  /**
   * 1 while the worker's batch holds the write lock. The store's
   * transactions wait on it (Atomics.wait, woken by the batch's commit)
   * instead of meeting the lock in SQLite's busy handler, whose sleeps of 1,
   * 2, 5, 10 ms... overshoot the batch's end by as much again under load.
   */
  private readonly holding = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly o: SearchIndexerOptions) {
    this.inline = o.inline ?? (o.dbPath === ':memory:' || o.dbPath === '');
    this.delayMs = o.delayMs ?? 200;
    this.enabled = o.store.hasSearchIndex;
  }

  /** Results were stored: a run starts after `delayMs`, so that many go in one batch. */
  nudge(delayMs = this.delayMs): void {
    if (this.stopped || !this.enabled) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.run(this.waiters.length > 0);
    }, delayMs);
  }

  /** Resolves when every result stored so far is indexed (at once: no gathering, no pauses). */
  idle(): Promise<void> {
    if (this.stopped || !this.enabled) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.running) {
        this.again = true;
        this.post({ type: 'urgent' });
      } else this.run(true);
    });
  }

  /** Stops after the batch being written; what is still owed waits in the store for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.post({ type: 'stop' });
    const exited = this.exited;
    if (exited) {
      const late = setTimeout(() => void this.worker?.terminate(), 10_000);
      await exited;
      clearTimeout(late);
    }
    this.settle();
  }

  private run(urgent: boolean): void {
    if (this.stopped || this.running) return;
    this.running = true;
    this.again = false;
    if (this.inline || this.workerBroken) {
      void this.runInline().then((r) => this.finished(r));
      return;
    }
    try {
      this.ensureWorker().postMessage({ type: 'run', urgent } satisfies ToWorker);
    } catch (err) {
      this.o.onError(err as Error);
      void this.runInline().then((r) => this.finished(r));
    }
  }

  /** The same batches on the store's connection, the event loop turning between them. */
  private async runInline(): Promise<RunTotals | undefined> {
    const total: RunTotals = { indexed: 0, spooled: 0, left: 0, batches: 0, heldMs: 0 };
    let limit = FIRST_BATCH;
    try {
      for (;;) {
        const r = runIndexBatch(this.o.store.db, INDEX_BATCH_SQL, limit);
        // Sized as the worker's, by how long the batch held the lock: the engine's thread turns between them.
        limit = nextBatchSize(limit, r.heldMs, TARGET_MS, MIN_BATCH, MAX_BATCH);
        total.heldMs += r.heldMs;
        total.batches++;
        total.indexed += r.indexed;
        total.spooled += r.spooled;
        total.left = r.left;
        if (r.left === 0 || r.indexed === 0 || this.stopped) return total;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.o.onError(new Error(`Full-text indexing: ${(err as Error).message}`));
      return undefined;
    }
  }

  /** A run ended: what it leaves owed, and who waited for it. */
  private finished(r: RunTotals | undefined): void {
    this.running = false;
    if (r) {
      this.stats.indexed += r.indexed;
      this.stats.batches += r.batches;
      this.stats.heldMs += r.heldMs;
    }
    if (r?.spooled) this.o.onSpooled();
    if (this.stopped) return this.settle();
    if (!r) {
      // Failed: whoever waits is not kept waiting (the rest is indexed at the next start, or a search).
      this.settle();
      return this.nudge(RETRY_MS);
    }
    if (this.again || r.left > 0) {
      if (this.waiters.length) this.run(true);
      else this.nudge();
      return;
    }
    this.settle();
  }

  private settle(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** While the worker's batch holds the write lock: a promise of its commit (at most GATE_WAIT_MS); undefined when it does not. */
  private batchCommitted(): Promise<void> | undefined {
    if (Atomics.load(this.holding, 0) !== 1) return undefined;
    const w = waitAsync(this.holding, 0, 1, GATE_WAIT_MS);
    if (!w.async) return undefined;
    this.stats.asyncWaits++;
    return w.value.then(() => undefined);
  }

  /** Before a store transaction: while the worker's batch holds the write lock, wait for its commit (at most GATE_WAIT_MS). */
  private waitForBatch(): void {
    if (Atomics.load(this.holding, 0) !== 1) return;
    const t0 = performance.now();
    Atomics.wait(this.holding, 0, 1, GATE_WAIT_MS);
    this.stats.gateWaits++;
    this.stats.gateMs += performance.now() - t0;
  }

  private post(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        from: requireBase(this.o.moduleUrl ?? import.meta.url),
        dbPath: this.o.dbPath,
        sql: INDEX_BATCH_SQL,
        holding: this.holding,
        targetMs: TARGET_MS,
        first: FIRST_BATCH,
        min: MIN_BATCH,
        max: MAX_BATCH,
        checkpointPages: this.o.checkpointPages ?? 10_000,
      },
    });
    // The worker must not keep a CLI alive once everything else is done.
    worker.unref();
    // Where this thread may not block (Atomics.wait refused), the store's transactions meet the lock in SQLite's busy handler as before.
    if (threadCanWait())
      this.o.store.setWriteGate(
        () => this.waitForBatch(),
        () => this.batchCommitted(),
      );
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'done') return this.finished(m);
      this.o.onError(new Error(`Full-text indexing: ${m.message}`));
      // Someone waits for the index (drained(), `quarry extract` about to exit): one more try on the store's connection first.
      if (this.waiters.length && !this.stopped) void this.runInline().then((r) => this.finished(r));
      else this.finished(undefined);
    });
    worker.on('error', (err) => {
      // Said once: every later run is indexed on the store's connection, not by a new worker failing the same way.
      this.workerBroken = true;
      this.o.onError(new Error(`Full-text indexer: ${err.message} (indexing on the main connection instead)`));
    });
    this.exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        this.worker = undefined;
        this.exited = undefined;
        // A worker gone in a batch leaves no flag up for the engine to wait on (a round waiting on it goes now).
        this.o.store.setWriteGate(undefined);
        Atomics.store(this.holding, 0, 0);
        Atomics.notify(this.holding, 0);
        resolve();
        // Gone in the middle of a run (it failed): the rest is indexed here rather than never.
        if (this.running && !this.stopped) void this.runInline().then((r) => this.finished(r));
      }),
    );
    this.worker = worker;
    return worker;
  }
}

/** Atomics.waitAsync (Node 16+; TypeScript's ES2023 library does not declare it). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync.bind(Atomics);

/**
 * Whether this thread may block in Atomics.wait: Node's threads may, a
 * thread of an embedder that forbids it (a browser's main thread) may not.
 * Asked with a value the slot does not hold, so it answers at once.
 */
function threadCanWait(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path the worker resolves better-sqlite3 from: the calling module's,
 * or in a packaged app (the bundle inside resources/app.asar) the same path
 * under app.asar.unpacked. A worker thread cannot count on reading the
 * archive, so electron-builder.yml unpacks better-sqlite3 and what it
 * requires (test/integration/packaged-layout.test.ts runs the indexer from
 * such a copy).
 */
export function requireBase(moduleUrl: string): string {
  const file = moduleUrl.startsWith('file:') ? fileURLToPath(moduleUrl) : moduleUrl;
  const parts = file.split(path.sep);
  const asar = parts.lastIndexOf('app.asar');
  if (asar < 0 || asar === parts.length - 1) return file;
  parts[asar] = 'app.asar.unpacked';
  return parts.join(path.sep);
}

/**
 * The worker thread: its own connection to the database, the batch
 * statements prepared once, runs on request. CommonJS evaluated from a
 * string (the same in the bundles and under test, no file of its own to
 * ship); better-sqlite3 is required from where the calling module lives
 * (`requireBase`). Should that fail, the worker ends with an error and the
 * indexer indexes on the store's connection instead.
 */
function workerMain(
  load: (id: string) => unknown,
  batch: typeof runIndexBatch,
  dropFailed: (db: Database, seq: number | undefined) => string | undefined,
  rowError: (code: string | undefined) => boolean,
): void {
  const { parentPort, workerData } = load('node:worker_threads') as typeof import('node:worker_threads');
  const { createRequire } = load('node:module') as typeof import('node:module');
  const Database = createRequire(workerData.from as string)('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(workerData.dbPath as string, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -16384');
  // As the engine's own connection (database.ts), a checkpoint past 10,000 pages (40 MB), not SQLite's 1,000;
  // but run here after a batch has lowered its flag (checkpointAfter), not by SQLite inside the commit: the
  // lock is free by then, and the engine's writes must not wait on the flag through a 100 ms checkpoint.
  db.pragma('wal_autocheckpoint = 0');
  const { closeSync, openSync, readSync } = load('node:fs') as typeof import('node:fs');
  const littleEndian = (load('node:os') as typeof import('node:os')).endianness() === 'LE';
  // The WAL's pages not yet checkpointed, read from the wal-index (the -shm file, sqlite.org/walformat.html):
  // mxFrame (offset 16) less nBackfill (offset 96), native byte order. Not the WAL file's size, which stays
  // at its largest after a checkpoint (SQLite writes it again from its start): past 40 MB once, every batch
  // checkpointed, with an fsync each. A torn read only moves a checkpoint by a batch.
  const header = Buffer.alloc(100);
  let shm: number | undefined;
  const uncheckpointed = (): number => {
    shm ??= openSync((workerData.dbPath as string) + '-shm', 'r');
    readSync(shm, header, 0, header.length, 0);
    const at = (offset: number) => (littleEndian ? header.readUInt32LE(offset) : header.readUInt32BE(offset));
    return at(16) - at(96);
  };
  const checkpointAfter = (): void => {
    if (uncheckpointed() >= (workerData.checkpointPages as number)) db.pragma('wal_checkpoint(PASSIVE)');
  };
  db.pragma('temp_store = MEMORY');
  // As the engine's: the WAL file is cut back to 64 MB after a checkpoint.
  db.pragma('journal_size_limit = 67108864');
  const sql = workerData.sql as typeof INDEX_BATCH_SQL;
  let limit = workerData.first as number;
  let urgent = false;
  let stopping = false;
  let running = false;
  const port = parentPort!;
  const quit = () => {
    if (shm !== undefined) closeSync(shm);
    db.close();
    port.close();
  };
  const run = (total: RunTotals): void => {
    if (stopping) {
      port.postMessage({ type: 'done', ...total });
      return quit();
    }
    let r;
    try {
      r = batch(db, sql, limit, workerData.holding as Int32Array);
    } catch (err) {
      const e = err as Error & { code?: string };
      // A batch that fails for what one result holds fails one at a time; then that very one is given up (and said).
      const perRow = rowError(e.code);
      if (perRow && limit > 1) {
        limit = 1;
        return void setImmediate(() => run(total));
      }
      const dropped = perRow ? dropFailed(db, (e as { jobSeq?: number }).jobSeq) : undefined;
      limit = workerData.first as number;
      running = false;
      const message = dropped ? `job ${dropped} cannot be indexed and stays unsearchable: ${e.message}` : e.message;
      return void port.postMessage({ type: 'failed', message, code: e.code });
    }
    try {
      checkpointAfter();
    } catch {
      // A checkpoint that could not run now (the engine's own, say) is done by the next one.
    }
    // Sized by how long the batch held the lock (a wait for it says nothing of the batch): about targetMs.
    const ms = r.heldMs;
    total.batches++;
    total.heldMs += ms;
    const ratio = Math.min(2, Math.max(0.5, (workerData.targetMs as number) / Math.max(ms, 0.5)));
    limit = Math.max(workerData.min as number, Math.min(workerData.max as number, Math.round(limit * ratio)));
    total.indexed += r.indexed;
    total.spooled += r.spooled;
    total.left = r.left;
    if (r.left === 0 || r.indexed === 0) {
      running = false;
      port.postMessage({ type: 'done', ...total });
      return;
    }
    // The engine's writes come in between (unless someone waits for the index).
    setTimeout(() => run(total), urgent ? 0 : Math.max(2, ms));
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') {
      stopping = true;
      if (!running) quit();
    } else if (m.type === 'urgent') urgent = true;
    else if (!running) {
      running = true;
      urgent = m.urgent;
      run({ indexed: 0, spooled: 0, left: 0, batches: 0, heldMs: 0 });
    }
  });
}

/**
 * The owed result that failed alone (a batch of one, `seq` from the error):
 * its record goes, so that the rest is not held up; it stays unsearchable
 * and is named (its job's id) in the error said. Only that exact record:
 * what is owed is never recomputed after the failure.
 */
function dropFailed(db: Database, seq: number | undefined): string | undefined {
  if (seq === undefined) return undefined;
  try {
    const id = db.prepare('SELECT id FROM jobs WHERE seq = ?').pluck().get(seq) as string | undefined;
    db.prepare('DELETE FROM results_fts_pending WHERE job_seq = ? AND part = 0').run(seq);
    return id ?? `#${seq}`;
  } catch {
    return undefined; // The next run tries again.
  }
}

/**
 * An error that comes from what one result holds (a constraint, a value too
 * big or of the wrong type, SQL that fails on it), as opposed to one of the
 * database (full, I/O, memory, busy, locked), which another try may not meet.
 */
export function rowError(code: string | undefined): boolean {
  if (!code) return false;
  return code === 'SQLITE_ERROR' || code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH' || code.startsWith('SQLITE_CONSTRAINT');
}

// Every function passed whole (parameters, not names: a bundler may rename what the module calls them).
const WORKER_SOURCE = `(${workerMain.toString()})(require, ${runIndexBatch.toString()}, ${dropFailed.toString()}, ${rowError.toString()});`;
