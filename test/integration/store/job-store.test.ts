import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { JobStore, JobNotFoundError } from '../../../main/core/store/job-store.js';
import { openDatabase, schemaVersion, SchemaTooNewError } from '../../../main/core/store/database.js';
import { MIGRATIONS } from '../../../main/core/store/migrations/index.js';
import { can, InvalidTransitionError, RULES, type JobAction } from '../../../main/core/state-machine.js';
import { allowedPairs } from '../../helpers/rules.js';
import { JOB_STATUSES, type Job } from '../../../shared/job.js';
import type { ExtractionResult } from '../../../shared/extraction.js';
import { tempDbPath, tempDir } from '../../helpers/tmp.js';
import { sampleResult } from '../../helpers/results.js';
import { jobIn, OWNER } from '../../helpers/store-states.js';

const dir = tempDir();
let store: JobStore;
let file: string;

beforeEach(() => {
  file = tempDbPath(dir);
  store = JobStore.open(file);
});
afterEach(() => store.close());

/** The columns migration 7 adds: the test of migration 3 builds a version 2 file with today's statements. */
const RAN_BY_COLUMNS = ['jobs', 'job_events'].map((t) => `ALTER TABLE ${t} ADD COLUMN ran_by TEXT; ALTER TABLE ${t} ADD COLUMN ran_extractor TEXT;`).join(' ');
/** The table the store's inserts write since version 11 (its trigger is not there: the counts of such a file are not read). */
const COUNTED_BY_STORE =
  `CREATE TABLE jobs_counted_by_store (id INTEGER PRIMARY KEY, upto INTEGER NOT NULL DEFAULT 0); INSERT INTO jobs_counted_by_store VALUES (1, 0);` +
  // And the completions' since version 12 (its triggers are not there either).
  `CREATE TABLE jobs_settled_by_store (id INTEGER PRIMARY KEY, active INTEGER NOT NULL DEFAULT 0); INSERT INTO jobs_settled_by_store VALUES (1, 0);`;

describe('migrations', () => {
  it('creates the schema in an empty file, in WAL mode with foreign keys on', () => {
    expect(schemaVersion(store.db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['jobs', 'job_events', 'results', 'schema_migrations']));
  });

  it('is idempotent: reopening applies nothing twice and keeps the data', () => {
    store.add([{ fileName: 'a.txt' }]);
    store.close();
    store = JobStore.open(file);
    expect(store.list()).toHaveLength(1);
    expect(store.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
  });

  it.each(MIGRATIONS.map((m) => m.version - 1))('upgrades a file at version %i to the latest, keeping its jobs', (from) => {
    const f = tempDbPath(dir);
    const old = openDatabase(f, MIGRATIONS.slice(0, from));
    expect(schemaVersion(old)).toBe(from);
    const hasJobs = old.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'jobs'`).get();
    if (hasJobs) old.prepare(`INSERT INTO jobs (id, file_name) VALUES ('00000000-0000-4000-8000-000000000001', 'old.txt')`).run();
    old.close();
    const s = JobStore.open(f);
    expect(schemaVersion(s.db)).toBe(MIGRATIONS.at(-1)!.version);
    if (hasJobs) expect(s.get('00000000-0000-4000-8000-000000000001')?.fileName).toBe('old.txt');
    s.close();
  });

  it('migration 3 keeps every job history written under version 2, now partly read from the rows', () => {
    const f = tempDbPath(dir);
    // Version 2 wrote every transition to job_events; the store's statements run on it, given the
    // columns they read and set since version 7 (dropped again before the upgrade below).
    const v2 = openDatabase(f, MIGRATIONS.slice(0, 2));
    v2.exec(RAN_BY_COLUMNS + COUNTED_BY_STORE);
    const old = new JobStore(v2);
    const now = Date.now();
    const ids = {
      pending: old.add([{ fileName: 'p' }])[0]!.id,
      running: jobIn(old, 'running', now).id,
      completed: jobIn(old, 'completed', now).id,
      partial: jobIn(old, 'partial', now).id,
      failed: jobIn(old, 'failed', now).id,
      cancelled: jobIn(old, 'cancelled', now).id,
      retried: jobIn(old, 'running', now).id,
      rerun: jobIn(old, 'completed', now).id,
    };
    old.retryLater(ids.retried, { code: 'timeout', message: 'slow' }, now);
    jobIn(old, 'pending'); // (another job, so the claims below take the right ones by priority)
    old.setPriority(ids.retried, 2_000_000);
    old.claim(1, now, 60_000, OWNER);
    old.complete(ids.retried, sampleResult());
    old.rerun(ids.rerun);
    const steps = (rows: Array<{ from_status?: string | null; fromStatus?: string | null; to_status?: string; toStatus?: string; attempt: number }>) =>
      rows.map((r) => [r.from_status ?? r.fromStatus ?? null, r.to_status ?? r.toStatus, r.attempt]);
    const before = Object.fromEntries(
      Object.entries(ids).map(([k, id]) => [
        k,
        steps(old.db.prepare('SELECT e.* FROM job_events e JOIN jobs j ON j.seq = e.job_seq WHERE j.id = ? ORDER BY e.id').all(id) as never),
      ]),
    );
    old.db.exec(RAN_BY_COLUMNS.replace(/ADD COLUMN (\w+) TEXT/g, 'DROP COLUMN $1') + 'DROP TABLE jobs_counted_by_store; DROP TABLE jobs_settled_by_store;');
    old.close();
    const s = JobStore.open(f);
    try {
      expect(schemaVersion(s.db)).toBe(MIGRATIONS.at(-1)!.version);
      for (const [k, id] of Object.entries(ids)) expect([k, steps(s.events(id) as never)]).toEqual([k, before[k]]);
      // What the rows say is gone from the table: of the completed job, nothing is left.
      expect(s.db.prepare('SELECT count(*) FROM job_events e JOIN jobs j ON j.seq = e.job_seq WHERE j.id = ?').pluck().get(ids.completed)).toBe(0);
    } finally {
      s.close();
    }
  });

  it('refuses a file written by a newer Quarry with a clear error', () => {
    store.db.prepare('INSERT INTO schema_migrations VALUES (999, ?, ?)').run('future', Date.now());
    store.close();
    expect(() => JobStore.open(file)).toThrow(SchemaTooNewError);
    expect(() => JobStore.open(file)).toThrow(/schema version 999.*newer Quarry/);
    store = JobStore.open(tempDbPath(dir));
  });
});

describe('constraints', () => {
  it('keeps processed = successful + failed', () => {
    const [job] = store.add([{ fileName: 'x' }]);
    expect(() => store.db.prepare('UPDATE jobs SET processed = 5, successful = 1, failed = 1 WHERE id = ?').run(job!.id)).toThrow(/CHECK/);
  });

  it('rejects an unknown status, a negative counter and invalid JSON options', () => {
    const [job] = store.add([{ fileName: 'x' }]);
    expect(() => store.db.prepare(`UPDATE jobs SET status = 'exploded' WHERE id = ?`).run(job!.id)).toThrow();
    expect(() => store.db.prepare('UPDATE jobs SET total = -1 WHERE id = ?').run(job!.id)).toThrow(/CHECK/);
    expect(() => store.db.prepare(`UPDATE jobs SET options = 'nope' WHERE id = ?`).run(job!.id)).toThrow(/CHECK/);
  });

  it('keeps timestamps ordered: a start before creation is refused', () => {
    const job = jobIn(store, 'running');
    expect(() => store.db.prepare('UPDATE jobs SET started_at = created_at - 1000 WHERE id = ?').run(job.id)).toThrow(/CHECK/);
  });

  it('a running job always has a lease and no other job has one', () => {
    const [job] = store.add([{ fileName: 'x' }]);
    expect(() => store.db.prepare('UPDATE jobs SET lease_expires_at = 1 WHERE id = ?').run(job!.id)).toThrow(/CHECK/);
  });

  it('cascades a deleted job to its events and result', () => {
    const job = jobIn(store, 'completed');
    expect(store.result(job.id)?.text).toBe('hello world');
    store.delete(job.id);
    expect(store.db.prepare('SELECT count(*) FROM job_events WHERE job_seq = ?').pluck().get(job.seq)).toBe(0);
    expect(store.db.prepare('SELECT count(*) FROM results WHERE job_seq = ?').pluck().get(job.seq)).toBe(0);
  });
});

describe('state machine', () => {
  const perform: Record<Exclude<JobAction, 'claim' | 'complete' | 'fail' | 'retryLater' | 'recover'>, (s: JobStore, id: string) => unknown> = {
    cancel: (s, id) => s.cancel(id),
    retry: (s, id) => s.retry(id),
    rerun: (s, id) => s.rerun(id),
    delete: (s, id) => s.delete(id),
  };

  for (const status of JOB_STATUSES) {
    for (const [action, run] of Object.entries(perform) as Array<[keyof typeof perform, (s: JobStore, id: string) => unknown]>) {
      const legal = can(action, status);
      it(`${action} on a ${status} job is ${legal ? 'allowed' : 'refused'}`, () => {
        const job = jobIn(store, status);
        if (legal) {
          run(store, job.id);
          if (action === 'delete') expect(store.get(job.id)).toBeUndefined();
          else expect(store.get(job.id)!.status).toBe(RULES[action].to[0]);
        } else {
          expect(() => run(store, job.id)).toThrow(InvalidTransitionError);
          expect(() => run(store, job.id)).toThrow(new RegExp(`it is ${status}`));
          expect(store.get(job.id)!.status).toBe(status);
        }
      });
    }
  }

  it('the scheduler operations refuse jobs in the wrong state', () => {
    const done = jobIn(store, 'completed');
    expect(() => store.complete(done.id, sampleResult())).toThrow(InvalidTransitionError);
    expect(() => store.retryLater(done.id, { code: 'timeout', message: 't' }, 0)).toThrow(/it is completed/);
    expect(() => store.fail(done.id, { code: 'timeout', message: 't' })).toThrow(/it is completed/);
    const pending = jobIn(store, 'pending');
    expect(() => store.complete(pending.id, sampleResult())).toThrow(/only running jobs can complete/);
  });

  it('the database guard holds exactly the pairs the state machine allows', () => {
    const inDb = store.db.prepare("SELECT from_status || '->' || to_status FROM job_transitions").pluck().all().sort();
    const inCode = [...new Set(allowedPairs().map(([a, b]) => `${a}->${b}`))].sort();
    expect(inDb).toEqual(inCode);
  });

  it('the guard trigger refuses an illegal raw update', () => {
    const job = jobIn(store, 'completed');
    expect(() => store.db.prepare(`UPDATE jobs SET status = 'running', lease_expires_at = 1 WHERE id = ?`).run(job.id)).toThrow(
      /illegal job status transition/,
    );
    const pending = jobIn(store, 'pending');
    expect(() => store.db.prepare('DELETE FROM jobs WHERE id = ?').run(pending.id)).toThrow(/only terminal jobs/);
  });
});

describe('timing and events', () => {
  it('the database sets started, completed and updated times in order', () => {
    const [job] = store.add([{ fileName: 't.txt' }]);
    expect(job!.startedAt).toBeNull();
    const [running] = store.claim(1, Date.now(), 60_000, OWNER);
    expect(running!.startedAt).toBeGreaterThanOrEqual(job!.createdAt);
    expect(running!.completedAt).toBeNull();
    const done = store.complete(job!.id, sampleResult());
    expect(done.completedAt).toBeGreaterThanOrEqual(done.startedAt!);
    expect(done.updatedAt).toBeGreaterThanOrEqual(running!.updatedAt);
    const retried = store.retry(store.fail(jobIn(store, 'running').id, { code: 'corrupt_file', message: 'x' }).id);
    expect(retried.completedAt).toBeNull();
  });

  it('records every transition and attempt with its error', () => {
    const [job] = store.add([{ fileName: 'e.txt', maxRetries: 2 }]);
    const id = job!.id;
    store.claim(1, 0, 60_000, OWNER);
    store.retryLater(id, { code: 'timeout', message: 'took too long' }, 0);
    store.claim(1, 0, 60_000, OWNER);
    store.fail(id, { code: 'corrupt_file', message: 'bad header' });
    const ev = store.events(id).map((e) => [e.fromStatus, e.toStatus, e.attempt, e.errorCode]);
    expect(ev).toEqual([
      [null, 'pending', 0, null],
      ['pending', 'running', 1, null],
      ['running', 'pending', 1, 'timeout'],
      ['pending', 'running', 2, null],
      ['running', 'failed', 2, 'corrupt_file'],
    ]);
    const failed = store.get(id)!;
    expect(failed.errorCategory).toBe('permanent');
    expect(failed.retryCount).toBe(1);
  });
});

describe('history', () => {
  const steps = (id: string) => store.events(id).map((e) => [e.fromStatus, e.toStatus, e.attempt]);
  const stored = (seq: number) => store.db.prepare('SELECT count(*) FROM job_events WHERE job_seq = ?').pluck().get(seq);

  it('the usual path (created, claimed, completed) is read from the row, with nothing written to job_events', () => {
    const job = jobIn(store, 'completed');
    expect(steps(job.id)).toEqual([
      [null, 'pending', 0],
      ['pending', 'running', 1],
      ['running', 'completed', 1],
    ]);
    const [created, started, completed] = store.events(job.id);
    expect([created!.at, started!.at, completed!.at]).toEqual([job.createdAt, job.startedAt, job.completedAt]);
    expect(store.events(job.id).map((e) => e.id)).toEqual([1, 2, 3]);
    expect(stored(job.seq)).toBe(0);
  });

  it('a rerun keeps the attempt that completed the job, with its times', () => {
    const first = jobIn(store, 'completed');
    store.rerun(first.id);
    store.claim(1, Date.now(), 60_000, OWNER);
    const again = store.complete(first.id, sampleResult());
    expect(steps(first.id)).toEqual([
      [null, 'pending', 0],
      ['pending', 'running', 1],
      ['running', 'completed', 1],
      ['completed', 'pending', 0],
      ['pending', 'running', 1],
      ['running', 'completed', 1],
    ]);
    const ev = store.events(first.id);
    expect([ev[1]!.at, ev[2]!.at]).toEqual([first.startedAt, first.completedAt]);
    expect([ev[4]!.at, ev[5]!.at]).toEqual([again.startedAt, again.completedAt]);
  });

  it('each attempt keeps who ran it and with which extractor, through failures, retries and a rerun (migration 7)', () => {
    const [job] = store.add([{ fileName: 'a.pdf', maxRetries: 3 }]);
    const ran = () => store.events(job!.id).map((e) => [e.fromStatus, e.toStatus, e.attempt, e.ranBy ?? null, e.extractor ?? null]);
    store.claim(1, Date.now(), 60_000, OWNER);
    store.retryLater(job!.id, { code: 'timeout', message: 'slow', ranBy: 'w1@host-a' }, Date.now());
    store.claim(1, Date.now(), 60_000, OWNER);
    // Running: the new attempt does not inherit the last one's worker.
    expect(ran().at(-1)).toEqual(['pending', 'running', 2, null, null]);
    store.complete(job!.id, sampleResult({ extractor: { name: 'pdf', version: '3.1.0' } }), { ranBy: 'local' });
    store.rerun(job!.id);
    store.claim(1, Date.now(), 60_000, OWNER);
    store.fail(job!.id, { code: 'corrupt_file', message: 'bad', ranBy: 'w2' });
    expect(ran()).toEqual([
      [null, 'pending', 0, null, null],
      ['pending', 'running', 1, 'w1@host-a', null],
      ['running', 'pending', 1, 'w1@host-a', null],
      ['pending', 'running', 2, 'local', 'pdf 3.1.0'],
      ['running', 'completed', 2, 'local', 'pdf 3.1.0'],
      ['completed', 'pending', 0, null, null],
      ['pending', 'running', 1, 'w2', null],
      ['running', 'failed', 1, 'w2', null],
    ]);
  });

  it('a history written before migration 7 reads with no worker', () => {
    const job = jobIn(store, 'completed');
    expect(store.events(job.id).map((e) => e.ranBy ?? null)).toEqual([null, null, null]);
  });

  it('a cancel of a running job keeps when its attempt started', () => {
    const running = jobIn(store, 'running');
    store.cancel(running.id);
    const ev = store.events(running.id);
    expect(ev.map((e) => [e.fromStatus, e.toStatus, e.attempt])).toEqual([
      [null, 'pending', 0],
      ['pending', 'running', 1],
      ['running', 'cancelled', 1],
    ]);
    expect(ev[1]!.at).toBe(running.startedAt);
  });
});

describe('counts by status, kind, source and format', () => {
  const counts = (db: Database.Database) => db.prepare(`SELECT status, kind, source, format, n FROM job_counts WHERE n > 0 ORDER BY 1, 2, 3, 4`).all();
  const recount = (db: Database.Database) =>
    db.prepare(`SELECT status, kind, source, coalesce(format, '') AS format, count(*) AS n FROM jobs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`).all();
  const countedByStore = (db: Database.Database) => db.prepare('SELECT upto FROM jobs_counted_by_store').pluck().get();

  it('stay equal to a recount, for large inserts, batches and a direct write by another connection', () => {
    store.add([{ fileName: 'small', source: 'app' }]);
    store.insert(Array.from({ length: 500 }, (_, i) => ({ fileName: `f${i}`, source: i % 2 ? 'watch' : 'cli', format: i % 3 ? undefined : 'csv' })));
    store.addBatch(
      { fileName: 'batch' },
      Array.from({ length: 100 }, (_, i) => ({ fileName: `c${i}` })),
      { source: 'folder' },
    );
    expect(counts(store.db)).toEqual(recount(store.db));
    // The store counted its own rows (migration 011) and gave counting back to the trigger.
    expect(countedByStore(store.db)).toBe(0);
    // Another connection (the sqlite3 shell, an older tool) inserting directly is counted by the trigger.
    const other = new Database(file);
    other.prepare(`INSERT INTO jobs (id, file_name, source) VALUES ('00000000-0000-4000-8000-0000000000aa', 'direct', 'shell')`).run();
    other.close();
    expect(counts(store.db)).toEqual(recount(store.db));
  });

  it('an intake in chunks under a batch, of mixed formats, is counted exactly, once', () => {
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        sourcePath: `/in/f${from + i}`,
        fileName: `f${from + i}`,
        sizeBytes: 1,
        format: ([undefined, 'pdf', 'text'] as const)[(from + i) % 3],
      }));
    const { batch } = store.addBatch({ fileName: 'drop', source: 'app' }, rows(0, 64), { source: 'app' }, { fillingOwner: 'intake' });
    for (let at = 64; at < 1_064; at += 250) store.insert(rows(at, 250), { defaults: { source: 'app' }, parentId: batch.id });
    store.endFilling(batch.id, 'drop');
    expect(counts(store.db)).toEqual(recount(store.db));
    expect(counts(store.db)).toContainEqual({ status: 'pending', kind: 'extract', source: 'app', format: 'pdf', n: 355 });
    expect(countedByStore(store.db)).toBe(0);
    // Rows deleted from the top: a direct insert then takes a seq the store's last insert had covered, and is still counted.
    const top = store.db.prepare('SELECT seq FROM jobs ORDER BY seq DESC LIMIT 10').pluck().all() as number[];
    store.db.prepare(`UPDATE jobs SET status = 'cancelled' WHERE seq >= ?`).run(top.at(-1));
    store.db.prepare('DELETE FROM jobs WHERE seq >= ?').run(top.at(-1));
    store.db.prepare(`INSERT INTO jobs (id, file_name, source) VALUES ('00000000-0000-4000-8000-0000000000bb', 'direct', 'shell')`).run();
    expect(counts(store.db)).toEqual(recount(store.db));
  });

  it('a large insert that fails leaves neither rows nor counts behind', () => {
    const before = counts(store.db);
    const rows = Array.from({ length: 200 }, (_, i) => ({ fileName: `f${i}`, sizeBytes: i === 150 ? -1 : 10 }));
    expect(() => store.insert(rows)).toThrow(/CHECK/);
    expect(counts(store.db)).toEqual(before);
    expect(countedByStore(store.db)).toBe(0);
  });
});

describe('batch counters', () => {
  it('a batch whose files depend on a job that already failed settles with its files counted', () => {
    const failed = jobIn(store, 'failed');
    const { batch } = store.addBatch({ fileName: 'b' }, [{ fileName: 'x' }, { fileName: 'y' }], { dependsOn: [failed.id] });
    expect(store.get(batch.id)).toMatchObject({ status: 'partial', total: 2, failed: 2, processed: 2, warning: '2 of 2 files failed.' });
  });

  it("a batch's updated_at follows the clock, however many children finish within a millisecond", () => {
    const { batch } = store.addBatch(
      { fileName: 'b' },
      Array.from({ length: 3000 }, (_, i) => ({ fileName: `c${i}` })),
    );
    const claimed = store.claim(3000, Date.now(), 60_000, OWNER);
    store.completeMany(claimed.map((job) => ({ job, result: sampleResult() })));
    const after = store.get(batch.id)!;
    expect(after).toMatchObject({ status: 'completed', total: 3000, successful: 3000, processed: 3000 });
    expect(after.updatedAt).toBeLessThanOrEqual(Date.now() + 5);
  });
});

describe('a group of completions counted once (migration 012)', () => {
  const counts = () => store.db.prepare(`SELECT status, kind, source, format, n, items FROM job_counts WHERE n > 0 ORDER BY 1, 2, 3, 4`).all();
  const recount = () =>
    store.db
      .prepare(
        `SELECT status, kind, source, coalesce(format, '') AS format, count(*) AS n,
           sum(CASE WHEN status IN ('completed','partial') THEN successful ELSE 0 END) AS items
         FROM jobs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      )
      .all();
  const children = (batchId: string) =>
    store.db
      .prepare(
        `SELECT count(*) AS total, coalesce(sum(status IN ('completed','partial')), 0) AS successful, coalesce(sum(status = 'failed'), 0) AS failed,
           coalesce(sum(status IN ('completed','partial','failed')), 0) AS processed FROM jobs WHERE parent_id = ?`,
      )
      .get(batchId);
  const counters = (id: string) => store.db.prepare('SELECT total, successful, failed, processed FROM jobs WHERE id = ?').get(id);
  const active = () => store.db.prepare('SELECT active FROM jobs_settled_by_store').pluck().get();

  it('keeps job_counts and the batches equal to a recount: formats that change, partial, two batches, a refused job', () => {
    const one = store.addBatch({ fileName: 'one' }, [{ fileName: 'a.txt', format: 'text' }, { fileName: 'b.txt', format: 'text' }, { fileName: 'c' }]);
    const two = store.addBatch({ fileName: 'two' }, [
      { fileName: 'd.csv', format: 'csv', source: 'watch' },
      { fileName: 'e.txt', format: 'text' },
    ]);
    const loose = store.add([{ fileName: 'f.txt', format: 'text' }]);
    const claimed = store.claim(10, Date.now(), 60_000, OWNER);
    expect(claimed).toHaveLength(6);
    const cancelled = claimed.find((j) => j.fileName === 'e.txt')!;
    store.cancel(cancelled.id);
    const result = (j: Job) => (j.fileName === 'c' ? sampleResult({ format: 'html', counters: { items: 4 } }) : sampleResult({ counters: { items: 2 } }));
    const out = store.completeMany(claimed.map((job) => ({ job, result: result(job), failedItems: job.fileName === 'b.txt' ? 1 : 0 })));
    expect(out.refused).toEqual([cancelled.id]);
    expect(counts()).toEqual(recount());
    expect(counts()).toContainEqual({ status: 'partial', kind: 'extract', source: 'cli', format: 'text', n: 1, items: 2 });
    expect(counts()).toContainEqual({ status: 'completed', kind: 'extract', source: 'cli', format: 'html', n: 1, items: 4 });
    for (const b of [one.batch, two.batch]) expect(counters(b.id)).toEqual(children(b.id));
    expect(store.get(one.batch.id)).toMatchObject({ status: 'completed', total: 3, successful: 3, processed: 3 });
    expect(store.get(loose[0]!.id)!.status).toBe('completed');
    // Counting is the triggers' again once the completion is written.
    expect(active()).toBe(0);
  });

  it('a completion that fails half-way counts nothing, and leaves counting to the triggers', () => {
    const { batch } = store.addBatch({ fileName: 'b' }, [{ fileName: 'x' }, { fileName: 'y' }]);
    const claimed = store.claim(2, Date.now(), 60_000, OWNER);
    const before = { counts: counts(), batch: counters(batch.id) };
    // The second result cannot be stored (its document is not JSON): the first job's UPDATE is undone with it.
    const bad = { ...sampleResult(), metadata: { n: 1n } } as unknown as ExtractionResult;
    expect(() =>
      store.completeMany([
        { job: claimed[0]!, result: sampleResult() },
        { job: claimed[1]!, result: bad },
      ]),
    ).toThrow();
    expect(counts()).toEqual(before.counts);
    expect(counters(batch.id)).toEqual(before.batch);
    expect(store.get(claimed[0]!.id)!.status).toBe('running');
    expect(active()).toBe(0);
    // Every other writer is still counted by the triggers: another connection failing a child directly.
    const other = new Database(file);
    other.prepare(`UPDATE jobs SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`).run(claimed[1]!.id);
    other.close();
    expect(counts()).toEqual(recount());
    expect(counters(batch.id)).toEqual(children(batch.id));
    store.completeMany([{ job: claimed[0]!, result: sampleResult() }]);
    expect(counts()).toEqual(recount());
    expect(store.get(batch.id)).toMatchObject({ status: 'partial', total: 2, successful: 1, failed: 1, processed: 2 });
  });
});

describe("completeMany (the scheduler's completion path)", () => {
  it('returns each completed job as stored, and refuses jobs that left running meanwhile', () => {
    const [a, b, c] = store.add([{ fileName: 'a' }, { fileName: 'b' }, { fileName: 'c' }]);
    const claimed = store.claim(3, Date.now(), 60_000, OWNER);
    expect(claimed.map((j) => j.id)).toEqual([a!.id, b!.id, c!.id]);
    // Progress moves updated_at on its own (the timing trigger), after the claim.
    store.progress(a!.id, { total: 4, successful: 1, failed: 0 });
    store.cancel(b!.id);
    const r = sampleResult();
    const out = store.completeMany([
      { job: claimed[0]!, result: r, stepIndex: 2 },
      { job: claimed[1]!, result: r },
      { job: claimed[2]!, result: r, failedItems: 1, warning: 'one item failed' },
      { job: claimed[2]!, result: r }, // twice in one batch: the second is refused
    ]);
    expect(out.refused).toEqual([b!.id, c!.id]);
    expect(out.done.map((j) => j.id)).toEqual([a!.id, c!.id]);
    for (const job of out.done) expect(job).toEqual(store.get(job.id));
    expect(out.done[0]).toMatchObject({ status: 'completed', stepIndex: 2 });
    expect(out.done[1]).toMatchObject({ status: 'partial', warning: 'one item failed', failed: 1 });
    expect(store.get(b!.id)!.status).toBe('cancelled');
    expect(store.result(b!.id)).toBeUndefined();
  });

  it('stores a markdown that is the text itself once, and reads it back as both', () => {
    const [same, own, empty] = store.add([{ fileName: 'same.txt' }, { fileName: 'own.html' }, { fileName: 'empty.txt' }]);
    const claimed = store.claim(3, Date.now(), 60_000, OWNER);
    store.completeMany([
      { job: claimed[0]!, result: sampleResult({ text: 'plain words', markdown: 'plain words' }) },
      { job: claimed[1]!, result: sampleResult({ format: 'html', text: 'Title', markdown: '# Title' }) },
      { job: claimed[2]!, result: sampleResult({ text: 'words', markdown: '' }) },
    ]);
    expect(store.result(same!.id)).toMatchObject({ text: 'plain words', markdown: 'plain words' });
    expect(store.result(own!.id)).toMatchObject({ text: 'Title', markdown: '# Title' });
    expect(store.result(empty!.id)).toMatchObject({ text: 'words', markdown: '' });
    const stored = (id: string) =>
      store.db.prepare('SELECT typeof(r.markdown) AS type, length(r.markdown) AS n FROM results r JOIN jobs j ON j.seq = r.job_seq WHERE j.id = ?').get(id);
    // Not the text a second time: a zero-length blob says "the text".
    expect(stored(same!.id)).toEqual({ type: 'blob', n: 0 });
    expect(stored(own!.id)).toEqual({ type: 'text', n: 7 });
    expect(stored(empty!.id)).toEqual({ type: 'text', n: 0 });
    // The export reads the same.
    const exported = [...store.exportRows({ ids: [same!.id] })];
    expect(exported[0]!.result).toMatchObject({ markdown: 'plain words' });
  });
});

describe('jobs finished in the last minute and hour (stats)', () => {
  const finished = (s: JobStore, now = Date.now()) => {
    const st = s.stats(now);
    return [st.finishedLastMinute, st.finishedLastHour];
  };

  it('counts every job that reaches an end state, not batches, and forgets them as they leave the window', () => {
    const now = Date.now();
    for (const status of ['completed', 'partial', 'failed', 'cancelled'] as const) jobIn(store, status, now);
    jobIn(store, 'running', now);
    jobIn(store, 'pending', now);
    expect(finished(store)).toEqual([4, 4]);
    const { batch, childIds } = store.addBatch({ fileName: 'b' }, [{ fileName: 'x' }, { fileName: 'y' }]);
    for (const job of store.claim(10, Date.now(), 60_000, OWNER)) if (childIds.includes(job.id)) store.complete(job.id, sampleResult());
    expect(store.get(batch.id)!.status).toBe('completed');
    expect(finished(store)).toEqual([6, 6]); // its two files, not the batch
    expect(finished(store, Date.now() + 61_000)).toEqual([0, 6]);
    expect(finished(store, Date.now() + 3_601_000)).toEqual([0, 0]);
  });

  it('a store counting afresh (another process, the CLI) agrees with the one counting as jobs finish', () => {
    const other = JobStore.open(file);
    try {
      finished(other);
      for (let i = 0; i < 5; i++) jobIn(store, i % 2 ? 'failed' : 'completed');
      expect(finished(other)).toEqual([5, 5]);
      const fresh = JobStore.open(file);
      expect(finished(fresh)).toEqual([5, 5]);
      fresh.close();
    } finally {
      other.close();
    }
  });
});

describe('claims', () => {
  it('takes due jobs by priority, then age, and skips jobs waiting for a retry', () => {
    const now = 1_000_000_000_000;
    const [, high] = store.add([{ fileName: 'low1' }, { fileName: 'high', priority: 5 }, { fileName: 'low2' }, { fileName: 'later' }]);
    store.claim(1, now, 1000, OWNER); // takes `high`
    store.retryLater(high!.id, { code: 'timeout', message: 'x' }, now + 10_000);
    const claimed = store.claim(10, now, 1000, OWNER).map((j) => j.fileName);
    expect(claimed).toEqual(['low1', 'low2', 'later']);
    expect(store.claim(10, now + 5_000, 1000, OWNER)).toEqual([]);
    expect(store.claim(10, now + 10_000, 1000, OWNER).map((j) => j.id)).toEqual([high!.id]);
  });

  it("a file job's progress by status is empty: its counters count its items, not child jobs", () => {
    const job = jobIn(store, 'running');
    store.progress(job.id, { total: 10, successful: 4, failed: 1 });
    const p = store.batchProgress(job.id);
    expect(Object.values(p.counts).every((n) => n === 0)).toBe(true);
    expect(p.batch.successful).toBe(4);
  });

  it('lists batches through their own partial index, not by reading every job', () => {
    const { batch } = store.addBatch({ fileName: 'b' }, [{ fileName: 'x' }]);
    store.add([{ fileName: 'file' }]);
    expect(store.list({ kind: 'batch' }).map((j) => j.id)).toEqual([batch.id]);
    expect(store.list({ kind: 'extract' }).map((j) => j.fileName)).toEqual(['file', 'x']);
    const plan = store.db
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM jobs WHERE kind = 'batch' ORDER BY seq DESC LIMIT 50`)
      .all()
      .map((r: any) => r.detail)
      .join(' / ');
    expect(plan).toContain('jobs_batches');
  });

  it('uses the partial claim index rather than sorting', () => {
    const plan = store.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT seq FROM jobs INDEXED BY jobs_claim
        WHERE status = 'pending' AND blocked = 0 AND kind != 'batch' AND max(coalesce(next_retry_at, 0), coalesce(run_at, 0)) <= 0
        ORDER BY priority DESC, seq LIMIT 10`,
      )
      .all()
      .map((r: any) => r.detail)
      .join('\n');
    expect(plan).toMatch(/jobs_claim/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });
});

describe('crash recovery', () => {
  // A real second process claims jobs from the same file, then dies without
  // cleaning up, as a crash or `kill -9` would leave them.
  function crashWhileRunning(dbFile: string, n: number): void {
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(${JSON.stringify(dbFile)});
      db.pragma('busy_timeout = 5000');
      db.prepare("UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ? WHERE seq IN (SELECT seq FROM jobs WHERE status = 'pending' ORDER BY seq LIMIT ${n})")
        .run(require('os').hostname() + ':' + process.pid + ':crash', Date.now() + 3600000);
      process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: path.resolve(import.meta.dirname, '../../..') });
    expect(r.signal).toBe('SIGKILL');
  }

  it('puts jobs of a dead process back to pending with the attempt counted', () => {
    store.add([
      { fileName: 'a', maxRetries: 3 },
      { fileName: 'b', maxRetries: 0 },
    ]);
    crashWhileRunning(file, 2);
    store.close();
    store = JobStore.open(file);
    expect(store.list({ status: 'running' })).toHaveLength(2);
    const recovered = store.recoverStale(Date.now());
    expect(recovered).toHaveLength(2);
    const a = store.list({ search: 'a' }).find((j) => j.fileName === 'a')!;
    const b = store.list().find((j) => j.fileName === 'b')!;
    expect(a.status).toBe('pending');
    expect(a.retryCount).toBe(1);
    expect(a.errorCode).toBe('worker_crashed');
    expect(b.status).toBe('failed'); // no retries left
    expect(b.errorMessage).toMatch(/Quarry stopped while this job was running/);
    expect(store.list({ status: 'running' })).toHaveLength(0);
  });

  it('leaves a live owner’s unexpired lease alone, and takes it back once expired', () => {
    const job = jobIn(store, 'running'); // owner "test-host": not this host, so only the lease counts
    expect(store.recoverStale(Date.now())).toHaveLength(0);
    expect(store.recoverStale(Date.now() + 120_000).map((j) => j.id)).toEqual([job.id]);
  });
});

describe('reads', () => {
  it('export reads leave the connection free between rows (housekeeping runs meanwhile)', () => {
    for (let i = 0; i < 450; i++) jobIn(store, 'completed');
    const rows = store.finishedWithResults();
    let n = 0;
    for (const { result } of rows) {
      expect(result?.text).toBe('hello world');
      // What an export awaiting a slow disk lets run: other queries on the same connection.
      store.stats();
      store.renewLeases(OWNER, Date.now());
      n++;
    }
    expect(n).toBe(450);
  });

  it('resolves ids by unambiguous prefix', () => {
    const [job] = store.add([{ fileName: 'p' }]);
    expect(store.resolve(job!.shortId).id).toBe(job!.id);
    expect(store.resolve(job!.id.toUpperCase()).id).toBe(job!.id);
    expect(() => store.resolve('zzzz')).toThrow(JobNotFoundError);
    expect(() => store.resolve('ab')).toThrow(/No job/);
  });

  it('lists newest first with keyset pages and filters', () => {
    store.add(Array.from({ length: 25 }, (_, i) => ({ fileName: `f${i}.txt` })));
    const first = store.list({ limit: 10 });
    expect(first.map((j) => j.fileName)).toEqual(Array.from({ length: 10 }, (_, i) => `f${24 - i}.txt`));
    const second = store.list({ limit: 10, before: first.at(-1)!.seq });
    expect(second[0]!.fileName).toBe('f14.txt');
    expect(store.list({ search: 'f1' }).length).toBe(11); // f1, f10..f19
    expect(store.list({ search: '%' })).toHaveLength(0); // LIKE wildcards are escaped
  });

  it('counts by status and format, items and average duration', () => {
    jobIn(store, 'completed');
    jobIn(store, 'failed');
    jobIn(store, 'pending');
    const s = store.stats();
    expect(s.total).toBe(3);
    expect(s.byStatus).toEqual({ pending: 1, running: 0, completed: 1, failed: 1, cancelled: 0, partial: 0 });
    expect(s.byFormat.text).toBe(1);
    expect(s.itemsExtracted).toBe(1);
    expect(s.avgDurationMs).toBeGreaterThanOrEqual(0);
  });
});

void Database;
