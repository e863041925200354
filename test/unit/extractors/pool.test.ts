/**
 * The BUILT worker in a real piscina pool, as main runs it: ES module chunks
 * (an extractor's chunk loads when its first file comes) that load pdf.js
 * (ESM, top-level await, outside the bundle) with a dynamic import inside a
 * worker thread.
 */
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import Piscina from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractionResultSchema, type GroupOutcome, type ProgressMessage, type WorkerOutcome } from '../../../shared/extraction';
import { fixtureDir, makePdf } from '../../helpers/fixtures';

const fx = fixtureDir('quarry-pool-');
let pool: Piscina;
let pdfPath: string;

beforeAll(async () => {
  pool = new Piscina({ filename: path.resolve('dist/workers/extract.mjs'), maxThreads: 2, minThreads: 1 });
  const pages = Array.from({ length: 40 }, (_, i) => [`Page ${i + 1} of the pooled document`]);
  pdfPath = fx.write('pooled.pdf', await makePdf({ pages, title: 'Pooled' }));
});
afterAll(async () => {
  await pool.destroy();
  fx.cleanup();
});

/** Runs a task with a progress port; resolves once the worker has closed the port. */
async function runWithProgress(file: string, options: Record<string, unknown> = {}) {
  const { port1, port2 } = new MessageChannel();
  const progress: ProgressMessage[] = [];
  port1.on('message', (m: ProgressMessage) => progress.push(m));
  const closed = new Promise<void>((resolve) => port1.once('close', () => resolve()));
  const outcome = (await pool.run({ path: file, options, port: port2 }, { transferList: [port2] })) as WorkerOutcome;
  await closed;
  return { outcome, progress };
}

describe('dist/workers/extract.mjs in piscina', () => {
  it("runs the named 'hash' task", async () => {
    const out = await pool.run({ path: pdfPath }, { name: 'hash' });
    expect(out).toMatchObject({ ok: true, size: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('extracts a PDF and streams throttled progress over the port', async () => {
    const { outcome, progress } = await runWithProgress(pdfPath);
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(extractionResultSchema.safeParse(outcome.result).success).toBe(true);
    expect(outcome.result.pages).toHaveLength(40);
    expect(outcome.result.pages![39]!.text).toBe('Page 40 of the pooled document');
    expect(outcome.result.metadata.title).toBe('Pooled');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    // At most one message per page (the throttle itself is tested in worker.test.ts), the last one complete.
    expect(progress.length).toBeLessThanOrEqual(40);
    expect(progress[progress.length - 1]).toEqual({ processed: 40, total: 40 });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.processed).toBeGreaterThanOrEqual(progress[i - 1]!.processed);
  });

  it('a corrupt PDF returns a clean error and the pool keeps working', async () => {
    const bad = fx.write('corrupt.pdf', '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n' + '\0'.repeat(2000));
    const { outcome } = await runWithProgress(bad);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.code).toBe('corrupt_file');
      expect(outcome.error.message).toMatch(/PDF/);
    }
    const again = await runWithProgress(pdfPath);
    expect(again.outcome.ok).toBe(true);
  });

  it('writes when it starts a task into task.started (time limits count from then)', async () => {
    const started = new Float64Array(new SharedArrayBuffer(8));
    const before = Date.now();
    const out = (await pool.run({ path: fx.write('s.txt', 'started'), options: {}, started })) as WorkerOutcome;
    expect(out.ok).toBe(true);
    expect(started[0]).toBeGreaterThanOrEqual(before);
    expect(started[0]).toBeLessThanOrEqual(Date.now());
  });

  it("runs the named 'runMany' group task: one outcome per file, cancelled ones skipped", async () => {
    const csv = fx.write('g.csv', 'a,b\n1,2\n');
    const txt = fx.write('g.txt', 'hello group');
    const state = new Int32Array(new SharedArrayBuffer(4 * 5));
    state[0] = -1;
    state[1 + 2] = 1; // the third file was cancelled before its turn
    const group = { tasks: [csv, txt, txt, path.join(fx.dir, 'missing.txt')].map((p) => ({ path: p, options: {} })), state };
    const out = (await pool.run(group, { name: 'runMany' })) as GroupOutcome;
    expect(out.outcomes.map((o) => (o === null ? null : o.ok ? o.result.format : o.error.code))).toEqual(['csv', 'text', null, 'file_not_found']);
    expect(out.outcomes[1]).toMatchObject({ ok: true, result: { text: 'hello group' }, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(state[0]).toBe(3); // the last file it started
    expect(out.ms).toBeGreaterThan(0);
  });

  it('runs tasks concurrently and answers the listExtractors named task', async () => {
    const csv = fx.write('t.csv', 'a,b\n1,2\n');
    const outcomes = (await Promise.all([
      pool.run({ path: csv, options: {} }),
      pool.run({ path: pdfPath, options: {} }),
      pool.run({ path: path.join(fx.dir, 'missing.pdf'), options: {} }),
    ])) as WorkerOutcome[];
    expect(outcomes.map((o) => (o.ok ? o.result.format : o.error.code))).toEqual(['csv', 'pdf', 'file_not_found']);
    const list = (await pool.run(null, { name: 'listExtractors' })) as Array<{ name: string; version: string }>;
    expect(list.find((e) => e.name === 'pdf')?.version).toMatch(/\+pdfjs\./);
  });
});
