// Jobs left running by a process that died (kill -9, a crash, a power cut)
// are recovered: at the next start, and by another live process while it
// runs. A real `quarry run` (dist/cli.cjs) on real PDFs is killed mid-job; in
// the end every file's job is completed exactly once, with its own result,
// and its history shows the interrupted attempt.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../../main/core/store/job-store.js';
import { makePdf } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CLI = path.resolve(import.meta.dirname, '../../dist/cli.cjs');
const dir = tempDir('quarry-crash-');
const env = { ...process.env, QUARRY_HOME: path.join(dir, 'home') };
/** A run that has not ended by then never will: the job it waits for was never recovered. */
const RUN_DEADLINE_MS = 120_000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

// A PDF long enough that a job takes a good part of a second (the kill lands
// mid-job), written once; each input is a copy with its own trailing comment,
// so its content, hash and result are its own (no result reuse between them).
let basePdf: Uint8Array;
beforeAll(async () => {
  const lines = Array.from({ length: 30 }, (_, i) => `line ${i} of a page long enough to take the parser a while`);
  basePdf = await makePdf({ title: 'Crash test', pages: Array.from({ length: 500 }, () => lines) });
});

function writeInputs(name: string, n: number): string[] {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  return Array.from({ length: n }, (_, i) => {
    const file = path.join(folder, `doc-${i}.pdf`);
    writeFileSync(file, Buffer.concat([basePdf, Buffer.from(`\n% ${name} input ${i}\n`)]));
    return file;
  });
}

function quarry(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  expect(r.status, r.stderr).toBe(0);
}

/** A `quarry` process left running; `ended` settles when it exits, with its output. */
function startQuarry(...args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, ended };
}

/** Waits for a run to end by itself, or fails saying it never did. */
async function endOf(run: ReturnType<typeof startQuarry>) {
  const deadline = new AbortController();
  const ended = await Promise.race([run.ended, sleep(RUN_DEADLINE_MS, undefined, { signal: deadline.signal }).catch(() => undefined)]);
  deadline.abort();
  if (!ended) throw new Error('quarry run never ended: the job left running by the killed process was never recovered');
  return ended;
}

/** The file jobs' rows as another process sees them, with the process that holds each. */
function rows(db: string): Array<{ id: string; status: string; owner: string | null }> {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    conn.pragma('busy_timeout = 5000');
    return conn.prepare(`SELECT id, status, lease_owner AS owner FROM jobs WHERE kind != 'batch'`).all() as never;
  } catch {
    return []; // not created yet
  } finally {
    conn.close();
  }
}

/** Lease owners are "host:pid:random". */
const heldBy = (pid: number | undefined) => (r: { status: string; owner: string | null }) => r.status === 'running' && r.owner?.split(':')[1] === String(pid);

async function kill9(run: ReturnType<typeof startQuarry>): Promise<void> {
  run.child.kill('SIGKILL');
  expect((await run.ended).signal).toBe('SIGKILL');
}

/**
 * Every input has one job, completed once, whose result is that file's (its
 * content hash); `interrupted` jobs show the killed attempt in their history,
 * the others ran once.
 */
function expectEachCompletedOnce(db: string, inputs: string[], interrupted: number): void {
  const store = JobStore.open(db);
  try {
    const jobs = store.list({ kind: 'extract', limit: 1000 });
    expect(jobs.map((j) => j.sourcePath).sort()).toEqual([...inputs].sort());
    const crashed: string[] = [];
    for (const job of jobs) {
      const file = job.sourcePath!;
      expect(job.status, file).toBe('completed');
      expect(job.contentHash, file).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
      expect(store.result(job.id)?.text, file).toContain('line 29 of a page long enough');
      const history = store.events(job.id);
      expect(
        history.filter((e) => e.toStatus === 'completed'),
        file,
      ).toHaveLength(1);
      const killed = history.filter((e) => e.fromStatus === 'running' && e.toStatus === 'pending');
      if (!killed.length) {
        expect(job.retryCount, file).toBe(0);
        continue;
      }
      crashed.push(file);
      expect(killed, file).toEqual([
        expect.objectContaining({ attempt: 1, errorCode: 'worker_crashed', errorMessage: expect.stringMatching(/Quarry stopped while this job was running/) }),
      ]);
      expect(job.retryCount, file).toBe(1);
    }
    expect(crashed).toHaveLength(interrupted);
    expect(store.list({ kind: 'batch' }).map((b) => b.status)).toEqual(['completed']);
  } finally {
    store.close();
  }
}

describe('jobs of a killed `quarry run`', () => {
  it('are recovered at the next start: every file completes exactly once', async () => {
    const db = path.join(dir, 'startup.db');
    const inputs = writeInputs('startup', 5);
    quarry('add', path.dirname(inputs[0]!), '--db', db);
    const first = startQuarry('run', '--db', db, '--concurrency', '1');
    // Killed mid-job, after one file was done.
    await until(() => {
      const now = rows(db);
      return now.some((r) => r.status === 'completed') && now.some(heldBy(first.child.pid));
    }, 60_000);
    await kill9(first);
    expect(rows(db).filter((r) => r.status === 'running')).toHaveLength(1);

    const second = await endOf(startQuarry('run', '--db', db, '--concurrency', '1'));
    expect(second.code, second.out).toBe(0);
    expectEachCompletedOnce(db, inputs, 1);
  }, 180_000);

  it('are recovered by another live process while it runs (its periodic check), not only at start', async () => {
    const db = path.join(dir, 'periodic.db');
    const inputs = writeInputs('periodic', 8);
    quarry('add', path.dirname(inputs[0]!), '--db', db);
    const doomed = startQuarry('run', '--db', db, '--concurrency', '1');
    await until(() => rows(db).some(heldBy(doomed.child.pid)), 60_000);
    // The survivor starts while the other is alive, so its start-up recovery
    // has nothing to take; once it holds a job of its own, that is behind it.
    const survivor = startQuarry('run', '--db', db, '--concurrency', '1');
    await until(() => {
      const now = rows(db);
      return now.some(heldBy(survivor.child.pid)) && now.some(heldBy(doomed.child.pid));
    }, 60_000);
    await kill9(doomed);

    const end = await endOf(survivor);
    expect(end.code, end.out).toBe(0);
    expectEachCompletedOnce(db, inputs, 1);
  }, 180_000);
});
