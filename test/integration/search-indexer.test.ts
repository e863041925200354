// The background indexer (main/core/search-indexer.ts): completions only
// record their results as owed; a worker thread with its own connection
// writes them into the full-text index. Real SQLite files, a real worker
// thread, the real engine with its real extraction host.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../main/core/engine.js';
import { requireBase, rowError, SearchIndexer } from '../../main/core/search-indexer.js';
import { JobStore } from '../../main/core/store/job-store.js';
import { BATCH_BYTES, INDEX_BATCH_SQL, runIndexBatch } from '../../main/core/store/search-index.js';
import type { ExtractionResult } from '../../shared/extraction.js';
import { sampleResult } from '../helpers/results.js';
import { OWNER } from '../helpers/store-states.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function openStore(file = tempDbPath(dir)): JobStore {
  const store = JobStore.open(file);
  closers.push(() => store.close());
  return store;
}

function complete(store: JobStore, fileName: string, result: Partial<ExtractionResult>): string {
  const [job] = store.add([{ fileName, sourcePath: `/docs/${fileName}`, priority: 1_000_000 }]);
  const [claimed] = store.claim(1, Date.now(), 60_000, OWNER);
  expect(claimed?.id).toBe(job!.id);
  store.complete(job!.id, sampleResult(result));
  return job!.id;
}

/** The jobs whose rows the index holds for a word, read straight from the index (a search would index what is owed first). */
function indexed(store: JobStore, word: string): string[] {
  return store.db
    .prepare(`SELECT DISTINCT j.id FROM results_fts f JOIN jobs j ON j.seq = f.rowid >> 20 WHERE results_fts MATCH ? ORDER BY j.id`)
    .pluck()
    .all(word) as string[];
}

/** The WAL's frames not yet checkpointed: mxFrame less nBackfill in the wal-index header (sqlite.org/walformat.html). */
function uncheckpointed(dbPath: string): number {
  const header = readFileSync(dbPath + '-shm').subarray(0, 100);
  return header.readUInt32LE(16) - header.readUInt32LE(96);
}

function indexer(store: JobStore, dbPath: string, checkpointPages?: number): SearchIndexer {
  const errors: Error[] = [];
  const ix = new SearchIndexer({ dbPath, store, onSpooled: () => undefined, onError: (e) => errors.push(e), delayMs: 20, checkpointPages });
  closers.push(async () => {
    await ix.stop();
    expect(errors).toEqual([]);
  });
  return ix;
}

describe('the background indexer', () => {
  it('leaves a completion’s result owed, then indexes it on a worker thread with a connection of its own', async () => {
    const dbPath = tempDbPath(dir);
    const writer = openStore(dbPath);
    const ids = Array.from({ length: 300 }, (_, i) =>
      complete(writer, `f${i}.txt`, { text: `tok${i}x shared`, pages: i % 2 ? [{ number: 3, text: `pagetok${i}x shared` }] : undefined }),
    );
    expect(writer.pendingResults()).toBe(300);
    expect(indexed(writer, 'shared')).toEqual([]);
    // The store it is given can only read: the rows can only come from the worker's own connection.
    const reader = JobStore.open(dbPath, { readonly: true });
    closers.push(() => reader.close());
    await indexer(reader, dbPath).idle();
    expect(writer.pendingResults()).toBe(0);
    expect(indexed(writer, 'shared')).toEqual([...ids].sort());
    expect(indexed(writer, 'tok8x')).toEqual([ids[8]]);
    expect(indexed(writer, 'pagetok7x')).toEqual([ids[7]]);
    // A result with pages is indexed page by page (the page keeps its number), its file row by name and path only.
    expect(indexed(writer, 'tok7x')).toEqual([]);
    expect(writer.search({ query: 'pagetok7x' }).hits[0]).toMatchObject({ jobId: ids[7], page: 3 });
    expect(writer.search({ query: 'f7' }).hits.map((h) => h.page)).toEqual([null]);
  });

  it('checkpoints the WAL its batches grow, after a batch has let go of the lock (not inside its commit, with the flag up)', async () => {
    const dbPath = tempDbPath(dir);
    const writer = openStore(dbPath);
    // Words of their own: the index grows by their number (it keeps no copy of the text itself).
    for (let i = 0; i < 400; i++) complete(writer, `c${i}.txt`, { text: Array.from({ length: 200 }, (_, k) => `word${i}x${k}`).join(' ') });
    // Everything so far is in the file; from here on only a checkpoint moves pages into it.
    writer.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = statSync(dbPath).size;
    await indexer(writer, dbPath, 50).idle();
    expect(writer.pendingResults()).toBe(0);
    // The index's pages reached the database file: the worker checkpointed (the store's own connection, at
    // 10,000 pages, never would for these few hundred).
    expect(statSync(dbPath).size).toBeGreaterThan(before);
    expect(uncheckpointed(dbPath)).toBeLessThan(50);

    // A batch of a few pages does not checkpoint, though the WAL file stays as large as it grew (SQLite
    // writes it again from its start): the worker counts the pages not yet checkpointed, not the file's bytes.
    expect(statSync(dbPath + '-wal').size).toBeGreaterThan(50 * 4096);
    writer.db.pragma('wal_checkpoint(PASSIVE)');
    complete(writer, 'one-more.txt', { text: 'a last few words' });
    await indexer(writer, dbPath, 50).idle();
    expect(writer.pendingResults()).toBe(0);
    expect(uncheckpointed(dbPath)).toBeGreaterThan(0);
  });

  it('catches up with completions as they come (nudged), without anyone waiting', async () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    const ix = indexer(store, dbPath);
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) ids.push(complete(store, `r${round}-${i}.txt`, { text: `round${round} common` }));
      ix.nudge();
      await new Promise((r) => setTimeout(r, 5));
    }
    await expect.poll(() => store.pendingResults(), { timeout: 10_000 }).toBe(0);
    expect(indexed(store, 'common')).toEqual([...ids].sort());
  });

  it('writes nothing for a job deleted or re-run before it was indexed', async () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    const gone = complete(store, 'gone.txt', { text: 'vanishedword' });
    const rerun = complete(store, 'again.txt', { text: 'staleword' });
    const kept = complete(store, 'kept.txt', { text: 'keptword' });
    store.delete(gone);
    store.rerun(rerun);
    const [claimed] = store.claim(1, Date.now(), 60_000, OWNER);
    store.complete(claimed!.id, sampleResult({ text: 'freshword' }));
    expect(store.pendingResults()).toBe(2);
    await indexer(store, dbPath).idle();
    expect(indexed(store, 'vanishedword')).toEqual([]);
    expect(indexed(store, 'staleword')).toEqual([]);
    expect(indexed(store, 'freshword')).toEqual([rerun]);
    expect(indexed(store, 'keptword')).toEqual([kept]);
    const seqs = store.db.prepare('SELECT DISTINCT rowid >> 20 FROM results_fts').pluck().all();
    expect(seqs.sort()).toEqual([store.get(rerun)!.seq, store.get(kept)!.seq].sort());
    expect(store.pendingResults()).toBe(0);
  });

  it('a search indexes what is owed when it is little, and says how much is left otherwise', () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    const id = complete(store, 'late.txt', { text: 'justfinished' });
    expect(store.search({ query: 'justfinished' })).toEqual(expect.objectContaining({ total: 1, hits: [expect.objectContaining({ jobId: id })] }));
    expect(store.search({ query: 'justfinished' }).indexing).toBeUndefined();
    complete(store, 'later.txt', { text: 'justfinished too' });
    // A connection that cannot write cannot index: it answers with what is indexed, and says what is not.
    const reader = JobStore.open(dbPath, { readonly: true });
    closers.push(() => reader.close());
    expect(reader.search({ query: 'justfinished' })).toMatchObject({ total: 1, indexing: 1 });
    expect(store.search({ query: 'justfinished' })).toMatchObject({ total: 2 });
  });
});

describe('the engine’s thread and the worker’s batches', () => {
  it('a batch raises the flag once it holds the write lock and lowers it after, committed or failed', () => {
    const store = openStore();
    for (let i = 0; i < 5; i++) complete(store, `h${i}.txt`, { text: 'flagword' });
    const holding = new Int32Array(new SharedArrayBuffer(4));
    // What the flag said inside the batch's transaction, read by SQL the batch runs.
    store.db.function('flag', () => Atomics.load(holding, 0));
    const sql = { ...INDEX_BATCH_SQL, left: `SELECT count(*) + 1000 * flag() FROM results_fts_pending WHERE part = 0` };
    expect(runIndexBatch(store.db, sql, 2, holding)).toMatchObject({ indexed: 2, left: 1003 });
    expect(Atomics.load(holding, 0)).toBe(0);
    const broken = { ...sql, done: 'DELETE FROM no_such_table' };
    expect(() => runIndexBatch(store.db, broken, 2, holding)).toThrow(/no_such_table/);
    expect(Atomics.load(holding, 0)).toBe(0);
    // The failed batch left nothing: three still owed, then indexed.
    expect(store.pendingResults()).toBe(3);
    expect(runIndexBatch(store.db, sql, 10, holding)).toMatchObject({ indexed: 3, left: 1000 });
    expect(store.pendingResults()).toBe(0);
  });

  it('the store asks the gate before each transaction takes the lock (not before a nested one), and writes on', () => {
    const store = openStore();
    let asked = 0;
    store.setWriteGate(() => asked++);
    const id = complete(store, 'g.txt', { text: 'gateword' });
    // add, claim, complete: three transactions (their nested steps ask nothing more).
    expect(asked).toBe(3);
    store.setWriteGate(undefined);
    store.delete(id);
    expect(asked).toBe(3);
  });

  it('a store transaction begun while a batch holds the lock waits for the batch’s commit, not in SQLite’s busy handler', async () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    // One batch long enough to be caught holding the lock: 60 texts of 360 KB.
    const big = 'lorem ipsum dolor '.repeat(20_000);
    for (let i = 0; i < 60; i++) complete(store, `big${i}.txt`, { text: `${big} bigword${i}` });
    const ix = indexer(store, dbPath);
    const holding = (ix as unknown as { holding: Int32Array }).holding;
    // Without the wait on the flag, a transaction meeting the lock would now fail at once (SQLITE_BUSY).
    store.db.pragma('busy_timeout = 0');
    ix.nudge(0);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const until = Date.now() + 20_000;
    while (Atomics.load(holding, 0) !== 1 && Date.now() < until) {
      // The worker's thread runs on while this one spins.
    }
    expect(Atomics.load(holding, 0)).toBe(1);
    const [job] = store.add([{ fileName: 'during.txt', sourcePath: '/docs/during.txt', priority: 1 }]);
    expect(store.get(job!.id)?.status).toBe('pending');
    expect(ix.stats.gateWaits).toBe(1);
    store.db.pragma('busy_timeout = 5000');
    await ix.idle();
    expect(indexed(store, 'bigword7')).toHaveLength(1);
  });

  it('while the worker indexes, the engine’s writes go on and every result ends up indexed', async () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    const ix = indexer(store, dbPath);
    const ids: string[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 25; i++) ids.push(complete(store, `c${round}-${i}.txt`, { text: `concurrentword r${round}i${i}x` }));
      ix.nudge(0);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await ix.idle();
    expect(indexed(store, 'concurrentword')).toEqual([...ids].sort());
    expect(ix.stats.batches).toBeGreaterThan(0);
  });
});

describe('a batch’s cost follows the batch, not the database', () => {
  it('walks the owed records and looks each result and job up by key: it never ranges over stored results or jobs', () => {
    const store = openStore();
    for (const [name, sql] of Object.entries(INDEX_BATCH_SQL)) {
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ upTo: 1, limit: 1 }) as Array<{ detail: string }>).map((r) => r.detail);
      // Results and jobs only ever by their key (rowid=?), never scanned nor taken by a range (rowid<?).
      for (const step of plan.filter((d) => /\b(results|jobs|r|j)\b/.test(d) && !/results_fts_pending/.test(d)))
        expect(step, `${name}: ${plan.join(' / ')}`).toMatch(/\(rowid=\?\)/);
    }
  });
});

describe('a batch’s size follows its text', () => {
  it('stops before its texts pass BATCH_BYTES, the first one always in: a batch of large texts does not hold the lock for seconds', () => {
    const store = openStore();
    const big = (i: number) => `bigword${i} ${'lorem ipsum '.repeat(Math.ceil((0.3 * BATCH_BYTES) / 12))}`;
    const large = [0, 1, 2, 3].map((i) => complete(store, `large${i}.txt`, { text: big(i) }));
    const small = [0, 1, 2].map((i) => complete(store, `small${i}.txt`, { text: `smallword s${i}` }));
    const huge = complete(store, 'huge.txt', { text: `hugeword ${'dolor sit '.repeat(Math.ceil((2 * BATCH_BYTES) / 10))}` });
    // 0.3 MiB each: three fit in 1 MiB, the fourth would pass it.
    expect(runIndexBatch(store.db, INDEX_BATCH_SQL, 200)).toMatchObject({ indexed: 3, left: 5 });
    expect(indexed(store, 'lorem')).toEqual(large.slice(0, 3).sort());
    // The fourth and the small ones after it fit together; the huge one goes alone, in a batch of its own.
    expect(runIndexBatch(store.db, INDEX_BATCH_SQL, 200)).toMatchObject({ indexed: 4, left: 1 });
    expect(indexed(store, 'smallword')).toEqual([...small].sort());
    expect(runIndexBatch(store.db, INDEX_BATCH_SQL, 200)).toMatchObject({ indexed: 1, left: 0 });
    expect(indexed(store, 'hugeword')).toEqual([huge]);
  });
});

describe('the engine and the index', () => {
  const hostFile = path.resolve(import.meta.dirname, '../../dist/host.cjs');

  it('indexes results left owed by a stop when it starts again, without a search', async () => {
    const dbPath = tempDbPath(dir);
    const store = JobStore.open(dbPath);
    const ids = [complete(store, 'a.txt', { text: 'leftover one' }), complete(store, 'b.txt', { text: 'leftover two' })];
    store.close();
    const engine = new Engine({ dbPath, concurrency: 1, pool: { hostFile } }).start();
    closers.push(() => engine.close());
    // Nobody waits or searches: the start alone sets the indexer going.
    await expect.poll(() => engine.store.pendingResults(), { timeout: 10_000 }).toBe(0);
    expect(indexed(engine.store, 'leftover')).toEqual([...ids].sort());
  });

  it('is drained only once every extracted file is in the index', async () => {
    const folder = path.join(dir, `files-${Date.now()}`);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < 60; i++) writeFileSync(path.join(folder, `n${i}.txt`), `note number${i}z about quarries\n`);
    const dbPath = tempDbPath(dir);
    const engine = new Engine({ dbPath, concurrency: 2, pool: { hostFile } }).start();
    closers.push(() => engine.close());
    await engine.addPaths([folder]);
    await engine.drained();
    expect(engine.store.pendingResults()).toBe(0);
    expect(indexed(engine.store, 'quarries')).toHaveLength(60);
    expect(indexed(engine.store, 'number17z')).toHaveLength(1);
  });
});

describe('what goes wrong while indexing', () => {
  it('gives up only the result that cannot be indexed, and names its job; the others are indexed', async () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    const ids = Array.from({ length: 30 }, (_, i) => complete(store, `g${i}.txt`, { text: `goodword g${i}w`, pages: [{ number: 1, text: `pageword` }] }));
    // A document SQLite cannot read as JSON: the batch's json_each fails on this result alone.
    const bad = ids[17]!;
    // (Written past the table's CHECK, as a damaged file or an older version could hold it.)
    store.db.pragma('ignore_check_constraints = ON');
    store.db.prepare(`UPDATE results SET document = '{"pages": [' WHERE job_seq = ?`).run(store.get(bad)!.seq);
    store.db.pragma('ignore_check_constraints = OFF');
    const errors: Error[] = [];
    const ix = new SearchIndexer({ dbPath, store, onSpooled: () => undefined, onError: (e) => errors.push(e), delayMs: 20 });
    closers.push(() => ix.stop());
    await ix.idle();
    expect(store.pendingResults()).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(bad);
    expect(indexed(store, 'pageword')).toEqual(ids.filter((id) => id !== bad).sort());
  });

  it('indexes on the store’s connection when its worker thread cannot start, and says so once', async () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    const first = Array.from({ length: 50 }, (_, i) => complete(store, `w${i}.txt`, { text: `fallbackword w${i}w` }));
    const errors: Error[] = [];
    // better-sqlite3 cannot be found from there: the worker thread fails as it loads.
    const nowhere = pathToFileURL(path.join(path.parse(dir).root, 'quarry-nowhere', 'main.cjs')).href;
    const ix = new SearchIndexer({ dbPath, store, onSpooled: () => undefined, onError: (e) => errors.push(e), delayMs: 20, moduleUrl: nowhere });
    closers.push(() => ix.stop());
    await ix.idle();
    expect(store.pendingResults()).toBe(0);
    expect(indexed(store, 'fallbackword')).toEqual([...first].sort());
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Full-text indexer: .*better-sqlite3.* \(indexing on the main connection instead\)$/s),
    ]);
    // Later results too, with no new worker failing again (and no second error).
    const later = complete(store, 'later.txt', { text: 'fallbackword later' });
    ix.nudge();
    await expect.poll(() => store.pendingResults(), { timeout: 10_000 }).toBe(0);
    expect(indexed(store, 'fallbackword')).toContain(later);
    expect(errors).toHaveLength(1);
  });

  it('resolves better-sqlite3 from app.asar.unpacked when the bundle sits in a packaged app’s archive', () => {
    const sep = path.sep;
    const app = ['', 'opt', 'Quarry', 'resources'].join(sep);
    expect(requireBase(pathToFileURL(`${app}${sep}app.asar${sep}dist${sep}main${sep}main.cjs`).href)).toBe(
      `${app}${sep}app.asar.unpacked${sep}dist${sep}main${sep}main.cjs`,
    );
    // Outside an archive (development, tests, the CLI from a checkout): the module's own path.
    const dev = ['', 'src', 'quarry', 'dist', 'cli.cjs'].join(sep);
    expect(requireBase(pathToFileURL(dev).href)).toBe(dev);
    // A folder merely named like one (app.asar.old), or a file called app.asar: not the archive.
    expect(requireBase(`${app}${sep}app.asar.old${sep}main.cjs`)).toBe(`${app}${sep}app.asar.old${sep}main.cjs`);
    expect(requireBase(`${app}${sep}app.asar`)).toBe(`${app}${sep}app.asar`);
  });

  it('tells errors of one result (given up) from errors of the database (tried again)', () => {
    for (const code of ['SQLITE_ERROR', 'SQLITE_TOOBIG', 'SQLITE_MISMATCH', 'SQLITE_CONSTRAINT_UNIQUE']) expect(rowError(code), code).toBe(true);
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_BUSY_RECOVERY',
      'SQLITE_BUSY_TIMEOUT',
      'SQLITE_FULL',
      'SQLITE_IOERR_WRITE',
      'SQLITE_NOMEM',
      'SQLITE_LOCKED',
      undefined,
    ])
      expect(rowError(code), String(code)).toBe(false);
  });

  it('a search indexes owed results for a limited time only, then answers and says how many it could not look in', () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    for (let i = 0; i < 400; i++) complete(store, `b${i}.txt`, { text: 'backlogword' });
    // No time at all: one small batch, the rest still owed and said.
    const quick = store.search({ query: 'backlogword' }, 0);
    expect(quick.indexing).toBeGreaterThan(0);
    expect(quick.total + quick.indexing!).toBe(400);
    expect(store.search({ query: 'backlogword' }, 60_000)).toMatchObject({ total: 400 });
    expect(store.pendingResults()).toBe(0);
  });

  it('an export that selects by a search is no error when the write lock stays taken: it says what it could not look in', () => {
    const dbPath = tempDbPath(dir);
    const store = openStore(dbPath);
    for (let i = 0; i < 5; i++) complete(store, `e${i}.txt`, { text: 'exportword' });
    const other = JobStore.open(dbPath);
    closers.push(() => other.close());
    store.db.pragma('busy_timeout = 20');
    other.db.exec('BEGIN IMMEDIATE');
    try {
      expect(store.indexBeforeSearch({ query: 'exportword' })).toBe(5);
      expect(store.countExportRows({ query: 'exportword' })).toBe(0);
    } finally {
      other.db.exec('COMMIT');
    }
    expect(store.indexBeforeSearch({ query: 'exportword' })).toBe(0);
    expect(store.countExportRows({ query: 'exportword' })).toBe(5);
  });
});
