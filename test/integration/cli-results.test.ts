// `quarry search` and `quarry show --text/--markdown/--tables/--metadata/--page`
// end to end: the built binary extracts a folder of real files into a --db,
// then searches it and prints each file's parts, read back from stdout.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hitLines } from '../../main/cli-search.js';
import { JobStore } from '../../main/core/store/job-store.js';
import { makePdf } from '../helpers/fixtures.js';
import { sampleResult } from '../helpers/results.js';
import { OWNER } from '../helpers/store-states.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.cjs');
const dir = tempDir('quarry-cli-results-');
const input = path.join(dir, 'in');
const db = path.join(dir, 'jobs.db');
const NOTES = 'Le café du coin ouvre à sept heures.\nZebrafish \x1b[31mnotes\x1b[0m here.\n';

function quarry(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, QUARRY_HOME: path.join(dir, 'home') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Hit = { jobId: string; fileName: string; page: number | null; snippet: Array<{ text: string; hit: boolean }> };
const search = (...args: string[]) => JSON.parse(quarry('search', ...args, '--db', db, '--json').out) as { hits: Hit[]; total: number };
const idOf = (file: string) => search(file.split('.')[0]!).hits.find((h) => h.fileName === file)!.jobId;

beforeAll(async () => {
  mkdirSync(input, { recursive: true });
  writeFileSync(path.join(input, 'report.pdf'), await makePdf({ title: 'Quarterly Report', pages: [['Revenue grew'], ['Costs fell sharply']] }));
  writeFileSync(path.join(input, 'people.csv'), 'name,city\nLee,Paris\nAda,London\n');
  writeFileSync(path.join(input, 'notes.txt'), NOTES);
  const r = quarry('extract', input, '--db', db, '--out', path.join(dir, 'out'));
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
});

describe('quarry search', () => {
  it('answers from its own small bundle exactly as the whole CLI does, errors included', () => {
    const whole = (...args: string[]) => {
      const r = spawnSync(process.execPath, [path.join(root, 'dist/quarry-cli.cjs'), ...args], { encoding: 'utf8' });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    for (const args of [
      ['search', 'london OR sharply', '--db', db, '--json'],
      ['search', 'sharply', '--db', db],
      ['search', 'x', '--limit', '500', '--db', db],
    ]) {
      expect(quarry(...args)).toEqual(whole(...args));
    }
    // The small bundle holds no engine and no extractor: a fraction of the whole CLI.
    const size = (f: string) => readFileSync(path.join(root, 'dist', f)).length;
    expect(size('quarry-search.cjs')).toBeLessThan(size('quarry-cli.cjs') / 3);
    expect(quarry('--help').out).toContain('extract');
  });

  it('finds a word on its page, with the file and a snippet (no ANSI when piped)', () => {
    const r = quarry('search', 'sharply', '--db', db);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^report\.pdf {2}page 2 {2}\([0-9a-f]{8}\)\n {2}Costs fell sharply\n$/);
    expect(r.err).toBe('1 hit\n');
  });

  it('folds diacritics, reads phrases and exclusions, and filters by format', () => {
    expect(search('cafe').hits.map((h) => h.fileName)).toEqual(['notes.txt']);
    expect(search('"revenue grew"').hits).toMatchObject([{ fileName: 'report.pdf', page: 1 }]);
    expect(search('london', '-paris').total).toBe(0);
    expect(search('london', '--format', 'pdf').total).toBe(0);
    expect(search('london', '--format', 'csv').total).toBe(1);
    const hit = search('zebrafish').hits[0]!;
    expect(hit.snippet).toContainEqual({ text: 'Zebrafish', hit: true });
  });

  it('escapes what a file holds (a terminal escape in the text) and repairs a broken query', () => {
    const r = quarry('search', 'zebrafish', '--db', db);
    expect(r.out).not.toContain('\x1b');
    expect(r.out).toContain('\\x1b[31mnotes');
    const broken = quarry('search', '"unclosed -', '(', '--db', db);
    expect(broken.code).toBe(0);
    expect(broken.err).toBe('No results.\n');
  });

  it('marks matched words in bold on a terminal only, and escapes a file’s own escapes either way', () => {
    const hit = {
      jobId: '0123456789abcdef',
      fileName: 'a\x1b[2Jb.txt',
      sourcePath: null,
      format: null,
      status: 'completed' as const,
      page: 4,
      snippet: [
        { text: 'before ', hit: false },
        { text: 'word\x1b[0m', hit: true },
      ],
      score: -1,
    };
    expect(hitLines(hit, true)).toEqual(['a\\x1b[2Jb.txt  page 4  (01234567)', '  before \x1b[1mword\\x1b[0m\x1b[22m']);
    expect(hitLines(hit, false)).toEqual(['a\\x1b[2Jb.txt  page 4  (01234567)', '  before word\\x1b[0m']);
    // A snippet stays one line: a sheet's tabs and the text's line breaks read as spaces.
    const cells = { ...hit, snippet: [{ text: 'Number\tSquare\n\n\t1\t', hit: false }] };
    expect(hitLines(cells, false)[1]).toBe('  Number Square 1 ');
  });
});

describe('what a search or an export could not look in', () => {
  it('quarry search and quarry export --search both say, on stderr, how many stored files the index does not hold yet', () => {
    const owedDb = path.join(dir, 'owed.db');
    const store = JobStore.open(owedDb);
    try {
      // Three results stored as the engine stores them: owed to the index, which nothing has written yet.
      for (const name of ['a.txt', 'b.txt', 'c.txt']) {
        const [job] = store.add([{ fileName: name, sourcePath: path.join(input, name), priority: 1 }]);
        store.claim(1, Date.now(), 60_000, OWNER);
        store.complete(job!.id, sampleResult({ text: `granite ${name}` }));
      }
      expect(store.pendingResults()).toBe(3);
      // Another connection holds the write lock (as a running engine's transaction can): nothing can be indexed now.
      store.db.exec('BEGIN IMMEDIATE');
      const found = quarry('search', 'granite', '--db', owedDb);
      expect(found.out).toBe('');
      expect(found.err).toContain('No results.');
      expect(found.err).toContain('3 files are not indexed yet and were not searched');
      const exported = quarry('export', '--db', owedDb, '--out', path.join(dir, 'owed-out'), '--search', 'granite');
      expect(exported.code).toBe(0);
      // stdout stays the one line a script reads; the warning goes to stderr.
      expect(exported.out).toMatch(/^0 documents written to \S+quarry-results\.jsonl\n$/);
      expect(exported.err).toContain('3 files are not indexed yet and were not searched, so the export may lack some matches');
      store.db.exec('COMMIT');
      // The lock free, the export indexes what is owed first and finds all three, and says nothing more.
      const all = quarry('export', '--db', owedDb, '--out', path.join(dir, 'owed-out'), '--search', 'granite');
      expect(all.out).toMatch(/^3 documents written to /);
      expect(all.err).toBe('');
    } finally {
      if (store.db.inTransaction) store.db.exec('ROLLBACK');
      store.close();
    }
  }, 30_000);
});

describe('quarry show parts', () => {
  it('--text prints the whole text, --page one page', () => {
    const id = idOf('report.pdf');
    const text = quarry('show', id, '--db', db, '--text');
    expect(text.code).toBe(0);
    expect(text.out).toContain('Revenue grew');
    expect(text.out).toContain('Costs fell sharply');
    expect(quarry('show', id.slice(0, 8), '--db', db, '--page', '2').out).toBe('Costs fell sharply\n');
    const missing = quarry('show', id, '--db', db, '--page', '9');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/has no page 9: its pages are numbered 1 to 2/);
  });

  it('--text matches the file read back (control characters escaped), --json gives the slice', () => {
    const id = idOf('notes.txt');
    const printed = quarry('show', id, '--db', db, '--text').out;
    expect(printed.replace(/\n+$/, '')).toBe(readFileSync(path.join(input, 'notes.txt'), 'utf8').replaceAll('\x1b', '\\x1b').replace(/\n+$/, ''));
    const slice = JSON.parse(quarry('show', id, '--db', db, '--text', '--json').out);
    expect(slice).toMatchObject({ part: 'text', offset: 0, done: true, spooled: false });
    expect(slice.text).toContain('\x1b[31m');
  });

  it('--tables prints each table tab-separated, --metadata key: value, --markdown the Markdown', () => {
    const csv = idOf('people.csv');
    const tables = quarry('show', csv, '--db', db, '--tables').out.split('\n');
    expect(tables).toContain('name\tcity');
    expect(tables).toContain('Ada\tLondon');
    expect(quarry('show', idOf('report.pdf'), '--db', db, '--metadata').out).toMatch(/^title: Quarterly Report$/m);
    expect(quarry('show', csv, '--db', db, '--markdown').out).toMatch(/\| *Ada *\| *London *\|/);
    expect(quarry('show', csv, '--db', db, '--tables', '--text').err).toMatch(/Choose one of/);
  });
});
