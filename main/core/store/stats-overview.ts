/**
 * The statistics view's query (stats.overview). Counts come from the
 * trigger-kept counters (reads.stats); durations, failures and throughput
 * are computed here, in SQL, over every finished file job: percentiles with
 * a window function, so no duration list crosses into JavaScript.
 */
import type { Statement } from 'better-sqlite3';
import { THROUGHPUT_BUCKET_MS, THROUGHPUT_BUCKETS, type FormatDurations, type StatsOverview } from '../../../shared/stats.js';
import type { Db } from './database.js';
import type { FinishCounter } from './finish-counter.js';
import type { StoreCore } from './core.js';
import { stats } from './reads.js';

/** Nearest rank of percentile p among n sorted values: ceil(p·n / 100), in integers. */
const rank = (p: number) => `(n * ${p} + 99) / 100`;

const SQL = {
  durations: `
    WITH d AS (
      SELECT coalesce(nullif(format, ''), 'unknown') AS format, completed_at - started_at AS ms
      FROM jobs
      WHERE kind != 'batch' AND status IN ('completed', 'partial') AND started_at IS NOT NULL AND completed_at IS NOT NULL
    ), r AS (
      SELECT format, ms, row_number() OVER (PARTITION BY format ORDER BY ms) AS rn, count(*) OVER (PARTITION BY format) AS n FROM d
    )
    SELECT format, n AS count, avg(ms) AS avgMs,
      min(CASE WHEN rn >= ${rank(50)} THEN ms END) AS p50Ms,
      min(CASE WHEN rn >= ${rank(95)} THEN ms END) AS p95Ms
    FROM r GROUP BY format ORDER BY count DESC, format`,
  failures: `
    SELECT coalesce(error_code, 'unknown') AS code, count(*) AS count
    FROM jobs WHERE kind != 'batch' AND status = 'failed'
    GROUP BY code ORDER BY count DESC, code`,
  // Minute buckets counted back from now: bucket 0 is the newest. (A bound JS number is a REAL: cast, or the division keeps a fraction.)
  throughput: `
    SELECT CAST((? - completed_at) / ${THROUGHPUT_BUCKET_MS} AS INTEGER) AS ago, status, count(*) AS n
    FROM jobs INDEXED BY jobs_completed_at
    WHERE completed_at IS NOT NULL AND completed_at > ? AND completed_at <= ? AND kind != 'batch'
      AND status IN ('completed', 'partial', 'failed')
    GROUP BY ago, status`,
};

type Prepared = { [K in keyof typeof SQL]: Statement<unknown[]> };
const prepared = new WeakMap<Db, Prepared>();

function statements(db: Db): Prepared {
  let p = prepared.get(db);
  if (!p) {
    p = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Prepared;
    prepared.set(db, p);
  }
  return p;
}

export function statsOverview(s: StoreCore, finishes: FinishCounter, now = Date.now()): StatsOverview {
  const sql = statements(s.db);
  // One read transaction: the counts, durations and chart describe the same moment.
  return s.db.transaction(() => {
    const counts = stats(s, finishes, now);
    const durations = (sql.durations.all() as FormatDurations[]).map((d) => ({ ...d, count: Number(d.count) }));
    const failures = (sql.failures.all() as Array<{ code: string; count: number }>).map((f) => ({ code: f.code, count: Number(f.count) }));
    const completed = new Array<number>(THROUGHPUT_BUCKETS).fill(0);
    const failed = new Array<number>(THROUGHPUT_BUCKETS).fill(0);
    const from = now - THROUGHPUT_BUCKETS * THROUGHPUT_BUCKET_MS;
    for (const r of sql.throughput.all(now, from, now) as Array<{ ago: number; status: string; n: number }>) {
      const i = THROUGHPUT_BUCKETS - 1 - Math.min(THROUGHPUT_BUCKETS - 1, Number(r.ago));
      (r.status === 'failed' ? failed : completed)[i]! += Number(r.n);
    }
    return {
      at: now,
      total: counts.total,
      byStatus: counts.byStatus,
      byFormat: counts.byFormat,
      itemsExtracted: counts.itemsExtracted,
      durations,
      failures,
      throughput: { bucketMs: THROUGHPUT_BUCKET_MS, completed, failed },
    };
  })();
}
