// The jobs list's store queries (issue 14) on a real SQLite file: every sort
// key both ways against a sort done here, filters that combine, counts that
// equal the rows, windows at offsets, the query plans that keep it fast at a
// million jobs, and bulk actions that never touch a running job.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bulkList } from '../../../main/core/bulk.js';
import { JobStore } from '../../../main/core/store/job-store.js';
import { orderOf, whereOf } from '../../../main/core/store/list-query.js';
import type { Format } from '../../../shared/extraction.js';
import type { Job, JobStatus } from '../../../shared/job.js';
import { ContractError, parseInput } from '../../../shared/contract.js';
import { describeOutcome, LIST_SORT_KEYS, type ListFilter, type ListSort } from '../../../shared/list-query.js';
import { sampleResult } from '../../helpers/results.js';
import { OWNER } from '../../helpers/store-states.js';
import { tempDbPath, tempDir } from '../../helpers/tmp.js';

const dir = tempDir();
let store: JobStore;

beforeEach(() => {
  store = JobStore.open(tempDbPath(dir));
});
afterEach(() => store.close());

const FORMATS: Format[] = ['text', 'csv', 'pdf', 'json'];
const STATUSES: JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled', 'partial'];

/** 48 file jobs in every status, four formats, names in mixed case with ties, sizes with ties and gaps, varied durations; plus a batch of 6. */
function seed(): { batchId: string } {
  const names = ['b.txt', 'A.txt', 'c.csv', 'a.txt', 'Zeta.pdf', 'beta.json'];
  const jobs = store.add(
    Array.from({ length: 48 }, (_, i) => ({
      fileName: `${names[i % names.length]!.replace('.', `-${i % 7}.`)}`,
      sourcePath: `/data/${i}`,
      format: FORMATS[i % FORMATS.length]!,
      ...(i % 5 === 0 ? {} : { sizeBytes: (i * 37) % 11 }),
    })),
  );
  const { batch, childIds } = store.addBatch(
    { fileName: 'folder' },
    Array.from({ length: 6 }, (_, i) => ({ fileName: `child-${i}.txt`, format: 'text' as Format })),
  );
  const all = [...jobs.map((j) => j.id), ...childIds];
  all.forEach((id, i) => into(id, STATUSES[(i * 5) % STATUSES.length]!, i));
  return { batchId: batch.id };
}

/** Moves a pending job to `status` through the store's own operations; finished ones get a duration of their own. */
function into(id: string, status: JobStatus, i: number) {
  if (status === 'pending') return;
  if (status === 'cancelled') return void store.cancel(id);
  store.db.prepare('UPDATE jobs SET priority = 2000000 WHERE id = ?').run(id);
  const [claimed] = store.claim(1, Date.now(), 60_000, OWNER);
  expect(claimed?.id).toBe(id);
  store.db.prepare('UPDATE jobs SET priority = 0 WHERE id = ?').run(id);
  if (status === 'running') return;
  if (status === 'failed') store.fail(id, { code: 'corrupt_file', message: i % 2 ? 'Broken header at byte 12' : 'timeout reading' });
  else store.complete(id, sampleResult(), status === 'partial' ? { failedItems: 1 } : {});
  // A duration of its own (ties every 4th job), written the way the timing trigger allows.
  const started = store.get(id)!.createdAt + 1;
  store.db.prepare('UPDATE jobs SET started_at = ?, completed_at = ? WHERE id = ?').run(started, started + ((i * 13) % 4) * 250 + (i % 3), id);
}

/** Every file job, as the list sees it. */
function files(): Job[] {
  return (store.db.prepare(`SELECT id FROM jobs WHERE kind != 'batch'`).pluck().all() as string[]).map((id) => store.get(id)!);
}

const KEY: Record<ListSort['key'], (j: Job) => string | number | null> = {
  name: (j) => j.fileName?.toLowerCase() ?? null,
  format: (j) => j.format,
  status: (j) => j.status,
  size: (j) => j.sizeBytes,
  duration: (j) => (j.completedAt !== null && j.startedAt !== null ? j.completedAt - j.startedAt : null),
  created: (j) => j.seq,
  finished: (j) => j.completedAt,
};

/** The order the list must have, computed here: NULL lowest (as SQLite), ties by seq the same way. */
function expected(jobs: Job[], sort: ListSort): string[] {
  const k = KEY[sort.key];
  const cmp = (a: Job, b: Job) => {
    const x = k(a);
    const y = k(b);
    if (x !== y) return x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    return a.seq - b.seq;
  };
  const sorted = [...jobs].sort(cmp);
  return (sort.dir === 'asc' ? sorted : sorted.reverse()).map((j) => j.id);
}

function matches(j: Job, f: ListFilter): boolean {
  if (f.status && !f.status.includes(j.status)) return false;
  if (f.format && !f.format.includes(j.format!)) return false;
  if (f.batch && j.parentId !== f.batch) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    if (!(j.fileName ?? '').toLowerCase().includes(t) && !(j.errorMessage ?? '').toLowerCase().includes(t) && !j.id.startsWith(t)) return false;
  }
  if (f.createdFrom !== undefined && j.createdAt < f.createdFrom) return false;
  if (f.createdTo !== undefined && j.createdAt >= f.createdTo) return false;
  return true;
}

describe('sorting', () => {
  it.each(LIST_SORT_KEYS.flatMap((key) => (['asc', 'desc'] as const).map((dir) => ({ key, dir }))))('sorts by $key $dir on the server', (sort) => {
    seed();
    const want = expected(files(), sort);
    const page = store.query({ sort, limit: 1000 });
    expect(page.rows.map((j) => j.id)).toEqual(want);
    expect(page.total).toBe(want.length);
    // Windows at offsets are slices of the same order: scrolling never skips or repeats a row.
    const windows = [0, 10, 20, 30, 40, 50].flatMap((offset) => store.query({ sort, offset, limit: 10, withTotal: false }).rows.map((j) => j.id));
    expect(windows).toEqual(want);
    expect(store.queryIds({ sort, offset: 7, limit: 20 })).toEqual(want.slice(7, 27));
  });
});

describe('filters', () => {
  it('combine status, format, batch, text and a date range; the count equals the rows', () => {
    const { batchId } = seed();
    const all = files();
    const mid = [...all].sort((a, b) => a.seq - b.seq)[20]!.createdAt;
    const someId = all[9]!.id;
    const filters: ListFilter[] = [
      {},
      { status: ['failed'] },
      { status: ['completed', 'partial'] },
      { format: ['csv'] },
      { status: ['failed', 'cancelled'], format: ['pdf', 'text'] },
      { batch: batchId },
      { batch: batchId, status: ['pending', 'running'] },
      { text: 'a-' },
      { text: 'BROKEN' },
      { text: someId.slice(0, 8) },
      { text: '50%_\\' },
      { createdFrom: mid },
      { createdTo: mid, status: ['completed'] },
      { createdFrom: mid, format: ['json'], text: 'beta' },
    ];
    let nonEmpty = 0;
    for (const filter of filters) {
      const want = expected(
        all.filter((j) => matches(j, filter)),
        { key: 'created', dir: 'desc' },
      );
      const page = store.query({ filter, limit: 1000 });
      expect(
        page.rows.map((j) => j.id),
        JSON.stringify(filter),
      ).toEqual(want);
      // "Select all N matching": N is exact, whichever way it is counted.
      expect(page.total, JSON.stringify(filter)).toBe(want.length);
      if (want.length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(10);
    expect(store.query({ filter: { text: someId.slice(0, 8) }, limit: 10 }).rows.map((j) => j.id)).toContain(someId);
  });

  it('never lists batch parents, and counts only from job_counts when status and format alone narrow', () => {
    seed();
    const page = store.query({ limit: 1000 });
    expect(page.rows.some((j) => j.kind === 'batch')).toBe(false);
    expect(page.total).toBe(files().length);
    expect(store.query({ filter: { status: ['running'] }, limit: 0 }).total).toBe(files().filter((j) => j.status === 'running').length);
  });

  it('upToSeq keeps "all N matching" those N when files arrive afterwards', () => {
    seed();
    const { total, maxSeq } = store.query({ filter: { status: ['pending'] }, limit: 0 });
    store.add([{ fileName: 'late.txt' }, { fileName: 'later.txt' }]);
    expect(store.query({ filter: { status: ['pending'] }, limit: 0 }).total).toBe(total! + 2);
    expect(store.query({ filter: { status: ['pending'], upToSeq: maxSeq }, limit: 0 }).total).toBe(total);
  });
});

describe('a filter that keeps a large share', () => {
  it('walks the sort index past the rows it skips, and still gives the same windows as a sort', () => {
    // Enough rows for the forced walk (20,000 matching at least): half failed, names in no particular order.
    const jobs = store.add(Array.from({ length: 44_000 }, (_, i) => ({ fileName: `f-${(i * 7919) % 44_000}.txt`, sizeBytes: i % 97 })));
    store.db.prepare(`UPDATE jobs SET status = 'failed', error_code = 'corrupt_file', error_category = 'permanent' WHERE seq % 2 = 0`).run();
    const failed = jobs.map((j) => store.get(j.id)!).filter((j) => j.status === 'failed');
    expect(failed.length).toBeGreaterThan(20_000);
    for (const sort of [
      { key: 'name', dir: 'asc' },
      { key: 'size', dir: 'desc' },
    ] as const) {
      const want = expected(failed, sort);
      const filter: ListFilter = { status: ['failed'] };
      expect(store.query({ filter, sort, limit: 50 }).rows.map((j) => j.id)).toEqual(want.slice(0, 50));
      expect(store.query({ filter, sort, offset: 1000, limit: 50, withTotal: false }).rows.map((j) => j.id)).toEqual(want.slice(1000, 1050));
      // Deep: past the walk's limit, the plain plan answers the same.
      expect(store.query({ filter, sort, offset: 21_000, limit: 50 }).rows.map((j) => j.id)).toEqual(want.slice(21_000, 21_050));
    }
  });
});

describe('plans at a million jobs', () => {
  /** The plan of a window's index walk: it must use an index for the order, never sort the table. */
  const plan = (sort: ListSort, filter: ListFilter = {}) => {
    const w = whereOf(filter);
    const sql = `SELECT seq FROM jobs WHERE ${w.sql} ORDER BY ${orderOf(sort)} LIMIT 100 OFFSET 0`;
    return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(w.params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
  };

  it.each(LIST_SORT_KEYS)('sorting by %s walks an index of file jobs, no temporary sort', (key) => {
    for (const dir of ['asc', 'desc'] as const) {
      const p = plan({ key, dir });
      // Read from the index alone (status: jobs_status_seq, migration 009; finished: jobs_completed_at, 010), so a deep offset reads no row.
      const index = { status: /USING COVERING INDEX jobs_status_seq\b/, finished: /USING COVERING INDEX jobs_completed_at\b/ }[key as string];
      expect(p, p).toMatch(index ?? /USING (COVERING )?INDEX jobs_files/);
      expect(p, p).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('a status filter sorted by creation walks the status index', () => {
    const p = plan({ key: 'created', dir: 'desc' }, { status: ['failed'] });
    expect(p, p).not.toMatch(/TEMP B-TREE/);
  });
});

describe('bulk actions on the list', () => {
  it('never touch a running job, and say what they skipped', async () => {
    seed();
    const before = files();
    const running = before.filter((j) => j.status === 'running');
    expect(running.length).toBeGreaterThan(3);
    const by = (s: JobStatus) => before.filter((j) => j.status === s).length;

    const cancel = await bulkList(store, 'cancel', { filter: {} });
    expect(cancel.done).toBe(by('pending'));
    expect(cancel.skipped.running).toBe(running.length);
    expect(cancel.skipped.finished).toBe(before.length - by('pending') - running.length);

    const retry = await bulkList(store, 'retry', { filter: { status: ['failed', 'running'] } });
    expect(retry.done).toBe(by('failed'));
    expect(retry.skipped).toEqual({ running: running.length });

    const del = await bulkList(store, 'delete', { ids: before.map((j) => j.id) });
    expect(del.skipped.running).toBe(running.length);
    // The retried ones are pending again: left alone too.
    expect(del.skipped.pending).toBe(by('failed'));
    expect(del.errors).toEqual([]);

    for (const j of running) expect(store.get(j.id)).toMatchObject({ status: 'running', updatedAt: j.updatedAt });
    expect(files().length).toBe(running.length + by('failed'));
  });

  it('acts on all matching a filter minus the deselected, only up to what was counted', async () => {
    seed();
    const { total, maxSeq } = store.query({ filter: { status: ['completed'] }, limit: 0 });
    const keep = store.queryIds({ filter: { status: ['completed'] }, limit: 2 });
    store.add([{ fileName: 'late.txt' }]);
    const r = await bulkList(store, 'delete', { filter: { status: ['completed'], upToSeq: maxSeq }, except: keep });
    expect(r.done).toBe(total! - 2);
    expect(
      store
        .query({ filter: { status: ['completed'] }, limit: 100 })
        .rows.map((j) => j.id)
        .sort(),
    ).toEqual([...keep].sort());
  });

  it('reports a job deleted meanwhile as gone, not as an error', async () => {
    seed();
    const [failed] = store.queryIds({ filter: { status: ['failed'] }, limit: 1 });
    store.delete(failed!);
    const r = await bulkList(store, 'retry', { ids: [failed!] });
    expect(r).toMatchObject({ done: 0, skipped: { gone: 1 }, errors: [] });
  });
});

describe('the contract', () => {
  it('refuses malformed list input with a readable error, never a crash', () => {
    const bad: Array<[Parameters<typeof parseInput>[0], unknown]> = [
      ['list.query', { sort: { key: 'colour', dir: 'asc' } }],
      ['list.query', { limit: 1001 }],
      ['list.query', { offset: -1 }],
      ['list.query', { filter: { status: ['lost'] } }],
      ['list.query', { filter: { text: 'x'.repeat(201) } }],
      ['list.query', { filter: { unknown: 1 } }],
      ['list.ids', { limit: 10_001 }],
      ['list.bulk', { action: 'retry', target: {} }],
      ['list.bulk', { action: 'explode', target: { ids: ['a'] } }],
      ['list.bulk', { action: 'delete', target: { ids: Array.from({ length: 10_001 }, (_, i) => String(i)) } }],
    ];
    for (const [channel, input] of bad) {
      expect(() => parseInput(channel, input), JSON.stringify(input).slice(0, 80)).toThrow(ContractError);
      try {
        parseInput(channel, input);
      } catch (err) {
        expect((err as ContractError).kind).toBe('invalid_input');
        expect((err as ContractError).message).toMatch(new RegExp(`^Invalid input for ${channel.replace('.', '\\.')}`));
      }
    }
    expect(parseInput('list.query', {})).toMatchObject({ filter: {}, sort: { key: 'created', dir: 'desc' }, offset: 0, limit: 100, withTotal: true });
  });

  it('says what a bulk action did and skipped, in words', () => {
    expect(describeOutcome({ action: 'retry', done: 412, skipped: { running: 3 }, errors: [] })).toBe('412 retried, 3 skipped: still running');
    expect(describeOutcome({ action: 'delete', done: 1200, skipped: {}, errors: [] })).toBe('1,200 deleted');
    expect(describeOutcome({ action: 'cancel', done: 0, skipped: { running: 2, finished: 1500 }, errors: [{ id: 'x', message: 'busy' }] })).toBe(
      '0 cancelled, 1,502 skipped: 2 still running, 1,500 already finished, 1 failed: busy',
    );
  });
});
