// Every file a person gave has a record of its own, and an export writes what
// the person is looking at (issue 13). The built CLI extracts real files from
// the shared corpus (an e-mail with attachments, a ZIP, a tar) and a text file
// into a --db, then exports with filters as JSONL, Markdown and SQLite; the
// files are read back (the SQLite one with better-sqlite3).
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { JobStore } from '../../main/core/store/job-store.js';
import { skipWhen } from '../helpers/skip.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.cjs');
// Beside the repository; a git worktree one level further down finds it too.
const corpus = [path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')].find((d) => existsSync(path.join(d, 'MANIFEST.tsv')));
const EML = corpus && path.join(corpus, 'email/nodemailer.eml');
const ZIP = corpus && path.join(corpus, 'zip/unicode.zip');
const TAR = corpus && path.join(corpus, 'tar/multi-file.tar');

const dir = tempDir('quarry-export-views-');
const db = path.join(dir, 'jobs.db');

function quarry(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, QUARRY_HOME: path.join(dir, 'home') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Rec = { id: string; fileName: string; kind: string; container: string | null; entries: number | null; metadata: Record<string, unknown>; text: string };
const jsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);

describe(
  'containers and exports of a view',
  skipWhen(!corpus, 'the shared corpus (../shared/corpus) is absent: these tests use its real e-mail and archives'),
  () => {
    let extracted: { code: number | null; out: string };
    beforeAll(() => {
      const notes = path.join(dir, 'notes.txt');
      writeFileSync(notes, 'Granite blocks from the quarry, cut in 1907.\n');
      extracted = quarry('extract', EML!, ZIP!, TAR!, notes, '--db', db, '--out', path.join(dir, 'out'));
    }, 60_000);

    it('extract counts the files given, and those found inside them apart', () => {
      expect(extracted.code).toBe(0);
      // 4 files given; the e-mail holds 4 attachments, the zip 2 files, the tar 2.
      expect(extracted.out).toContain('4 of 4 files extracted (and 8 files found inside them); wrote 12 records to');
    });

    it('a container keeps its own record (headers, MIME structure; archive listing) beside its children’s', () => {
      const recs = jsonl(path.join(dir, 'out', 'quarry-results.jsonl'));
      expect(recs).toHaveLength(12);
      const eml = recs.find((r) => r.fileName === 'nodemailer.eml')!;
      expect(eml).toMatchObject({ kind: 'container', container: null, entries: 4 });
      expect(eml.metadata.subject).toBe('Nodemailer is unicode friendly ✔ (1476358788189)');
      expect(eml.metadata.mimeStructure).toContain('multipart/mixed');
      const children = recs.filter((r) => r.container === eml.id).map((r) => r.fileName);
      expect(children.sort()).toEqual(['attachment-1.html', 'image.png', 'notes.txt', 'nyan cat ✔.gif']);
      const tar = recs.find((r) => r.fileName === 'multi-file.tar')!;
      expect(tar.kind).toBe('container');
      expect(tar.text).toContain('file-1.txt');
      expect(recs.filter((r) => r.container === tar.id).map((r) => r.text.trim())).toEqual(['i am file-1', 'i am file-2']);
      // The folder-less grouping batch ("4 files") is not a file: no record.
      expect(recs.some((r) => r.fileName === '4 files')).toBe(false);
      const shown = JSON.parse(quarry('show', eml.id, '--db', db, '--json').out) as { children: Array<{ fileName: string }> };
      expect(shown.children.map((c) => c.fileName).sort()).toEqual(children.sort());
    });

    it('exports one container and its files as Markdown: a folder, a file each, an index', () => {
      const recs = jsonl(path.join(dir, 'out', 'quarry-results.jsonl'));
      const eml = recs.find((r) => r.fileName === 'nodemailer.eml')!;
      const out = path.join(dir, 'md');
      const r = quarry('export', '--db', db, '--out', out, '--format', 'md', '--batch', eml.id.slice(0, 8));
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^5 documents written to .*quarry-results-md\/index\.md\n$/);
      const folder = path.join(out, 'quarry-results-md');
      expect(readdirSync(folder).sort()).toEqual([
        'attachment-1.html.md',
        'image.png.md',
        'index.md',
        'nodemailer.eml.md',
        'notes.txt.md',
        'nyan cat ✔.gif.md',
      ]);
      expect(readFileSync(path.join(folder, 'nodemailer.eml.md'), 'utf8')).toMatch(/^# nodemailer\.eml\n[\s\S]*subject: Nodemailer is unicode friendly/);
      expect(readFileSync(path.join(folder, 'notes.txt.md'), 'utf8')).toContain('- Inside: [nodemailer.eml.md](nodemailer.eml.md)');
      expect(readFileSync(path.join(folder, 'index.md'), 'utf8')).toContain('- [nyan cat ✔.gif](nyan%20cat%20%E2%9C%94.gif.md) · image · completed');
      // A second export never mixes with the first: a folder of its own.
      quarry('export', '--db', db, '--out', out, '--format', 'md', '--ids', recs[0]!.id);
      expect(readdirSync(path.join(out, 'quarry-results-md-2'))).toHaveLength(2);
    });

    it('exports a full-text search as a standalone SQLite database', () => {
      const out = path.join(dir, 'sqlite');
      const r = quarry('export', '--db', db, '--out', out, '--format', 'sqlite', '--search', 'granite OR "unicode friendly"');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^2 documents written to /);
      const x = new Database(path.join(out, 'quarry-results.sqlite'), { readonly: true });
      try {
        const docs = x.prepare('SELECT file_name, kind, text FROM documents ORDER BY file_name').all() as Array<{
          file_name: string;
          kind: string;
          text: string;
        }>;
        expect(docs.map((d) => [d.file_name, d.kind])).toEqual([
          ['nodemailer.eml', 'container'],
          ['notes.txt', 'file'],
        ]);
        expect(docs[1]!.text).toContain('Granite blocks');
        const subject = x.prepare(
          `SELECT m.value FROM metadata m JOIN documents d ON d.id = m.document_id WHERE d.file_name = 'nodemailer.eml' AND m.key = 'subject'`,
        );
        expect(subject.pluck().get()).toBe('Nodemailer is unicode friendly ✔ (1476358788189)');
        expect(x.prepare(`SELECT value FROM export_info WHERE key = 'filter'`).pluck().get()).toBe(JSON.stringify({ query: 'granite OR "unicode friendly"' }));
      } finally {
        x.close();
      }
    });

    it('takes the list’s filter as the window sends it: several statuses and formats, all matching but the unticked, up to a seq', () => {
      const store = JobStore.open(db, { readonly: true });
      try {
        const names = (f: Parameters<JobStore['exportRows']>[0]) => [...store.exportRows(f)].map((r) => r.job.fileName).sort();
        expect(names({ formats: ['tar', 'zip'] })).toEqual(['multi-file.tar', 'unicode.zip']);
        expect(names({ statuses: ['failed', 'partial'] })).toEqual([]);
        const tar = [...store.exportRows({ formats: ['tar'] })][0]!.job;
        expect(names({ formats: ['tar', 'zip'], exclude: [tar.id] })).toEqual(['unicode.zip']);
        const eml = [...store.exportRows({ formats: ['eml'] })][0]!.job;
        expect(names({ formats: ['tar', 'zip', 'eml'], maxSeq: eml.seq })).toEqual(['nodemailer.eml']);
        expect(names({ search: tar.id.slice(0, 8) })).toEqual(['multi-file.tar']);
      } finally {
        store.close();
      }
    });

    it('narrows by status, format and size, and a query with nothing to look for exports nothing', () => {
      const out = path.join(dir, 'csv');
      expect(quarry('export', '--db', db, '--out', out, '--format', 'csv', '--file-format', 'text', '--max-size', '20').out).toMatch(/^4 documents/);
      expect(quarry('export', '--db', db, '--out', out, '--status', 'failed').out).toMatch(/^0 documents/);
      expect(quarry('export', '--db', db, '--out', out, '--search', '"-(').out).toMatch(/^0 documents/);
      const bad = quarry('export', '--db', db, '--out', out, '--min-size', 'ten');
      expect(bad.code).not.toBe(0);
      expect(bad.err).toContain('--min-size: "ten" is not a size');
    });
  },
);
