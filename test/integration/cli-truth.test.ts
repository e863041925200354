// The `quarry` command tells the truth, end to end: the built binary as a
// child process on real files and a real SQLite file. --json is complete on a
// pipe; control characters in file names never reach the terminal raw.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.cjs');
const dir = tempDir('quarry-cli-truth-');
const env = { ...process.env, QUARRY_HOME: path.join(dir, 'home') };
/** A guard only: a command that hangs fails its test instead of stalling the suite. */
const GUARD_MS = 120_000;

interface Result {
  code: number | null;
  out: string;
  err: string;
}

function quarry(...args: string[]): Result {
  return run(process.execPath, [CLI, ...args]);
}

function run(cmd: string, args: string[]): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: GUARD_MS, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A folder of small text files, queued in a new database. */
function queued(name: string, files = 3): { input: string; db: string } {
  const input = path.join(dir, name, 'in');
  mkdirSync(input, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(path.join(input, `note-${i}.txt`), `note ${i}\n`);
  const db = path.join(dir, name, 'jobs.db');
  expect(quarry('add', input, '--db', db).code).toBe(0);
  return { input, db };
}

describe('--json on a pipe', () => {
  it('jobs --json past the pipe’s 64 KiB is complete, valid JSON', () => {
    const { db } = queued('big-json', 300);
    // A reader that starts late, as a busy `jq` or `less` would: everything
    // past what the pipe holds must wait in quarry until it is read.
    const r = run('sh', ['-c', '"$0" "$@" | { sleep 1; cat; }', process.execPath, CLI, 'jobs', '--db', db, '--json', '--limit', '1000']);
    expect(r.err).toBe('');
    expect(Buffer.byteLength(r.out)).toBeGreaterThan(64 * 1024);
    expect(JSON.parse(r.out)).toHaveLength(301);
  });
});

describe('control characters never reach the terminal raw', () => {
  // Raw C0 (but tab and newline), DEL, C1 and bidi controls.
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
  const name = 'red\x1b[31mALERT\x1b[0m \u009b2J \u202eexe.txt';

  it('in file names and messages of every command, while --json keeps the exact name', { timeout: 3 * GUARD_MS }, () => {
    const input = path.join(dir, 'controls', 'in');
    mkdirSync(input, { recursive: true });
    writeFileSync(path.join(input, name), 'text\n');
    writeFileSync(path.join(input, 'broken\x1b]0;owned\x07.pdf'), '%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a pdf at all');
    const db = path.join(dir, 'controls', 'jobs.db');
    const printed: Result[] = [
      quarry('add', input, path.join(input, 'gone\x1b[2J.txt'), '--db', db),
      quarry('run', '--db', db),
      quarry('jobs', '--db', db),
      quarry('jobs', '--db', db, '--status', 'nope\x1b[5m'),
      quarry('status', '--db', db),
    ];
    const jobs = JSON.parse(quarry('jobs', '--db', db, '--json').out) as Array<{ shortId: string; fileName: string; status: string }>;
    const evil = jobs.find((j) => j.fileName === name)!;
    const broken = jobs.find((j) => j.fileName.startsWith('broken'))!;
    expect(evil.status).toBe('completed');
    expect(broken.status).toBe('failed');
    printed.push(quarry('show', evil.shortId, '--db', db), quarry('show', broken.shortId, '--db', db), quarry('retry', broken.shortId, 'abcd\x1b[1m', '--db', db));

    for (const r of printed) {
      expect(r.out + r.err).not.toMatch(RAW);
    }
    const all = printed.map((r) => r.out + r.err).join('');
    expect(all).toContain('red\\x1b[31mALERT\\x1b[0m \\x9b2J \\u202eexe.txt'); // escaped, still readable
    expect(all).toContain('gone\\x1b[2J.txt');
    expect(all).toContain('nope\\x1b[5m');

    const raw = quarry('show', evil.shortId, '--db', db, '--json').out;
    expect(raw).not.toMatch(RAW);
    expect(JSON.parse(raw).job.fileName).toBe(name);
  });
});
