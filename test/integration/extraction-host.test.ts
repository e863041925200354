/**
 * The extraction host (main/core/host): the pool runs in a child process, so
 * a file that kills it (process.abort(), a V8 fatal error, a SIGKILL, a hang)
 * fails only its own job, as `extractor_crashed` after its second death, and
 * the other files complete with no attempt counted against them. A real
 * engine, a real host process, the chaos worker (test/fixtures/workers).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../main/core/engine.js';
import type { Job } from '../../shared/job.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';
import { skipWhen } from '../helpers/skip.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close({ abort: true });
});

function engine(pool: EngineOptions['pool'] = {}, opts: Partial<EngineOptions> = {}): Engine {
  const e = new Engine({
    dbPath: tempDbPath(dir),
    concurrency: 4,
    pool: { filename: CHAOS, threads: 2, ...pool },
    scheduler: { backoff: { baseMs: 5, maxMs: 20 }, pollIntervalMs: 50 },
    ...opts,
  });
  engines.push(e);
  return e;
}

/** Six ordinary files (three small, three not) and one whose options make the chaos worker `mode`. */
function addJobs(e: Engine, mode: string, extra: Record<string, unknown> = {}) {
  const ok = e.store.add(
    Array.from({ length: 6 }, (_, i) => ({
      sourcePath: path.join(dir, `ok-${i}`),
      sizeBytes: i < 3 ? 100 : 200_000,
      options: { tag: `ok${i}`, mode: 'slow', steps: 3, stepMs: 30 },
    })),
  );
  const [poison] = e.store.add([{ sourcePath: path.join(dir, `poison-${mode}`), sizeBytes: 100, options: { tag: 'poison', mode, ...extra } }]);
  return { ok, poison: poison! };
}

function expectInnocentsDone(e: Engine, ok: Job[]) {
  for (const j of ok) {
    const job = e.store.get(j.id)!;
    expect(job.status, `${j.options.tag}: ${job.errorMessage}`).toBe('completed');
    expect(job.retryCount).toBe(0); // a crash of the host is not held against them
    expect(e.store.result(j.id)!.text).toBe(`done ${j.options.tag}`);
  }
}

function expectChargedCrash(e: Engine, poison: Job) {
  const job = e.store.get(poison.id)!;
  expect(job.status).toBe('failed');
  expect(job.errorCode).toBe('extractor_crashed');
  expect(job.errorCategory).toBe('permanent');
  expect(job.errorMessage).toMatch(/crashed the extraction process/);
  expect(job.retryCount).toBe(0);
  // The history shows each crash: put back to run alone, then failed.
  const crashes = e.store.events(job.id).filter((ev) => ev.errorCode === 'host_crashed' || ev.errorCode === 'extractor_crashed');
  expect(crashes.map((ev) => ev.errorCode)).toEqual(['host_crashed', 'extractor_crashed']);
}

describe('the extraction host', () => {
  for (const mode of ['abort', 'kill'] as const) {
    it(`a file whose worker ${mode === 'abort' ? 'aborts the process (SIGABRT)' : 'SIGKILLs the process'} fails alone as extractor_crashed; the others complete`, async () => {
      const e = engine();
      const errors: string[] = [];
      e.on('error', (err) => errors.push(err.message));
      const { ok, poison } = addJobs(e, mode);
      e.start();
      await e.drained();
      expectInnocentsDone(e, ok);
      expectChargedCrash(e, poison);
      // Said where a person sees it, naming the file.
      expect(errors.some((m) => m.includes(`poison-${mode}`) && /extraction process stopped/.test(m))).toBe(true);
      // The engine goes on: a file added afterwards runs in a new host.
      const [after] = e.store.add([{ sourcePath: path.join(dir, 'after'), sizeBytes: 100, options: { tag: 'after' } }]);
      await e.drained();
      expect(e.store.get(after!.id)!.status).toBe('completed');
    });
  }

  it('a real V8 fatal error (an array grown past its limit) fails only its file', async () => {
    // A heap cap above what the array needs, so V8's size check, not the cap, ends it.
    const e = engine({ maxHeapMb: 3072 });
    const { ok, poison } = addJobs(e, 'fatal');
    e.start();
    await e.drained();
    expectInnocentsDone(e, ok);
    expectChargedCrash(e, poison);
  }, 120_000);

  it('a file that hangs hits its time limit twice and fails for good; the others complete', async () => {
    const e = engine();
    const { ok } = addJobs(e, 'slow');
    const [hang] = e.store.add([{ sourcePath: path.join(dir, 'hang'), sizeBytes: 100, timeoutMs: 300, maxRetries: 5, options: { tag: 'hang', mode: 'hang' } }]);
    e.start();
    await e.drained();
    expectInnocentsDone(e, ok);
    const job = e.store.get(hang!.id)!;
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('timeout');
    expect(job.errorMessage).toMatch(/second time/);
    expect(job.retryCount).toBe(1); // two attempts of the six allowed
  });

  it('the host killed from outside mid-run: every file completes, none charged', async () => {
    const e = engine();
    const jobs = e.store.add(
      Array.from({ length: 8 }, (_, i) => ({
        sourcePath: path.join(dir, `k-${i}`),
        sizeBytes: 2_000_000,
        options: { tag: `k${i}`, mode: 'slow', steps: 10, stepMs: 50 },
      })),
    );
    let progressed = 0;
    e.on('progress', () => progressed++);
    e.start();
    // Files are in the host's threads once they report progress.
    await until(() => progressed > 0);
    const first = e.pool!.pid!;
    process.kill(first, 'SIGKILL');
    await e.drained();
    expectInnocentsDone(e, jobs);
    expect(e.pool!.pid).not.toBe(first);
    // The files in flight were put back (their history says why), not failed.
    const released = jobs.filter((j) => e.store.events(j.id).some((ev) => ev.errorCode === 'host_crashed'));
    expect(released.length).toBeGreaterThan(0);
  });

  it('a host that stops answering (SIGSTOP) is killed and replaced; its files complete', async () => {
    const e = engine({ silenceMs: 1500 });
    const jobs = e.store.add(
      Array.from({ length: 4 }, (_, i) => ({
        sourcePath: path.join(dir, `s-${i}`),
        sizeBytes: 2_000_000,
        options: { tag: `s${i}`, mode: 'slow', steps: 10, stepMs: 50 },
      })),
    );
    const errors: string[] = [];
    e.on('error', (err) => errors.push(err.message));
    let progressed = 0;
    e.on('progress', () => progressed++);
    e.start();
    await until(() => progressed > 0);
    const frozen = e.pool!.pid!;
    process.kill(frozen, 'SIGSTOP');
    await e.drained();
    expectInnocentsDone(e, jobs);
    expect(errors.some((m) => /no answer for 1.5 s/.test(m))).toBe(true);
    expect(() => process.kill(frozen, 0)).toThrow(); // the frozen host is gone
  });

  it('a host that cannot start: files fail with a clear error after five tries, not forever', async () => {
    const broken = path.join(dir, 'broken-host.cjs');
    writeFileSync(broken, 'process.exit(7);\n');
    const e = engine({ hostFile: broken });
    const [job] = e.store.add([{ sourcePath: path.join(dir, 'never'), sizeBytes: 100, maxRetries: 0, options: { tag: 'never' } }]);
    e.start();
    await e.drained();
    const failed = e.store.get(job!.id)!;
    expect(failed.status).toBe('failed');
    expect(failed.errorMessage).toMatch(/could not be started \(5 tries, the last ended with exit code 7\)/);
  });

  it('a suspect runs with nothing else in the host', async () => {
    const e = engine();
    const log = path.join(dir, 'alone.log');
    writeFileSync(log, '');
    const { ok, poison } = addJobs(e, 'abort');
    for (const j of ok) e.store.db.prepare('UPDATE jobs SET options = ? WHERE id = ?').run(JSON.stringify({ ...j.options, log }), j.id);
    e.start();
    await e.drained();
    expectChargedCrash(e, poison);
    // Each file that was in flight with the poison ran again alone: its start and end are adjacent.
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ').slice(0, 2).join(' '));
    const suspects = ok.filter((j) => e.store.events(j.id).some((ev) => ev.errorCode === 'host_crashed'));
    expect(suspects.length).toBeGreaterThan(0);
    for (const s of suspects) {
      const tag = s.options.tag as string;
      const last = lines.lastIndexOf(`start ${tag}`);
      expect(lines[last + 1]).toBe(`end ${tag}`);
    }
  });
});

const CLI = path.resolve(import.meta.dirname, '../../dist/cli.cjs');
const MSG = path.resolve(import.meta.dirname, '../../../shared/corpus/bad/msg-zeroed-range.msg');

describe('quarry extract with a file that used to abort the process', () => {
  // A 14 KB Outlook file with a zeroed byte range made @kenjiuno/msgreader grow
  // an array until V8 aborted the whole process, at every attempt.
  it(
    'fails that file typed, extracts the others and exits 1',
    { ...skipWhen(!existsSync(MSG), `the shared corpus is absent (${MSG})`), timeout: 150_000 },
    () => {
      const ok = path.join(dir, 'beside-the-msg.txt');
      writeFileSync(ok, 'an ordinary text file\n');
      const out = path.join(dir, 'msg-out');
      const r = spawnSync(process.execPath, [CLI, 'extract', MSG, ok, '--out', out, '--format', 'jsonl'], { encoding: 'utf8', timeout: 120_000 });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(1);
      const lines = readdirSync(out)
        .flatMap((f) => readFileSync(path.join(out, f), 'utf8').trim().split('\n'))
        .map((l) => JSON.parse(l));
      const byName = new Map(lines.map((l) => [path.basename(l.sourcePath ?? l.fileName ?? ''), l]));
      const msg = byName.get('msg-zeroed-range.msg');
      expect(msg?.status).toBe('failed');
      expect(['extractor_crashed', 'corrupt_file', 'extractor_error']).toContain(msg?.error?.code);
      expect(byName.get('beside-the-msg.txt')?.status).toBe('completed');
    },
  );
});
