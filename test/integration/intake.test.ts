/**
 * The folder walk's file sizes: synchronous slices on a fast disk, parallel
 * asynchronous calls once a slice is slow (a network drive). Both must give
 * the same answer, file by file, errors included.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPaths, intakePaths, sizesOf } from '../../main/core/intake.js';
import { JobStore } from '../../main/core/store/job-store.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';

const dir = tempDir();

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
