/**
 * Intake is honest at once (issue 14): a pending job shows its format before
 * it runs, a file no extractor handles is rejected at the drop with its
 * reason, and text with a name that says nothing (README, .cfg) is still
 * taken as text. Real files, a real store; the run's own detection still
 * has the last word.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { intakePaths } from '../../main/core/intake.js';
import { JobStore, newOwnerId } from '../../main/core/store/job-store.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { compoundFile } from '../unit/extractors/cfb-fixture.js';

const dir = tempDir();

/** Bytes with NULs and control characters and no known signature. */
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256));

function folder(name: string, files: Record<string, string | Buffer>): string {
  const root = path.join(dir, name);
  mkdirSync(root, { recursive: true });
  for (const [n, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, n)), { recursive: true });
    writeFileSync(path.join(root, n), body);
  }
  return root;
}

function withStore<T>(fn: (store: JobStore) => Promise<T>): Promise<T> {
  const store = JobStore.open(tempDbPath(dir));
  return fn(store).finally(() => store.close());
}

describe('intake says what a file is before it runs', () => {
  it('a pending job has its format from the extension, or from its first bytes when the name says nothing', () =>
    withStore(async (store) => {
      const root = folder('formats', {
        'people.csv': 'name,city\nLee,Paris\n',
        'report.pdf': '%PDF-1.7\n%\u00e2\u00e3\n',
        README: '# Quarry\n\nA line of text.\n',
        'settings.cfg': 'verbose = true\nthreads = 4\n',
        'data.dat': '{"a": 1, "b": [2, 3]}',
        'empty.bin': '',
        'sub/page': '<!doctype html><html><body><p>Hi</p></body></html>',
      });
      const out = await intakePaths(store, [root]);
      expect(out.rejected).toEqual([]);
      const byName = Object.fromEntries(store.list({ parentId: out.batch!.id, limit: 50 }).map((j) => [j.fileName, [j.status, j.format]]));
      expect(byName).toEqual({
        'people.csv': ['pending', 'csv'],
        'report.pdf': ['pending', 'pdf'],
        README: ['pending', 'markdown'],
        'settings.cfg': ['pending', 'text'],
        'data.dat': ['pending', 'json'],
        'empty.bin': ['pending', 'text'],
        page: ['pending', 'html'],
      });
      // The counts by format see them at once, as the dashboard's filters do.
      expect(store.stats().byFormat).toMatchObject({ csv: 1, pdf: 1, markdown: 1, text: 2, json: 1, html: 1 });
    }));

  it('a file no extractor handles is rejected at the drop with a reason; the rest of the folder is queued', () =>
    withStore(async (store) => {
      const root = folder('mixed', { 'notes.txt': 'plain notes\n', 'blob.xyz': BINARY, 'noext-binary': BINARY });
      const out = await intakePaths(store, [root]);
      expect(out.count).toBe(1);
      expect(out.jobs.map((j) => [j.fileName, j.format])).toEqual([['notes.txt', 'text']]);
      expect(out.rejected).toEqual([
        {
          path: path.join(root, 'blob.xyz'),
          reason: 'unrecognised format: binary content with no known signature, and “.xyz” is not a file type Quarry reads',
        },
        { path: path.join(root, 'noext-binary'), reason: 'unrecognised format: binary content with no known signature, and it has no file extension' },
      ]);
      expect(store.stats().total).toBe(1); // notes.txt: nothing queued for the rejected files
    }));

  it('a single dropped file is rejected the same way, and queues nothing', () =>
    withStore(async (store) => {
      const file = path.join(folder('single', { 'blob.xyz': BINARY }), 'blob.xyz');
      const out = await intakePaths(store, [file]);
      expect(out).toMatchObject({ count: 0, batch: null, jobs: [] });
      expect(out.rejected).toHaveLength(1);
      expect(out.rejected[0]!.reason).toMatch(/^unrecognised format: binary content/);
    }));

  it("a folder's OS clutter (.DS_Store, ._ twins, Thumbs.db, desktop.ini) is passed by without a word; one dropped alone is judged", () =>
    withStore(async (store) => {
      const root = folder('clutter', {
        'minutes.txt': 'the minutes\n',
        '.DS_Store': BINARY,
        '._minutes.txt': BINARY,
        'scans/Thumbs.db': BINARY,
        'scans/desktop.ini': '[.ShellClassInfo]\r\nIconResource=x\r\n',
      });
      const out = await intakePaths(store, [root]);
      expect(out.rejected).toEqual([]);
      expect(out.jobs.map((j) => j.fileName)).toEqual(['minutes.txt']);
      const alone = await intakePaths(store, [path.join(root, '.DS_Store')]);
      expect(alone.count).toBe(0);
      expect(alone.rejected[0]!.reason).toMatch(/^unrecognised format/);
    }));

  it('a compound file (OLE2) without a telling name is left to its job when its streams lie past the head: intake never reads a file whole', () =>
    withStore(async (store) => {
      // 40 KB, its head naming no stream detection knows: telling what it holds would mean reading it whole.
      const big = compoundFile([
        { name: 'Filler', data: Buffer.alloc(40_000, 1) },
        { name: 'Contents', data: Buffer.alloc(600, 2) },
      ]);
      const small = compoundFile([{ name: 'Oddity', data: Buffer.alloc(100, 3) }]);
      const root = folder('ole2', { scan0001: big, 'thing.bin': small });
      const out = await intakePaths(store, [root]);
      expect(out.jobs.map((j) => [j.fileName, j.format])).toEqual([['scan0001', null]]);
      // A small one is read whole (it is its head): a compound file of no known kind is refused at once.
      expect(out.rejected).toEqual([{ path: path.join(root, 'thing.bin'), reason: expect.stringMatching(/application\/x-ole-storage/) }]);
    }));

  it('a format forced by the options is taken as is: nothing is sniffed or rejected', () =>
    withStore(async (store) => {
      const file = path.join(folder('forced', { 'blob.xyz': BINARY }), 'blob.xyz');
      const out = await intakePaths(store, [file], { options: { format: 'text' } });
      expect(out.rejected).toEqual([]);
      expect(out.jobs.map((j) => j.format)).toEqual(['text']);
    }));

  it("the run's detection replaces intake's guess, also when the job fails", () =>
    withStore(async (store) => {
      const root = folder('guess', { 'archive.txt': 'PK\u0003\u0004 not really a zip' });
      const out = await intakePaths(store, [root]);
      expect(out.jobs[0]!.format).toBe('text');
      const [claimed] = store.claim(5, Date.now(), 60_000, newOwnerId());
      const failed = store.fail(claimed!.id, { code: 'corrupt_file', message: 'truncated ZIP' }, 'zip');
      expect(failed.format).toBe('zip');
      expect(store.stats().byFormat).toMatchObject({ zip: 1 });
      expect(store.stats().byFormat.text ?? 0).toBe(0);
    }));
});
