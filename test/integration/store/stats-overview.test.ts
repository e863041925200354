/**
 * stats.overview against a real SQLite store: jobs are put in their states
 * by the store's own operations, then given exact start and end times, so
 * every figure (counts, nearest-rank percentiles per format, failures by
 * code, the per-minute chart) is known and checked against a plain
 * computation of the same rows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../../main/core/store/job-store.js';
import type { Format } from '../../../shared/extraction.js';
import { statsOverviewSchema, THROUGHPUT_BUCKET_MS, THROUGHPUT_BUCKETS } from '../../../shared/stats.js';
import { OWNER } from '../../helpers/store-states.js';
import { sampleResult } from '../../helpers/results.js';
import { tempDbPath, tempDir } from '../../helpers/tmp.js';

const dir = tempDir();
let store: JobStore;

beforeEach(() => {
  store = JobStore.open(tempDbPath(dir));
});
afterEach(() => store.close());

/** The smallest value with at least p% of the values at or below it. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

/** A job run to its end through the store, then timed exactly: started at `start`, finished `ms` later. */
function finished(end: { format: Format; ms: number; start: number; fail?: 'corrupt_file' | 'timeout' | 'encrypted'; partial?: boolean }) {
  const [job] = store.add([{ fileName: `f.${end.format}`, priority: 1_000_000 }]);
  store.claim(1, Date.now(), 60_000, OWNER);
  if (end.fail) store.fail(job!.id, { code: end.fail, message: 'no' }, end.format);
  else store.complete(job!.id, sampleResult({ format: end.format }), end.partial ? { failedItems: 1 } : {});
  store.db
    .prepare('UPDATE jobs SET created_at = @s, started_at = @s, completed_at = @e, updated_at = @e WHERE id = @id')
    .run({ s: end.start, e: end.start + end.ms, id: job!.id });
  return { id: job!.id, completedAt: end.start + end.ms };
}

describe('stats.overview', () => {
  it('counts, durations per format, failures by code and the last hour per minute match the rows', () => {
    const base = Date.now();
    const now = base + 30 * 60_000; // half an hour after the first start
    const pdf = Array.from({ length: 20 }, (_, i) => (i + 1) * 100); // 100 … 2000 ms
    const csv = [5, 7, 9, 400];
    const ends: number[] = [];
    const failedEnds: number[] = [];
    pdf.forEach((ms, i) => ends.push(finished({ format: 'pdf', ms, start: base + i * 60_000 }).completedAt));
    csv.forEach((ms, i) => ends.push(finished({ format: 'csv', ms, start: base + i * 90_000, partial: i === 3 }).completedAt));
    for (const [i, code] of (['corrupt_file', 'corrupt_file', 'timeout', 'encrypted', 'corrupt_file'] as const).entries())
      failedEnds.push(finished({ format: 'pdf', ms: 50, start: base + i * 120_000, fail: code }).completedAt);
    // An old finish, outside the chart's hour; a pending and a cancelled job; a batch parent (never counted itself).
    const old = finished({ format: 'csv', ms: 3, start: base - 3 * 3_600_000 });
    ends.push(old.completedAt);
    csv.push(3);
    store.add([{ fileName: 'waiting.txt' }]);
    store.cancel(store.add([{ fileName: 'dropped.txt' }])[0]!.id);
    store.addBatch({ fileName: 'folder' }, [{ fileName: 'child.txt' }]);

    const o = statsOverviewSchema.parse(store.statsOverview(now));

    expect(o.at).toBe(now);
    // pdf, csv, failed, the old one, pending, cancelled, the batch's child (its parent is not a file job)
    expect(o.total).toBe(20 + 4 + 5 + 1 + 1 + 1 + 1);
    expect(o.byStatus).toMatchObject({ completed: 20 + 4, partial: 1, failed: 5, pending: 2, cancelled: 1, running: 0 });
    expect(o.byFormat.pdf).toBe(25);
    expect(o.byFormat.csv).toBe(5);
    expect(o.itemsExtracted).toBe(store.stats(now).itemsExtracted);

    const byFormat = Object.fromEntries(o.durations.map((d) => [d.format, d]));
    expect(o.durations.map((d) => d.format)).toEqual(['pdf', 'csv']); // most jobs first; failed ones have no duration here
    expect(byFormat.pdf).toEqual({
      format: 'pdf',
      count: 20,
      avgMs: pdf.reduce((a, b) => a + b, 0) / pdf.length,
      p50Ms: nearestRank(pdf, 50),
      p95Ms: nearestRank(pdf, 95),
    });
    expect(byFormat.pdf!.p50Ms).toBe(1000);
    expect(byFormat.pdf!.p95Ms).toBe(1900);
    expect(byFormat.csv).toEqual({ format: 'csv', count: 5, avgMs: csv.reduce((a, b) => a + b, 0) / 5, p50Ms: 7, p95Ms: 400 });

    expect(o.failures).toEqual([
      { code: 'corrupt_file', count: 3 },
      { code: 'encrypted', count: 1 },
      { code: 'timeout', count: 1 },
    ]);

    // The chart: one bucket a minute, oldest first, the last ending now.
    expect(o.throughput.bucketMs).toBe(THROUGHPUT_BUCKET_MS);
    expect(o.throughput.completed).toHaveLength(THROUGHPUT_BUCKETS);
    const bucketOf = (t: number) => THROUGHPUT_BUCKETS - 1 - Math.floor((now - t) / THROUGHPUT_BUCKET_MS);
    const expected = (times: number[]) => {
      const b = new Array<number>(THROUGHPUT_BUCKETS).fill(0);
      for (const t of times) if (t > now - THROUGHPUT_BUCKETS * THROUGHPUT_BUCKET_MS && t <= now) b[bucketOf(t)]!++;
      return b;
    };
    expect(o.throughput.completed).toEqual(expected(ends));
    expect(o.throughput.failed).toEqual(expected(failedEnds));
    // Jobs finished after `now` are not in the chart (counted at that moment).
    expect(o.throughput.completed.reduce((a, b) => a + b, 0)).toBe(ends.filter((t) => t <= now && t > now - 3_600_000).length);
    expect(o.throughput.completed.reduce((a, b) => a + b, 0)).toBeLessThan(ends.length);
  });

  it('an empty store has zeros and empty lists, not nulls', () => {
    const o = statsOverviewSchema.parse(store.statsOverview());
    expect(o.total).toBe(0);
    expect(o.durations).toEqual([]);
    expect(o.failures).toEqual([]);
    expect(o.throughput.completed.every((n) => n === 0)).toBe(true);
  });
});
