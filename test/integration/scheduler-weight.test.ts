/**
 * Jobs weigh on the concurrency (SchedulerOptions.weight): the engine counts
 * a small file as a sixteenth of a slot, so a folder of small files has
 * enough in flight for the pool to group them, while large files still take
 * a slot each. A real store on a real SQLite file; the executor is a plain
 * function that records how many jobs it holds at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { claimBatchSize, Scheduler } from '../../main/core/scheduler.js';
import { JobStore } from '../../main/core/store/job-store.js';
import type { Job } from '../../shared/job.js';
import { sampleResult } from '../helpers/results.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SMALL = 1000;
const weight = (job: Job) => (job.sizeBytes! <= SMALL ? 1 / 16 : 1);

/** Runs `sizes` as jobs at concurrency 2 and returns the most held at once, overall and of large ones. */
async function run(sizes: number[], opts: { weight?: (job: Job) => number } = {}) {
  const store = JobStore.open(tempDbPath(dir));
  let now = 0;
  let large = 0;
  const seen = { max: 0, maxLarge: 0 };
  const scheduler = new Scheduler({
    store,
    concurrency: 2,
    pollIntervalMs: 20,
    ...opts,
    executor: async (job) => {
      const big = job.sizeBytes! > SMALL;
      now++;
      if (big) large++;
      seen.max = Math.max(seen.max, now);
      seen.maxLarge = Math.max(seen.maxLarge, large);
      // Held until the scheduler has had its chance to claim more.
      await sleep(5);
      now--;
      if (big) large--;
      return { result: sampleResult() };
    },
  });
  cleanups.push(async () => {
    await scheduler.stop({ abort: true });
    store.close();
  });
  const jobs = store.add(sizes.map((sizeBytes, i) => ({ sourcePath: `/x/${i}`, sizeBytes })));
  scheduler.start();
  await scheduler.drained();
  expect(jobs.every((j) => store.get(j.id)!.status === 'completed')).toBe(true);
  return seen;
}

describe('job weights', () => {
  it('small files: up to 16 per slot in flight', async () => {
    const seen = await run(Array(200).fill(100), { weight });
    expect(seen.max).toBeGreaterThan(2);
    expect(seen.max).toBeLessThanOrEqual(32);
  });

  it('large files: one per slot, as without weights', async () => {
    expect((await run(Array(20).fill(5000), { weight })).max).toBeLessThanOrEqual(2);
    expect((await run(Array(50).fill(100))).max).toBeLessThanOrEqual(2);
  });

  it('a mix: large files never crowd past what the weights allow once the mix is known', async () => {
    // Alternating sizes: the claim follows the average weight of what it claimed lately.
    const sizes = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 5000 : 100));
    const seen = await run(sizes, { weight });
    expect(seen.max).toBeGreaterThan(2);
    // At most ceil(2 / (1/16)) jobs, and the large ones among them bounded the same way.
    expect(seen.max).toBeLessThanOrEqual(32);
    expect(seen.maxLarge).toBeLessThanOrEqual(32);
  });
});

describe('claim sizes (a statement is prepared per size)', () => {
  it('up to 16 exact; above, one of eight sizes per power of two, never more than asked and at most an eighth fewer', () => {
    const sizes = new Set<number>();
    for (let n = 0; n <= 1024; n++) {
      const k = claimBatchSize(n);
      sizes.add(k);
      expect(k).toBeLessThanOrEqual(n);
      if (n <= 16) expect(k).toBe(n);
      else expect(k).toBeGreaterThan((7 / 8) * n - 1e-9);
    }
    expect(sizes.size).toBeLessThanOrEqual(66); // 0..16, then 8 per power of two up to 1024
  });

  it('a scheduler feeding many small files claims in those sizes only, and still fills its slots', async () => {
    const store = JobStore.open(tempDbPath(dir));
    const asked = new Set<number>();
    const claim = store.claim.bind(store);
    // The real store's claim, with its limits recorded.
    store.claim = (limit, ...rest) => (asked.add(limit), claim(limit, ...rest));
    let now = 0;
    let max = 0;
    let i = 0;
    const scheduler = new Scheduler({
      store,
      concurrency: 2,
      weight: () => 1 / 128,
      executor: async () => {
        max = Math.max(max, ++now);
        // Uneven finishing times: a different number of slots comes free each tick.
        await sleep(1 + (i++ % 7));
        now--;
        return { result: sampleResult() };
      },
    });
    cleanups.push(async () => {
      await scheduler.stop({ abort: true });
      store.close();
    });
    store.add(Array.from({ length: 3000 }, (_, k) => ({ sourcePath: `/x/${k}`, sizeBytes: 100 })));
    scheduler.start();
    await scheduler.drained();
    expect(store.stats().byStatus.completed).toBe(3000);
    expect(max).toBeGreaterThan(128);
    for (const n of asked) expect(n).toBe(claimBatchSize(n));
  });
});

describe("the engine's weights (main/core/job-weight.ts)", () => {
  it('a large file takes a slot; small files a fraction, smaller for formats that parse quickly', async () => {
    const { jobWeight } = await import('../../main/core/job-weight.js');
    expect(jobWeight({ sizeBytes: 5_000_000, fileName: 'notes.txt', sourcePath: null })).toBe(1);
    expect(jobWeight({ sizeBytes: null, fileName: 'a.txt', sourcePath: null })).toBe(1);
    expect(jobWeight({ sizeBytes: 2_000, fileName: 'NOTES.TXT', sourcePath: null })).toBe(1 / 128);
    expect(jobWeight({ sizeBytes: 2_000, fileName: null, sourcePath: '/in/data.csv' })).toBe(1 / 128);
    expect(jobWeight({ sizeBytes: 2_000, fileName: 'scan.jpg', sourcePath: null })).toBe(1 / 16);
  });
});
