/**
 * Intake's insert writes rows a hundred to a statement (statements.ts
 * INSERT_ROWS): every row must still get its own values, in the order given,
 * with the counts, the batch's total and the paused state its parent gives.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, type NewJob } from '../../../main/core/store/job-store.js';
import { INSERT_ROWS } from '../../../main/core/store/statements.js';
import { tempDbPath, tempDir } from '../../helpers/tmp.js';

const dir = tempDir();

describe('store.insert in multi-row statements', () => {
  it('each row keeps its own values and its place, across full statements and the rows left over', () => {
    const store = JobStore.open(tempDbPath(dir));
    try {
      const n = INSERT_ROWS * 2 + 37;
      const jobs: NewJob[] = Array.from({ length: n }, (_, i) => ({
        sourcePath: `/in/f${i}.csv`,
        fileName: `f${i}.csv`,
        sizeBytes: i,
        format: i % 3 ? 'csv' : 'text',
        priority: i % 5,
        ...(i % 7 === 0 ? { options: { ocr: false, n: i } } : {}),
        ...(i % 11 === 0 ? { maxRetries: 0 } : {}),
      }));
      const ids = store.insert(jobs, { defaults: { source: 'watch', timeoutMs: 5000, options: { lang: 'en' } } });
      expect(new Set(ids).size).toBe(n);
      const rows = store.db.prepare('SELECT * FROM jobs ORDER BY seq').all() as Array<Record<string, unknown>>;
      expect(rows.map((r) => r.id)).toEqual(ids);
      rows.forEach((r, i) => {
        expect(r).toMatchObject({
          source_path: `/in/f${i}.csv`,
          file_name: `f${i}.csv`,
          size_bytes: i,
          format: i % 3 ? 'csv' : 'text',
          priority: i % 5,
          options: i % 7 === 0 ? JSON.stringify({ ocr: false, n: i }) : JSON.stringify({ lang: 'en' }),
          max_retries: i % 11 === 0 ? 0 : 3,
          source: 'watch',
          timeout_ms: 5000,
          status: 'pending',
          blocked: 0,
        });
      });
      const text = Math.ceil(n / 3);
      expect(store.stats().byFormat).toEqual({ csv: n - text, text });
      expect(store.stats().byStatus.pending).toBe(n);
    } finally {
      store.close();
    }
  });

  it('children of a paused batch start paused, and the batch counts them, however many statements they take', () => {
    const store = JobStore.open(tempDbPath(dir));
    try {
      const { batch } = store.addBatch({ fileName: 'b' }, [{ fileName: 'first.txt' }]);
      store.setBatchPaused(batch.id, true);
      const ids = store.insert(
        Array.from({ length: INSERT_ROWS + 1 }, (_, i) => ({ fileName: `c${i}.txt` })),
        { parentId: batch.id },
      );
      expect(store.get(batch.id)!.total).toBe(INSERT_ROWS + 2);
      expect(ids.map((id) => store.get(id)!.blocked !== 0)).toEqual(ids.map(() => true));
    } finally {
      store.close();
    }
  });

  it('file rows (path, name, size, format alone) get every shared value, as rows that say more do', () => {
    const store = JobStore.open(tempDbPath(dir));
    try {
      const { batch } = store.addBatch({ fileName: 'b' }, []);
      store.setBatchPaused(batch.id, true);
      const defaults: NewJob = {
        source: 'watch',
        options: { lang: 'en' },
        priority: 4,
        maxRetries: 1,
        timeoutMs: 9000,
        runAt: Date.now() + 60_000,
        onDependencyFailure: 'skip',
        definition: 'ocr-first',
        definitionVersion: 2,
      };
      const n = INSERT_ROWS + 3;
      const files = (tag: string): NewJob[] =>
        Array.from({ length: n }, (_, i) => ({
          sourcePath: `/in/${tag}${i}.pdf`,
          fileName: `${tag}${i}.pdf`,
          sizeBytes: i,
          ...(i % 2 ? { format: 'pdf' } : {}),
        }));
      // The same rows, once as file rows and once each saying its priority (the general path).
      const fast = store.insert(files('a'), { defaults, parentId: batch.id });
      const general = store.insert(
        files('b').map((j) => ({ ...j, priority: 4 })),
        { defaults, parentId: batch.id },
      );
      const row = (id: string) => {
        const r = store.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Record<string, unknown>;
        const { seq: _seq, id: _id, created_at: _c, updated_at: _u, source_path, file_name, ...rest } = r;
        const same: Record<string, unknown> = { ...rest, source_path: String(source_path).replace('/b', '/a'), file_name: String(file_name).replace('b', 'a') };
        return same;
      };
      fast.forEach((id, i) => expect(row(id)).toEqual(row(general[i]!)));
      expect(row(fast[1]!)).toMatchObject({
        parent_id: batch.id,
        blocked: 1,
        priority: 4,
        source: 'watch',
        format: 'pdf',
        size_bytes: 1,
        run_at: defaults.runAt,
      });
      expect(row(fast[0]!).format).toBeNull();
      expect(store.get(batch.id)!.total).toBe(2 * n);
      expect(store.stats().byStatus.pending).toBe(2 * n);
    } finally {
      store.close();
    }
  });
});
