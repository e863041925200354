/**
 * The folder walk's file sizes: synchronous slices on a fast disk, parallel
 * asynchronous calls once a slice is slow (a network drive). Both must give
 * the same answer, file by file, errors included.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPaths, intakePaths, sizesOf } from '../../main/core/intake.js';
import { hostname } from 'node:os';
import { JobStore, newOwnerId } from '../../main/core/store/job-store.js';
import { BLOCKED } from '../../shared/job.js';
import type { ExtractionResult } from '../../shared/extraction.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const EMPTY_RESULT: ExtractionResult = {
  format: 'text',
  detection: { format: 'text', method: 'extension' },
  extractor: { name: 'test', version: '1' },
  text: '',
  markdown: '',
  metadata: {},
  tables: [],
  entities: [],
  warnings: [],
  counters: { items: 1 },
};

function files(n: number): string[] {
  const root = path.join(dir, `sizes-${n}`);
  mkdirSync(root, { recursive: true });
  return Array.from({ length: n }, (_, i) => {
    const p = path.join(root, `f${i}.txt`);
    writeFileSync(p, 'x'.repeat(i % 97));
    return p;
  });
}

describe('file sizes during a folder walk', () => {
  it('synchronous slices and asynchronous calls agree, errors included', async () => {
    const list = files(1300);
    rmSync(list[700]!); // gone between the listing and the lstat
    // The budget decides the path, not this machine's speed: with no limit every
    // slice is synchronous; with a negative one every slice is "too slow", so
    // the first slice runs synchronously and the rest asynchronously.
    const fast = { slowDisk: false };
    const bySlices = await sizesOf(list, fast, Infinity);
    expect(fast.slowDisk).toBe(false);
    const slow = { slowDisk: false };
    const mixed = await sizesOf(list, slow, -1);
    expect(slow.slowDisk).toBe(true);
    for (const got of [bySlices, mixed]) {
      expect(got).toHaveLength(1300);
      got.forEach((s, i) => {
        if (i === 700) expect((s as NodeJS.ErrnoException).code).toBe('ENOENT');
        else expect(s).toBe(i % 97);
      });
    }
  });

  it('expandPaths lists a tree in name order with sizes, and says what it skipped', async () => {
    const root = path.join(dir, 'tree');
    mkdirSync(path.join(root, 'b', 'deeper'), { recursive: true });
    writeFileSync(path.join(root, 'b', 'deeper', 'z.txt'), 'zz');
    writeFileSync(path.join(root, 'a.txt'), 'a');
    writeFileSync(path.join(root, 'b', 'c.txt'), 'ccc');
    const { files: found, rejected } = await expandPaths([root, path.join(dir, 'missing')]);
    expect(found.map((f) => [path.relative(root, f.sourcePath!), f.sizeBytes])).toEqual([
      ['a.txt', 1],
      [path.join('b', 'c.txt'), 3],
      [path.join('b', 'deeper', 'z.txt'), 2],
    ]);
    expect(rejected).toEqual([{ path: path.join(dir, 'missing'), reason: 'does not exist' }]);
  });

  it("every file of a folder gets the intake's options: priority, source, retries, dependencies", async () => {
    const store = JobStore.open(tempDbPath(dir));
    try {
      const [first] = store.add([{ fileName: 'first.txt' }]);
      const root = path.join(dir, 'opts');
      mkdirSync(root, { recursive: true });
      for (const n of ['x.txt', 'y.txt']) writeFileSync(path.join(root, n), n);
      const out = await intakePaths(store, [root], { priority: 7, source: 'watch', maxRetries: 1, dependsOn: [first!.id] });
      expect(out.count).toBe(2);
      expect(out.batch).toMatchObject({ kind: 'batch', total: 2, source: 'watch' });
      for (const job of out.jobs) {
        expect(job).toMatchObject({ parentId: out.batch!.id, priority: 7, source: 'watch', maxRetries: 1 });
        expect(store.db.prepare('SELECT depends_on FROM job_dependencies WHERE job_id = ?').pluck().all(job.id)).toEqual([first!.id]);
        expect(job.blocked).not.toBe(0); // held until `first` completes
      }
    } finally {
      store.close();
    }
  });
});

describe('a big folder is queued in chunks while the walk goes on', () => {
  function tree(name: string, n: number): string {
    const root = path.join(dir, name);
    for (let i = 0; i < n; i++) {
      const sub = path.join(root, `d${Math.floor(i / 1000)}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(path.join(sub, `f${i}.txt`), `file ${i}`);
    }
    return root;
  }

  it('queues a small first chunk at once under a batch held open ("filling") until the last chunk is in', async () => {
    const store = JobStore.open(tempDbPath(dir));
    try {
      const root = tree('chunked', 5000);
      const chunks: Array<{ size: number; batchFilling: boolean }> = [];
      store.on('added', ({ ids, parentId }) => {
        if (!parentId) return;
        chunks.push({ size: ids.length, batchFilling: (store.get(parentId)!.blocked & BLOCKED.filling) !== 0 });
      });
      const out = await intakePaths(store, [root]);
      // The first files were queued (and could start) long before the walk ended.
      expect(chunks.length).toBeGreaterThanOrEqual(3);
      expect(chunks[0]!.size).toBeLessThan(100);
      expect(chunks.slice(0, -1).every((c) => c.batchFilling)).toBe(true);
      expect(chunks.reduce((n, c) => n + c.size, 0)).toBe(5000);
      expect(out.count).toBe(5000);
      expect(out.batch).toMatchObject({ fileName: 'chunked', total: 5000, blocked: 0 });
    } finally {
      store.close();
    }
  });

  it('a batch being filled does not end when the files added so far are done; it ends when filling ends', () => {
    const store = JobStore.open(tempDbPath(dir));
    try {
      const { batch, childIds } = store.addBatch({ fileName: 'b' }, [{ fileName: 'a.txt' }]);
      store.startFilling(batch.id, newOwnerId());
      const [claimed] = store.claim(childIds.length, Date.now(), 60_000, newOwnerId());
      store.complete(claimed!.id, { ...EMPTY_RESULT });
      expect(store.get(batch.id)!.status).not.toBe('completed');
      expect(store.endFilling(batch.id, '1 files')).toMatchObject({ status: 'completed', fileName: '1 files', blocked: 0 });
    } finally {
      store.close();
    }
  });

  it('a batch whose filling process died is ended by recovery with what got in', () => {
    const store = JobStore.open(tempDbPath(dir));
    try {
      const { batch, childIds } = store.addBatch({ fileName: 'b' }, [{ fileName: 'a.txt' }]);
      store.startFilling(batch.id, `${hostname()}:99999999:dead`); // no such process
      const [claimed] = store.claim(childIds.length, Date.now(), 60_000, newOwnerId());
      store.complete(claimed!.id, { ...EMPTY_RESULT });
      expect(store.get(batch.id)!.status).not.toBe('completed');
      store.recoverStale(Date.now());
      expect(store.get(batch.id)).toMatchObject({ status: 'completed', blocked: 0 });
    } finally {
      store.close();
    }
  });
});
