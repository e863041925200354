/**
 * Case 12: Quarry against Recoll (issue 13), side by side on the same folder
 * of corpus files, OCR off on both (Recoll does not OCR images by default;
 * Quarry runs with --no-ocr), a cold start each (a fresh Recoll
 * configuration and index; a fresh Quarry database):
 * - extract + index: `quarry extract DIRS --db` against `recollindex`;
 * - query latency: as the window asks (the engine resident in `quarry
 *   serve`, a query over the bridge's HTTP with its token) against
 *   `recollq`: the bar; and `quarry search` against `recollq`, a process per
 *   query on each side (what a person typing in a terminal pays), for
 *   information, with Node's own start-up, the floor of any Node process;
 * - agreement over 20 queries written from the corpus' known phrases
 *   (MANIFEST.tsv's facts): the files each tool finds. A hit inside a
 *   container (an attachment, an archive entry) counts as the file given.
 * Says so and measures nothing when Recoll is not installed
 * (`apt-get install -y recoll`).
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JobStore } from '../main/core/store/job-store.js';
import { emit, now, ROOT, say, tmp, type Opts } from './lib.js';

const CLI = path.join(ROOT, 'dist', 'cli.cjs');
const SERVE = path.join(ROOT, 'dist', 'serve.cjs');
/** Corpus folders left out: damaged files and licence texts. */
const LEFT_OUT = new Set(['bad', 'LICENSES']);

/** Written from MANIFEST.tsv's expected_facts: each names text a file is known to hold. */
export const RECOLL_QUERIES = [
  '"NICS Firearm Background Checks"',
  '"supreme court"',
  '"Technology Acceptance Model"',
  '"This document contains one attachment"',
  '"Apache Tika Test Document"',
  '"This is the second page"',
  '"Footnote appears here"',
  '"text for chapter One"',
  '"sample Microsoft Word Document"',
  '"Numbers and their Squares"',
  '"Sample Powerpoint Slide"',
  '"Daily Sync"',
  'Richter',
  'MapCompletionEvents',
  '"Delivery Status Notification"',
  '"docx to HTML converter"',
  '"Lorem ipsum dolor"',
  '"Cell text"',
  '"Top left"',
  'Dolphins',
];

function which(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const t = now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { ms: now() - t, out: r.stdout ?? '', err: r.stderr ?? '', code: r.status };
}

export async function recollCompare(o: Opts): Promise<void> {
  const corpus: string | undefined = o.corpus;
  const skip = (why: string) => {
    for (const key of ['recoll.index', 'recoll.query', 'recoll.agreement']) emit({ key, label: key, unit: '×', better: 'lower', samples: [], skipped: why });
  };
  if (!which('recollindex') || !which('recollq')) return skip('Recoll is not installed (apt-get install -y recoll)');
  if (!corpus) return skip('the corpus is absent');
  const dirs = readdirSync(corpus, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !LEFT_OUT.has(e.name))
    .map((e) => path.join(corpus, e.name));
  const work = path.join(tmp(), 'recoll');
  const conf = path.join(work, 'conf');
  mkdirSync(conf, { recursive: true });
  // A cold start: a configuration of its own, an empty index, no OCR (Recoll's default), no other folders.
  writeFileSync(
    path.join(conf, 'recoll.conf'),
    `topdirs = ${dirs.map((d) => JSON.stringify(d)).join(' ')}\ndbdir = ${path.join(work, 'xapiandb')}\nloglevel = 1\n`,
  );
  const db = path.join(work, 'quarry.db');
  const reps: number = o.queryReps ?? 3;

  const recoll = timed('recollindex', ['-c', conf, '-z']);
  if (recoll.code !== 0) return skip(`recollindex failed: ${recoll.err.trim().split('\n').slice(-2).join(' ')}`);
  const quarry = timed(process.execPath, [
    CLI,
    'extract',
    ...dirs,
    '--db',
    db,
    '--out',
    path.join(work, 'out'),
    '--no-ocr',
    '--concurrency',
    String(o.concurrency ?? 2),
  ]);
  say(`extract + index: Quarry ${(quarry.ms / 1000).toFixed(1)} s (exit ${quarry.code}), recollindex ${(recoll.ms / 1000).toFixed(1)} s`);
  emit({
    key: 'recoll.index',
    label: `extract + index ${dirs.length} corpus folders: Quarry / Recoll`,
    unit: '×',
    better: 'lower',
    samples: [quarry.ms / recoll.ms],
    info: { quarryMs: quarry.ms, recollMs: recoll.ms },
  });

  const top = topLevelPaths(db);
  const inProcess = inProcessLatency(db, reps);
  const qTimes: number[] = [];
  const rTimes: number[] = [];
  let agree = 0;
  const onlyQuarry: string[] = [];
  const onlyRecoll: string[] = [];
  for (const query of RECOLL_QUERIES) {
    let q = timed(process.execPath, [CLI, 'search', query, '--db', db, '--json', '--limit', '200']);
    let r = timed('recollq', ['-c', conf, '-b', '-s', '', query]);
    for (let i = 1; i < reps; i++) {
      q = timed(process.execPath, [CLI, 'search', query, '--db', db, '--json', '--limit', '200']);
      r = timed('recollq', ['-c', conf, '-b', '-s', '', query]);
      qTimes.push(q.ms);
      rTimes.push(r.ms);
    }
    const qFiles = new Set((JSON.parse(q.out || '{"hits":[]}') as { hits: Array<{ jobId: string }> }).hits.map((h) => top.get(h.jobId) ?? h.jobId));
    const rFiles = new Set(
      r.out
        .split('\n')
        .filter((l) => l.startsWith('file://'))
        .map((l) => decodeURIComponent(l.slice(7).trim())),
    );
    const missing = [...rFiles].filter((f) => !qFiles.has(f));
    const extra = [...qFiles].filter((f) => !rFiles.has(f));
    if (!missing.length) agree++;
    for (const f of missing) onlyRecoll.push(`${query}: ${path.relative(corpus, f)}`);
    for (const f of extra) onlyQuarry.push(`${query}: ${path.relative(corpus, f)}`);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const resident = await residentLatency(db, path.join(work, 'serve-data'), reps);
  emit({
    key: 'recoll.query',
    label: `query latency, a process per query: quarry search / recollq (${RECOLL_QUERIES.length} queries)`,
    unit: '×',
    better: 'lower',
    samples: [med(qTimes) / med(rTimes)],
    info: { quarryMs: med(qTimes), recollMs: med(rTimes), inProcessMs: inProcess, startMs: startup(), nodeMs: nodeStartup() },
  });
  if (resident.length) {
    emit({
      key: 'recoll.query-resident',
      label: `query latency as the window asks (quarry serve, HTTP with the token) / recollq (${RECOLL_QUERIES.length} queries)`,
      unit: '×',
      better: 'lower',
      samples: [med(resident) / med(rTimes)],
      info: { quarryMs: med(resident), recollMs: med(rTimes) },
    });
  }
  emit({
    key: 'recoll.agreement',
    label: `queries where Quarry finds every file Recoll finds (of ${RECOLL_QUERIES.length})`,
    unit: 'queries',
    better: 'higher',
    samples: [agree],
    info: { total: RECOLL_QUERIES.length, onlyQuarry, onlyRecoll },
    notes: [...onlyRecoll.map((f) => `only Recoll finds ${f}`), ...onlyQuarry.map((f) => `only Quarry finds ${f}`)],
  });
}

/** The same queries in this process, the database opened once: what the window's search box pays (median, ms). */
function inProcessLatency(dbFile: string, reps: number): number {
  const store = JobStore.open(dbFile, { readonly: true });
  try {
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      for (const query of RECOLL_QUERIES) {
        const t = now();
        store.search({ query, limit: 200 });
        times.push(now() - t);
      }
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  } finally {
    store.close();
  }
}

/**
 * The same queries as the window sends them: `quarry serve` on the database
 * (the engine resident, as in the app), each query a POST to the bridge's
 * results.search with the token, over a kept-alive connection as a browser
 * keeps it; the time from sending to the parsed answer (median, ms each).
 * Empty when the server does not come up.
 */
async function residentLatency(db: string, dataDir: string, reps: number): Promise<number[]> {
  const child = spawn(process.execPath, [SERVE, '--data', dataDir, '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      let seen = '';
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        const m = /Quarry dashboard: (\S+)/.exec(seen);
        if (m) resolve(new URL(m[1]!));
      });
      child.once('exit', (code) => reject(new Error(`quarry serve exited (${code})`)));
      setTimeout(() => reject(new Error('quarry serve did not start in 30 s')), 30_000).unref();
    });
    const token = url.searchParams.get('token')!;
    const ask = async (query: string) => {
      const res = await fetch(`${url.origin}/api/invoke/results.search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, limit: 200 }),
      });
      if (!res.ok) throw new Error(`results.search answered ${res.status}`);
      return res.json();
    };
    await ask(RECOLL_QUERIES[0]!);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      for (const query of RECOLL_QUERIES) {
        const t = now();
        await ask(query);
        times.push(now() - t);
      }
    }
    return times;
  } catch (err) {
    say(`resident queries not measured: ${(err as Error).message}`);
    return [];
  } finally {
    child.kill();
  }
}

/** Node starting and ending with nothing to do: the floor of any process written in Node. */
function nodeStartup(): number {
  const times = Array.from({ length: 5 }, () => timed(process.execPath, ['-e', '']).ms);
  return times.sort((a, b) => a - b)[2]!;
}

/** How long the quarry command takes to start and print its help: the floor of a process per query. */
function startup(): number {
  return timed(process.execPath, [CLI, 'search', '--help']).ms;
}

/** Each job's file as the person gave it: a file found inside a container counts as the container's. */
function topLevelPaths(dbFile: string): Map<string, string> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db
      .prepare(
        `WITH RECURSIVE up(id, at) AS (
          SELECT id, id FROM jobs
          UNION ALL SELECT up.id, c.parent_id FROM up JOIN jobs c ON c.id = up.at WHERE c.source = 'archive' AND c.parent_id IS NOT NULL
        )
        SELECT up.id, j.source_path FROM up JOIN jobs j ON j.id = up.at WHERE j.source != 'archive'`,
      )
      .all() as Array<{ id: string; source_path: string }>;
    return new Map(rows.map((r) => [r.id, r.source_path]));
  } finally {
    db.close();
  }
}
