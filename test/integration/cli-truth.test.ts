// The `quarry` command tells the truth, end to end: the built binary as a
// child process on real files and a real SQLite file. A store that fails
// (locked by another process, a full disk, read-only) ends `run` and `extract` non-zero
// with one line that says what to do; --json is complete on a pipe; the read
// commands work on a read-only database; control characters in file names
// never reach the terminal raw.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { skipWhen } from '../helpers/skip.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

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

const fileJobs = (db: string) =>
  (JSON.parse(quarry('jobs', '--db', db, '--json').out) as Array<{ kind: string; status: string }>).filter((j) => j.kind !== 'batch');
const oneLine = (text: string) => text.trim().split('\n');

/** Root may mount in a private namespace (mounts vanish with its processes): read-only folders and a full disk for real. */
const asRoot = process.getuid?.() === 0;
const canMountPrivately =
  asRoot && spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind / /mnt && mount -o remount,bind,ro /mnt'], { stdio: 'ignore' }).status === 0;

/** Holds SQLite's write lock on the file, as another process in the middle of a long write would. */
function lockExclusively(db: string): () => void {
  const other = new Database(db);
  other.exec('BEGIN EXCLUSIVE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

describe('a failing job database ends run and extract non-zero', () => {
  it('run: another process holds the write lock', { timeout: 3 * GUARD_MS }, () => {
    const { db } = queued('locked-run');
    const release = lockExclusively(db);
    let r: Result;
    try {
      r = quarry('run', '--db', db);
    } finally {
      release();
    }
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toEqual([
      expect.stringMatching(/^quarry: The job database .*jobs\.db is locked by another process .*Nothing queued was lost: run the command again/),
    ]);
    // Nothing lost: once the lock is gone, the same jobs run to the end.
    expect(fileJobs(db).map((j) => j.status)).toEqual(['pending', 'pending', 'pending']);
    const again = quarry('run', '--db', db);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/3 of 3 jobs succeeded/);
  });

  it('extract: the database gets locked after its files were queued', { timeout: 3 * GUARD_MS }, async () => {
    const input = path.join(dir, 'locked-extract', 'in');
    mkdirSync(input, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(path.join(input, `page-${i}.txt`), `page ${i}\n`);
    const db = path.join(dir, 'locked-extract', 'jobs.db');
    // Due in an hour: the lock is taken between the intake and the first claim, whatever the machine's speed.
    const child = spawn(process.execPath, [CLI, 'extract', input, '--out', path.join(dir, 'locked-extract', 'out'), '--db', db, '--delay', '3600'], { env });
    const ended = collect(child);
    await until(() => countJobs(db) === 4, GUARD_MS);
    const release = lockExclusively(db);
    let r: Result;
    try {
      r = await ended;
    } finally {
      release();
    }
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toEqual([expect.stringMatching(/^quarry: The job database .*jobs\.db is locked by another process .*Nothing queued was lost/)]);
    expect(fileJobs(db).map((j) => j.status)).toEqual(['pending', 'pending', 'pending']);
  });

  it(
    'run: the disk is full',
    {
      ...skipWhen(!canMountPrivately, 'a full disk is a small tmpfs in a private mount namespace: that needs root and the right to mount'),
      timeout: 3 * GUARD_MS,
    },
    () => {
      const base = path.join(dir, 'full');
      const input = path.join(base, 'in');
      mkdirSync(path.join(base, 'mnt'), { recursive: true });
      mkdirSync(input);
      for (let i = 0; i < 20; i++) writeFileSync(path.join(input, `line-${i}.txt`), `line ${i}\n`);
      // The database on a 1 MiB tmpfs, filled up: first the run cannot even make
      // the -shm file (SQLite says "disk I/O error"); then, with another
      // connection keeping the -shm in place (as the app would), it opens and
      // only its writes fail.
      const script = `
      mount -t tmpfs -o size=1m tmpfs "$M" || exit 90
      "$NODE" "$CLI" add "$IN" --db "$M/jobs.db" > /dev/null || exit 91
      dd if=/dev/zero of="$M/fill" bs=4k 2> /dev/null
      timeout -s KILL ${GUARD_MS / 1000} "$NODE" "$CLI" run --db "$M/jobs.db" > /dev/null 2> "$B/open.err"; echo $? > "$B/open.code"
      rm "$M/fill"
      "$NODE" -e 'const d = new (require(process.argv[1]))(process.argv[2]); d.prepare("SELECT 1").get(); require("fs").writeFileSync(process.argv[3], "1"); setInterval(() => {}, 1e6);' "$BSQ" "$M/jobs.db" "$B/held" < /dev/null > /dev/null 2>&1 &
      trap "kill $!" EXIT
      until [ -s "$B/held" ]; do sleep 0.05; done
      dd if=/dev/zero of="$M/fill" bs=4k 2> /dev/null
      timeout -s KILL ${GUARD_MS / 1000} "$NODE" "$CLI" run --db "$M/jobs.db" > /dev/null 2> "$B/full.err"; echo $? > "$B/full.code"
      "$NODE" "$CLI" jobs --json --db "$M/jobs.db" > "$B/jobs.json"
      rm "$M/fill"
      "$NODE" "$CLI" run --db "$M/jobs.db" > "$B/again.out"; echo $? > "$B/again.code"`;
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
        encoding: 'utf8',
        timeout: 2 * GUARD_MS,
        env: { ...env, B: base, M: path.join(base, 'mnt'), IN: input, NODE: process.execPath, CLI, BSQ: path.join(root, 'node_modules/better-sqlite3') },
      });
      expect(r.status, r.stderr).toBe(0);
      const read = (name: string) => readFileSync(path.join(base, name), 'utf8');
      for (const step of ['open', 'full']) {
        expect(read(`${step}.code`).trim(), step).toBe('1');
        expect(oneLine(read(`${step}.err`)), step).toEqual([
          expect.stringMatching(/^quarry: The disk that holds the job database .*jobs\.db is full .*Nothing queued was lost: free some space/),
        ]);
      }
      expect((JSON.parse(read('jobs.json')) as Array<{ kind: string }>).filter((j) => j.kind !== 'batch')).toHaveLength(20);
      expect(read('again.code').trim()).toBe('0');
      expect(read('again.out')).toMatch(/20 of 20 jobs succeeded/);
    },
  );
});

function collect(child: ReturnType<typeof spawn>): Promise<Result> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), GUARD_MS);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, out, err });
    }),
  );
}

function countJobs(db: string): number {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (d.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0; // not created, or not migrated yet
  }
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

/**
 * Runs the CLI on `folder` made read-only: as another user by its modes; as
 * root (whom modes do not stop) through a read-only bind mount in a private
 * mount namespace, which disappears with the process.
 */
function onReadOnly(folder: string, ...args: string[]): Result {
  if (asRoot) {
    return run('unshare', [
      '-m',
      'sh',
      '-c',
      'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"',
      'sh',
      folder,
      process.execPath,
      CLI,
      ...args,
    ]);
  }
  const db = readdirSync(folder)
    .filter((f) => f.endsWith('.db'))
    .map((f) => path.join(folder, f));
  for (const f of db) chmodSync(f, 0o444);
  chmodSync(folder, 0o555);
  try {
    return quarry(...args);
  } finally {
    chmodSync(folder, 0o755);
    for (const f of db) chmodSync(f, 0o644);
  }
}

const snapshot = (folder: string) => ({
  files: readdirSync(folder).sort(),
  hash: createHash('sha256')
    .update(readFileSync(path.join(folder, 'jobs.db')))
    .digest('hex'),
});

describe(
  'a read-only database',
  skipWhen(asRoot && !canMountPrivately, 'running as root without the right to mount: a read-only folder cannot be made (file modes do not stop root)'),
  () => {
    it('status, jobs and show read it, and leave it untouched', { timeout: 3 * GUARD_MS }, () => {
      const { db } = queued('read-only');
      const folder = path.dirname(db);
      const id = (JSON.parse(quarry('jobs', '--db', db, '--json').out) as Array<{ shortId: string; kind: string }>).find((j) => j.kind !== 'batch')!.shortId;
      const before = snapshot(folder);
      expect(before.files).toEqual(['in', 'jobs.db']); // closed cleanly: no -wal or -shm beside it

      const status = onReadOnly(folder, 'status', '--db', db, '--json');
      expect(status.err).toBe('');
      expect(status.code).toBe(0);
      expect(JSON.parse(status.out)).toMatchObject({ total: 3, byStatus: { pending: 3 } });
      const jobs = onReadOnly(folder, 'jobs', '--db', db, '--json');
      expect(jobs.code).toBe(0);
      expect(JSON.parse(jobs.out)).toHaveLength(4);
      const show = onReadOnly(folder, 'show', id, '--db', db);
      expect(show.code).toBe(0);
      expect(show.out).toMatch(/- -> pending\s+attempt 0/);

      expect(snapshot(folder)).toEqual(before);
    });

    it('run says it cannot write there and exits non-zero', { timeout: 3 * GUARD_MS }, () => {
      const { db } = queued('read-only-run');
      // Another reader keeps the -wal and -shm files in place: the database opens, and only its writes fail.
      const other = new Database(db);
      other.prepare('SELECT count(*) FROM jobs').get();
      let r: Result;
      try {
        r = onReadOnly(path.dirname(db), 'run', '--db', db);
      } finally {
        other.close();
      }
      expect(r.code).toBe(1);
      expect(oneLine(r.err)).toEqual([
        expect.stringMatching(/^quarry: The job database .*jobs\.db cannot be written here .*read-only\. Nothing queued was lost/),
      ]);
      expect(fileJobs(db).map((j) => j.status)).toEqual(['pending', 'pending', 'pending']);
    });
  },
);

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
    printed.push(
      quarry('show', evil.shortId, '--db', db),
      quarry('show', broken.shortId, '--db', db),
      quarry('retry', broken.shortId, 'abcd\x1b[1m', '--db', db),
    );

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
