// The `quarry` command end to end, as a user runs it: the built binary on a
// temporary folder of real files (a generated PDF, CSV, HTML, text, a corrupt
// PDF), through a real SQLite file and the real extraction pool.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { makePdf } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.cjs');
const dir = tempDir('quarry-cli-');
const input = path.join(dir, 'in');
const db = path.join(dir, 'jobs.db');

function quarry(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, QUARRY_HOME: path.join(dir, 'home') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  mkdirSync(path.join(input, 'nested'), { recursive: true });
  writeFileSync(path.join(input, 'report.pdf'), await makePdf({ title: 'Quarterly Report', pages: [['Revenue grew'], ['Costs fell']] }));
  writeFileSync(path.join(input, 'people.csv'), 'name,city\n"Smith, Jo","Paris"\nLee,"New\nYork"\n');
  writeFileSync(
    path.join(input, 'nested', 'page.html'),
    '<html><head><title>Caf&eacute; list</title></head><body><h1>Menu</h1><a href="https://example.org/a">A</a></body></html>',
  );
  writeFileSync(path.join(input, 'nested', 'notes.txt'), 'plain notes\n');
  writeFileSync(path.join(input, 'broken.pdf'), '%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a pdf at all');
});

describe('quarry CLI', () => {
  it('prints help for every command', () => {
    for (const cmd of ['', 'add', 'run', 'status', 'jobs', 'show', 'retry', 'cancel', 'delete', 'export', 'extract']) {
      const r = quarry(...(cmd ? [cmd] : []), '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.out).toMatch(/Usage: quarry/);
    }
  });

  it('says what is wrong in one line with a non-zero exit code', () => {
    const r = quarry('jobs', '--db', db, '--status', 'exploded');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/exploded.*(pending|choices)/i);
    const m = quarry('retry', 'abcdef12', '--db', db);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/No job with id "abcdef12"/);
  });

  it('add queues files and folders recursively, and names what it skipped', () => {
    const r = quarry('add', input, path.join(dir, 'missing.docx'), '--db', db);
    expect(r.out).toMatch(/queued 5 files/);
    expect(r.err).toMatch(/skipped .*missing\.docx: does not exist/);
    expect(r.code).toBe(1);
    const s = JSON.parse(quarry('status', '--db', db, '--json').out);
    expect(s.byStatus.pending).toBe(5);
  });

  it('run processes everything and exits 1 because one file is corrupt', () => {
    const r = quarry('run', '--db', db, '--concurrency', '2');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/completed report\.pdf \(pdf/);
    expect(r.out).toMatch(/failed broken\.pdf: .+/);
    expect(r.out).toMatch(/4 of 5 jobs succeeded/);
  });

  it('status names every status exactly, with formats and the average time', () => {
    const text = quarry('status', '--db', db).out;
    for (const s of ['pending', 'running', 'completed', 'failed', 'cancelled', 'partial']) expect(text).toMatch(new RegExp(`^${s}\\s+\\d+$`, 'm'));
    const s = JSON.parse(quarry('status', '--db', db, '--json').out);
    expect(s.byStatus).toMatchObject({ completed: 4, failed: 1, pending: 0, running: 0 });
    expect(s.byFormat).toMatchObject({ pdf: 2, csv: 1, html: 1, text: 1 });
    expect(s.avgDurationMs).toBeGreaterThan(0);
  });

  it('jobs lists and filters; show prints the history', () => {
    const failed = JSON.parse(quarry('jobs', '--db', db, '--status', 'failed', '--json').out);
    expect(failed).toHaveLength(1);
    expect(failed[0].fileName).toBe('broken.pdf');
    expect(failed[0].errorCategory).toBe('permanent');
    const shown = quarry('show', failed[0].shortId, '--db', db).out;
    expect(shown).toMatch(/pending -> running\s+attempt 1/);
    expect(shown).toMatch(/running -> failed\s+attempt 1\s+on local/);
  });

  it('export writes JSONL and CSV with the extracted content', () => {
    const out = path.join(dir, 'out');
    expect(quarry('export', '--db', db, '--out', out, '--format', 'jsonl').code).toBe(0);
    const rows = readFileSync(path.join(out, 'quarry-results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(5);
    const pdf = rows.find((r) => r.fileName === 'report.pdf');
    expect(pdf.text).toMatch(/Revenue grew[\s\S]*Costs fell/);
    expect(pdf.metadata.title).toBe('Quarterly Report');
    expect(pdf.pages).toHaveLength(2);
    const csv = rows.find((r) => r.fileName === 'people.csv');
    expect(csv.tables[0].rows).toEqual([
      ['name', 'city'],
      ['Smith, Jo', 'Paris'],
      ['Lee', 'New\nYork'],
    ]);
    const html = rows.find((r) => r.fileName === 'page.html');
    expect(html.metadata.title).toBe('Café list');
    expect(html.entities).toContainEqual(expect.objectContaining({ type: 'link', value: 'https://example.org/a' }));
    const broken = rows.find((r) => r.fileName === 'broken.pdf');
    expect(broken).toMatchObject({ status: 'failed', error: { category: 'permanent' } });

    expect(quarry('export', '--db', db, '--out', out, '--format', 'csv').code).toBe(0);
    const parsed = Papa.parse<string[]>(readFileSync(path.join(out, 'quarry-results.csv'), 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true });
    expect(parsed.data[0]).toContain('text');
    expect(parsed.data).toHaveLength(6);
    const textCol = parsed.data[0]!.indexOf('text');
    expect(parsed.data.find((r) => r[1] === 'notes.txt')![textCol]).toBe('plain notes\n');
  });

  it('retry, cancel and delete follow the state machine', () => {
    const failed = JSON.parse(quarry('jobs', '--db', db, '--status', 'failed', '--json').out)[0];
    const done = JSON.parse(quarry('jobs', '--db', db, '--status', 'completed', '--json').out)[0];
    expect(quarry('cancel', done.shortId, '--db', db)).toMatchObject({ code: 1, err: expect.stringMatching(/Cannot cancel .* it is completed/) });
    expect(quarry('retry', failed.shortId, '--db', db)).toMatchObject({ code: 0, out: expect.stringMatching(/queued/) });
    expect(quarry('delete', failed.shortId, '--db', db)).toMatchObject({ code: 1, err: expect.stringMatching(/only finished jobs/) });
    expect(quarry('cancel', failed.shortId, '--db', db).code).toBe(0);
    expect(quarry('delete', failed.shortId, '--db', db).code).toBe(0);
    expect(JSON.parse(quarry('status', '--db', db, '--json').out).total).toBe(4);
  });

  it('delete takes the files the job wrote (its spool folder) with it before exiting', () => {
    const done = JSON.parse(quarry('jobs', '--db', db, '--status', 'completed', '--json').out)[0];
    // Entries and attachments as an archive's extraction leaves them: enough files that removing them takes a while.
    const spool = path.join(dir, 'spool', done.id);
    for (let d = 0; d < 20; d++) {
      mkdirSync(path.join(spool, `entry-${d}`), { recursive: true });
      for (let f = 0; f < 50; f++) writeFileSync(path.join(spool, `entry-${d}`, `part-${f}.txt`), 'x'.repeat(1000));
    }
    expect(quarry('delete', done.id, '--db', db).code).toBe(0);
    expect(existsSync(spool)).toBe(false);
  });

  it('extract does it all in one go and fails when a file failed', () => {
    const out = path.join(dir, 'extracted');
    const r = quarry('extract', input, '--out', out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/4 of 5 files extracted/);
    expect(r.err).toMatch(/1 file could not be extracted/);
    expect(readFileSync(path.join(out, 'quarry-results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
    const ok = quarry('extract', path.join(input, 'nested'), '--out', path.join(dir, 'ok'), '--format', 'csv');
    expect(ok.code).toBe(0);
    expect(existsSync(path.join(dir, 'ok', 'quarry-results.csv'))).toBe(true);
  });
});

describe('quarry CLI: a file no extractor handles (issue 14)', () => {
  const mixed = path.join(dir, 'mixed');
  beforeAll(() => {
    mkdirSync(mixed, { recursive: true });
    writeFileSync(path.join(mixed, 'README'), 'Read me first.\nIt is plain text with no extension.\n');
    writeFileSync(path.join(mixed, 'blob.xyz'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256)));
  });

  it('add rejects it at once with its reason, queues the rest with their formats, and exits 1', () => {
    const mixedDb = path.join(dir, 'mixed.db');
    const r = quarry('add', mixed, '--db', mixedDb);
    expect(r.out).toMatch(/queued 1 file /);
    expect(r.err).toMatch(/skipped .*blob\.xyz: unrecognised format: binary content with no known signature, and “\.xyz” is not a file type Quarry reads/);
    expect(r.code).toBe(1);
    const jobs = JSON.parse(quarry('jobs', '--db', mixedDb, '--json').out);
    expect(
      jobs
        .filter((j: { kind: string }) => j.kind !== 'batch')
        .map((j: { fileName: string; status: string; format: string }) => [j.fileName, j.status, j.format]),
    ).toEqual([['README', 'pending', 'text']]);
  });

  it('extract names it and counts it among the files that could not be extracted', () => {
    const r = quarry('extract', mixed, '--out', path.join(dir, 'mixed-out'));
    expect(r.err).toMatch(/skipped .*blob\.xyz: unrecognised format/);
    expect(r.out).toMatch(/1 of 1 files extracted/);
    expect(r.err).toMatch(/1 file could not be extracted/);
    expect(r.code).toBe(1);
  });
});
