/**
 * Intake's folder walk (listed in a thread of its own, main/core/walk-thread.ts)
 * and the chunks a big folder is queued in while it goes on.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPaths, intakePaths } from '../../main/core/intake.js';
import { walkInThread, type ListedFolder } from '../../main/core/walk-thread.js';
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

describe('the folder walk', () => {
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
      // More than a first chunk and a full one (intake.ts: 64, then 10,000 a transaction).
      const root = tree('chunked', 12_000);
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
      expect(chunks.reduce((n, c) => n + c.size, 0)).toBe(12_000);
      expect(out.count).toBe(12_000);
      expect(out.batch).toMatchObject({ fileName: 'chunked', total: 12_000, blocked: 0 });
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

describe("the folder walk's thread", () => {
  it('lists folders depth-first in name order, with sizes, links, and why a folder or a size could not be read', async () => {
    const root = path.join(dir, 'threaded');
    mkdirSync(path.join(root, 'b', 'deeper'), { recursive: true });
    mkdirSync(path.join(root, 'a'), { recursive: true });
    writeFileSync(path.join(root, 'z.txt'), 'zzz');
    writeFileSync(path.join(root, 'a', 'one.txt'), '1');
    writeFileSync(path.join(root, 'b', 'deeper', 'two.txt'), '22');
    symlinkSync(path.join(root, 'z.txt'), path.join(root, 'b', 'link.txt'));
    const seen: ListedFolder[] = [];
    for await (const f of walkInThread(root)) seen.push(f);
    expect(seen.map((f) => [path.relative(root, f.dir), f.files, f.sizes, f.links])).toEqual([
      ['', ['z.txt'], [3], []],
      ['a', ['one.txt'], [1], []],
      ['b', [], [], ['link.txt']],
      [path.join('b', 'deeper'), ['two.txt'], [2], []],
    ]);
    const missing: ListedFolder[] = [];
    for await (const f of walkInThread(path.join(dir, 'no-such-folder'))) missing.push(f);
    expect(missing).toMatchObject([{ error: { code: 'ENOENT' }, files: [] }]);
  });

  it('folders listed here while the thread starts and those the thread lists come once each, in walk order', async () => {
    const root = path.join(dir, 'many');
    const names: string[] = [];
    for (let d = 0; d < 300; d++) {
      const sub = path.join(root, `d${String(d).padStart(3, '0')}`, 'inner');
      mkdirSync(sub, { recursive: true });
      writeFileSync(path.join(sub, 'f.txt'), String(d));
      names.push(path.join(`d${String(d).padStart(3, '0')}`), path.join(`d${String(d).padStart(3, '0')}`, 'inner'));
    }
    const seen: string[] = [];
    let files = 0;
    for await (const f of walkInThread(root)) {
      seen.push(path.relative(root, f.dir));
      files += f.files.length;
    }
    expect(seen).toEqual(['', ...names]);
    expect(files).toBe(300);
  });

  it('a folder too big to list on the main thread comes from the thread in parts, in order, each file once', async () => {
    const root = path.join(dir, 'flat');
    mkdirSync(path.join(root, 'big'), { recursive: true });
    mkdirSync(path.join(root, 'after'), { recursive: true });
    writeFileSync(path.join(root, 'first.txt'), 'first');
    writeFileSync(path.join(root, 'after', 'last.txt'), 'last');
    const names = Array.from({ length: 2600 }, (_, i) => `n${String(i).padStart(4, '0')}.txt`);
    for (const name of names) writeFileSync(path.join(root, 'big', name), 'x');
    const seen: ListedFolder[] = [];
    for await (const f of walkInThread(root)) seen.push(f);
    const big = seen.filter((f) => f.dir === path.join(root, 'big'));
    expect(big.length).toBeGreaterThan(1);
    expect(big.flatMap((f) => f.files)).toEqual(names);
    expect(big.flatMap((f) => f.sizes)).toEqual(names.map(() => 1));
    expect(seen.map((f) => path.relative(root, f.dir)).filter((d, i, all) => all.indexOf(d) === i)).toEqual(['', 'after', 'big']);
    expect(seen.flatMap((f) => f.files)).toHaveLength(2602);
  });

  it('a dropped folder keeps its order, skips clutter, and rejects links, walked in the thread', async () => {
    const root = path.join(dir, 'dropped');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    for (const name of ['b.txt', 'a.txt', '.DS_Store', 'Thumbs.db']) writeFileSync(path.join(root, name), name);
    writeFileSync(path.join(root, 'sub', 'c.txt'), 'c');
    symlinkSync(path.join(root, 'a.txt'), path.join(root, 'sub', 'to-a.txt'));
    const { files: found, rejected } = await expandPaths([root]);
    // Whole, normalised paths and their own names.
    expect(found.map((f) => [f.sourcePath, f.fileName, f.sizeBytes, f.format])).toEqual([
      [path.join(root, 'a.txt'), 'a.txt', 5, 'text'],
      [path.join(root, 'b.txt'), 'b.txt', 5, 'text'],
      [path.join(root, 'sub', 'c.txt'), 'c.txt', 1, 'text'],
    ]);
    expect(rejected).toEqual([{ path: path.join(root, 'sub', 'to-a.txt'), reason: 'symbolic link (not followed inside folders)' }]);
  });
});
