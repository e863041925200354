// The `quarry` command tells the truth, end to end: the built binary as a
// child process on real files and a real SQLite file. Control characters in
// file names never reach the terminal raw.
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
