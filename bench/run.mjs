#!/usr/bin/env node
// Quarry's benchmark suite: `npm run bench` (full, ~10-15 min) or
// `npm run bench -- --quick` (scaled down, under 2 min).
//
// Every figure is a ratio against a baseline measured in this same run, on
// this same machine. Each measurement runs in a child process of its own; the
// queue throughput cases (1-3) run in interleaved rounds (raw, Quarry,
// plainjob, Quarry + pool, BullMQ, then again...) so that a load change on
// the machine hits every contender alike. A benchmark is not a test: it prints
// "MET" or "NOT MET" and always exits 0 unless the bench itself cannot start.
//
// Options: --quick, --only=1,4 (case numbers), --rounds=N, --corpus=DIR,
//          --no-record (do not rewrite bench/RESULTS.md after a full run),
//          --diagnose (instead of the cases: where Quarry's time goes, per operation)
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'bench', '.out', 'cases.cjs');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');

const QUICK = flag('quick');
const ONLY = opt('only') ? new Set(opt('only').split(',').map(Number)) : null;
const want = (n) => !ONLY || ONLY.has(n);
const CORES = os.availableParallelism();
const CORPUS = path.resolve(opt('corpus') ?? process.env.QUARRY_CORPUS ?? path.join(ROOT, '..', 'shared', 'corpus'));
const HAS_CORPUS = existsSync(CORPUS);

/** Sizes: the full run measures at the issue's scales; --quick scales down and says so. */
const P = QUICK
  ? {
      rounds: 3,
      noopJobs: 3_000,
      rawSingle: 2_000,
      rawBatch: 100_000,
      rawClaim: 5_000,
      treeFiles: 5_000,
      intakeReps: 1,
      dashboardRows: 100_000,
      dashboardSamples: 10,
      scalingJobs: 8,
      scalingReps: 2,
      nativeReps: 2,
      memSeconds: 5,
      bigFiles: [{ kind: 'text', mb: 50 }],
      bigFileSeconds: 60,
    }
  : {
      rounds: 4,
      noopJobs: 50_000,
      rawSingle: 20_000,
      rawBatch: 100_000,
      rawClaim: 50_000,
      treeFiles: 100_000,
      intakeReps: 2,
      dashboardRows: 1_000_000,
      dashboardSamples: 20,
      scalingJobs: 64,
      scalingReps: 3,
      nativeReps: 5,
      memSeconds: 120,
      // The bar is on 500 MB; the 100 MB text file shows what happens when the extraction succeeds.
      bigFiles: [
        { kind: 'text', mb: 500 },
        { kind: 'csv', mb: 500 },
        { kind: 'text', mb: 100 },
      ],
      bigFileSeconds: 180,
    };
if (opt('rounds')) P.rounds = Math.max(1, Number(opt('rounds')));
const CONCURRENCY = 50;

// ---- output helpers ---------------------------------------------------------

const fmt = (x, unit) => {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (unit === '×') return `${x.toFixed(2)}×`;
  if (unit === 'ms') return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
  if (unit === 'MB') return x.toFixed(0);
  if (unit === '× per core') return x.toFixed(2);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en');
  return x.toFixed(2);
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs, unit) => (xs.length > 1 ? `${fmt(Math.min(...xs), unit)}–${fmt(Math.max(...xs), unit)}` : xs.length ? 'single' : '—');

function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
  return [line(headers), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

const log = (s = '') => process.stdout.write(s + '\n');

// ---- running measurements ---------------------------------------------------

/** Measurements by key; a key measured in several rounds accumulates samples. */
const results = new Map();
const problems = [];

function record(m) {
  const prev = results.get(m.key);
  if (prev && !m.skipped) {
    prev.samples.push(...m.samples);
    prev.notes = [...(prev.notes ?? []), ...(m.notes ?? [])];
    prev.info = m.info ?? prev.info;
  } else results.set(m.key, { ...m, samples: [...m.samples] });
}

let current; // the child process running now
let stopping = false;

/** Runs one command of cases.cjs in its own process; never throws. */
function runCase(cmd, options, { timeoutS = 900 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    if (stopping) return resolve([]);
    const child = spawn(process.execPath, ['--expose-gc', OUT, cmd, JSON.stringify(options)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    current = child;
    let buf = '';
    let err = '';
    const found = [];
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('@@BENCH ')) {
          const m = JSON.parse(line.slice(8));
          found.push(m);
          record(m);
        } else if (line.trim()) log(line);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      problems.push(`${cmd}: stopped after ${timeoutS} s`);
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      if (code !== 0) {
        const why = err.trim().split('\n').slice(0, 6).join('\n      ');
        problems.push(`${cmd} exited with ${code}: ${why}`);
        log(`    ! ${cmd} failed (exit ${code}): ${why}`);
      }
      const figures = found.map((m) => (m.skipped ? `${m.key} skipped` : `${m.key} ${fmt(median(m.samples), m.unit)}${m.unit === '×' ? '' : ` ${m.unit}`}`));
      log(`    ${cmd}: ${figures.join(', ') || '(no figures)'} — ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      resolve(found);
    });
  });
}

// ---- redis-server for BullMQ --------------------------------------------------

function which(tool) {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) {
        sock.destroy();
        resolve(got.startsWith('+PONG'));
      }
    });
    sock.on('error', () => resolve(false));
    setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, 500);
  });
}

/** Starts a private redis-server on 127.0.0.1 and a free port; undefined when not installed. */
async function startRedis() {
  const bin = which('redis-server');
  if (!bin) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-redis-'));
  // Durability comparable to SQLite WAL + synchronous=NORMAL: an append-only
  // file fsynced every second; no RDB snapshots in the middle of a run.
  const proc = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--protected-mode', 'yes', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 50; i++) {
    if (await ping(port)) {
      const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1];
      return { port, stop, version, pid: proc.pid };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  return undefined;
}

// ---- the folder tree for intake and memory ------------------------------------

function makeTree(files) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-tree-'));
  const perDir = 1000;
  for (let d = 0; d * perDir < files; d++) {
    const dir = path.join(root, `batch-${String(d).padStart(3, '0')}`, 'scans');
    mkdirSync(dir, { recursive: true });
    for (let i = d * perDir; i < Math.min(files, (d + 1) * perDir); i++) {
      writeFileSync(path.join(dir, `note-${String(i).padStart(6, '0')}.txt`), `Note ${i}\nQuarry bench intake file.\n`);
    }
  }
  return root;
}

// ---- environment ----------------------------------------------------------------

function environment() {
  const git = (a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
  // BENCH_COMMIT labels a run made from an exported tree (git archive), which has no .git.
  const commit = process.env.BENCH_COMMIT || git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'main', 'shared', 'workers']) ? ' (+ uncommitted changes in main/, shared/ or workers/)' : '';
  const version = (tool, a, re) => {
    const r = spawnSync(tool, a, { encoding: 'utf8' });
    if (r.error) return 'absent'; // not installed
    const m = `${r.stdout ?? ''}${r.stderr ?? ''}`.match(re);
    return m ? m[1] : 'absent';
  };
  const pkg = (name) => {
    try {
      return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return 'absent';
    }
  };
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} (${CORES} cores)`,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GB`,
    os: `${os.type()} ${os.release()}`,
    commit: commit + dirty,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    tools: {
      'better-sqlite3': pkg('better-sqlite3'),
      piscina: pkg('piscina'),
      plainjob: pkg('plainjob'),
      bullmq: pkg('bullmq'),
      'redis-server': version('redis-server', ['--version'], /v=(\S+)/),
      pdftotext: version('pdftotext', ['-v'], /version (\S+)/),
      // The other native tools of case 6 (docx2txt has no version flag: its Debian package's).
      html2text: version('html2text', ['-version'], /version (\S+)/),
      mlr: version('mlr', ['--version'], /mlr (\S+)/),
      jq: version('jq', ['--version'], /jq-(\S+)/),
      xmllint: version('xmllint', ['--version'], /libxml version (\S+)/),
      pandoc: version('pandoc', ['--version'], /pandoc (\S+)/),
      docx2txt: version('dpkg-query', ['-W', '-f=${Version}', 'docx2txt'], /^(\S+)$/),
      xlsx2csv: version('xlsx2csv', ['--version'], /^(\S+)/),
      tesseract: version('tesseract', ['--version'], /tesseract (\S+)/),
      exiftool: version('exiftool', ['-ver'], /^(\S+)/),
    },
  };
}

// ---- the run ----------------------------------------------------------------

async function main() {
  const started = Date.now();
  const env = environment();
  log(`Quarry bench — ${QUICK ? 'QUICK (scaled down: figures are indicative, bars are set for the full run)' : 'full run'}`);
  log(`${env.date} · Node ${env.node} · ${env.cpu} · ${env.memory} · load ${env.load} · commit ${env.commit}`);
  log(`corpus: ${HAS_CORPUS ? path.relative(ROOT, CORPUS) : `not found at ${CORPUS} (generated inputs are used)`}`);
  log();

  const worker = path.join(ROOT, 'dist', 'workers', 'extract.mjs');
  if (!existsSync(worker)) {
    log(`dist/workers/extract.mjs is missing: run "node scripts/build.mjs --node-only" first (npm run bench does).`);
    process.exit(1);
  }
  await build({
    entryPoints: [path.join(ROOT, 'bench', 'cases.ts')],
    outfile: OUT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    define: { 'import.meta.url': 'importMetaUrl' },
    inject: [path.join(ROOT, 'scripts', 'import-meta-url.js')],
  });

  if (flag('diagnose')) {
    log('== diagnosis: where the time and memory go (no bars)');
    const tree = makeTree(QUICK ? 10_000 : 100_000);
    try {
      await runCase('diagnose', { n: QUICK ? 3_000 : 10_000, tree, corpus: HAS_CORPUS ? CORPUS : undefined, history: QUICK ? 50_000 : 200_000 }, { timeoutS: 1200 });
      log('\n-- memory, in a fresh process (the same tree, the real extraction worker)');
      await runCase('diagnoseMemory', { tree, seconds: QUICK ? 20 : 120 }, { timeoutS: 400 });
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
    if (problems.length) log(problems.join('\n'));
    return;
  }

  const skips = [];
  let tree;
  const cleanups = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  const interrupt = () => {
    stopping = true;
    current?.kill('SIGTERM');
    cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  try {
    // Cases 1-3, interleaved rounds.
    if (want(1) || want(2) || want(3)) {
      let redis;
      if (want(3)) {
        redis = await startRedis();
        if (redis) {
          cleanups.push(redis.stop);
          log(`redis-server ${redis.version} started on 127.0.0.1:${redis.port} (pid ${redis.pid}) for BullMQ`);
        } else {
          skips.push('BullMQ: redis-server is not installed (apt-get install -y redis-server), so the BullMQ comparison is skipped');
          log(`BullMQ skipped: redis-server not found`);
        }
      }
      const n = P.noopJobs;
      for (let round = 1; round <= P.rounds; round++) {
        log(`\n== cases 1-3, round ${round} of ${P.rounds}`);
        if (want(1) || want(2)) await runCase('raw', { single: P.rawSingle, batch: P.rawBatch, claim: P.rawClaim, reps: 1 });
        if (want(2)) await runCase('quarry', { n, reps: 1, concurrency: CONCURRENCY, mode: 'direct' });
        if (want(2) || want(3)) await runCase('plainjob', { n, reps: 1, concurrency: CONCURRENCY });
        if (want(3)) await runCase('quarry', { n, reps: 1, concurrency: CONCURRENCY, mode: 'pool', threads: CORES });
        if (want(3) && round === 1) await runCase('quarry', { n: Math.min(n, QUICK ? 1_000 : 10_000), reps: 1, concurrency: CORES, mode: 'pool', threads: CORES });
        if (want(3) && redis) await runCase('bullmq', { n, reps: 1, concurrency: CONCURRENCY, port: redis.port });
      }
      if (redis) {
        await redis.stop();
        cleanups.splice(cleanups.indexOf(redis.stop), 1);
      }
    }

    if (want(4) || want(7)) {
      log(`\n== generating a folder tree of ${P.treeFiles.toLocaleString('en')} files`);
      const t0 = Date.now();
      tree = makeTree(P.treeFiles);
      cleanups.push(() => rmSync(tree, { recursive: true, force: true }));
      log(`    done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (want(4)) {
      log(`\n== case 4: intake and the dashboard`);
      if (!results.has('raw.insert.batch')) await runCase('raw', { single: 1000, batch: P.rawBatch, claim: 1000, reps: Math.max(3, P.intakeReps) });
      await runCase('intake', { tree, reps: P.intakeReps });
      await runCase('dashboard', { rows: P.dashboardRows, samples: P.dashboardSamples });
    }
    if (want(5)) {
      log(`\n== case 5: pool scaling (1 thread vs ${CORES})`);
      await runCase('scaling', { corpus: HAS_CORPUS ? CORPUS : undefined, jobs: P.scalingJobs, reps: P.scalingReps, cpuWork: QUICK ? 40_000_000 : 100_000_000 });
    }
    if (want(6)) {
      log(`\n== case 6: extraction against native tools`);
      await runCase('native', { corpus: HAS_CORPUS ? CORPUS : undefined, reps: P.nativeReps });
    }
    if (want(7)) {
      log(`\n== case 7: memory`);
      await runCase('memQueue', { tree, seconds: P.memSeconds }, { timeoutS: P.memSeconds + 300 });
      for (const f of P.bigFiles) await runCase('memBigFile', { ...f, seconds: P.bigFileSeconds }, { timeoutS: P.bigFileSeconds + 120 });
    }
  } finally {
    await cleanup();
  }

  const report = summarize(env, skips);
  log('\n' + report.text);
  log(`\n(bench took ${((Date.now() - started) / 60000).toFixed(1)} min)`);
  if (!QUICK && !ONLY && !flag('no-record')) {
    writeFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), report.markdown(((Date.now() - started) / 60000).toFixed(1)));
    log('bench/RESULTS.md updated.');
  }
}

// ---- the report ---------------------------------------------------------------

function summarize(env, skips) {
  const get = (k) => results.get(k);
  const med = (k) => (get(k) && !get(k).skipped ? median(get(k).samples) : NaN);
  const lines = [];
  const md = [];
  const headlines = [];

  /** A bar: value (a ratio or an absolute figure) compared with a limit. */
  const bar = (name, value, op, limit, unit) => {
    const known = Number.isFinite(value);
    const met = known && (op === '≥' ? value >= limit : value <= limit);
    const verdict = known ? (met ? 'MET' : 'NOT MET') : 'NOT MEASURED';
    headlines.push({ name, value, op, limit, unit, verdict });
    return { text: `${op} ${unit === '×' ? `${limit}×` : `${limit} ${unit}`}`, verdict };
  };

  const section = (title, headers, rows, notes = []) => {
    lines.push(`\n${title}\n${table(headers, rows)}`);
    md.push(`\n### ${title}\n\n${table(headers, rows)}\n`);
    for (const n of notes) {
      lines.push(`  · ${n}`);
      md.push(`- ${n}`);
    }
  };

  const row = (k, ratioText = '—', barText = '—', verdict = '—') => {
    const m = get(k);
    if (!m) return null;
    if (m.skipped) return [m.label, '—', '—', '—', ratioText, barText, `skipped: ${m.skipped}`];
    return [m.label, `${fmt(median(m.samples), m.unit)} ${m.unit}`, spread(m.samples, m.unit), m.samples.length, ratioText, barText, verdict];
  };
  const H = ['measurement', 'median', 'spread (min–max)', 'runs', 'ratio', 'bar', 'result'];
  const ratio = (a, b) => med(a) / med(b);
  const rx = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

  // Case 1
  if (get('raw.claim')) {
    section('Case 1 — the store limit (raw better-sqlite3, WAL, synchronous=NORMAL): the baselines', H, [
      row('raw.insert.single'),
      row('raw.insert.batch'),
      row('raw.claim'),
      row('raw.claim.tx50', '(info)'),
    ].filter(Boolean), [
      'The raw claim loop commits twice per job (autocommit). Run 50 jobs per transaction, the same minimal table goes several times faster: most of its time is commits. Quarry also writes about 50 jobs per transaction, so what separates it from that (info) row is its work per job, not commits: a wide row with six indexes, the triggers that keep timing, counts and history, and a results row (see `npm run bench -- --diagnose`).',
    ]);
  }
  // Case 2
  if (get('quarry.direct')) {
    const r1 = ratio('quarry.direct', 'raw.claim');
    const r2 = ratio('quarry.direct', 'plainjob');
    const b1 = bar('engine (direct) / raw claim loop', r1, '≥', 1.0, '×');
    const b2 = bar('engine (direct) / plainjob', r2, '≥', 2.0, '×');
    section(`Case 2 — engine throughput, no-op jobs, pool bypassed (${P.noopJobs.toLocaleString('en')} jobs)`, H, [
      row('quarry.direct', `${rx(r1)} raw claim`, b1.text, b1.verdict),
      row('quarry.direct', `${rx(r2)} plainjob`, b2.text, b2.verdict),
      row('raw.claim', 'baseline'),
      row('plainjob', 'baseline'),
    ].filter(Boolean), [
      'All contenders process the same number of jobs on a fresh file database; jobs are inserted before the clock starts, and the time is start → last job completed.',
      `Quarry and plainjob run ${CONCURRENCY} jobs at once (plainjob: ${CONCURRENCY} defineWorker loops on one queue, one process; its own pragmas are WAL + synchronous=NORMAL, like Quarry's).`,
    ]);
  }
  // Case 3
  if (get('quarry.pool')) {
    const r1 = ratio('quarry.pool', 'plainjob');
    const b1 = bar('engine + pool / plainjob', r1, '≥', 1.5, '×');
    const rows = [row('quarry.pool', `${rx(r1)} plainjob`, b1.text, b1.verdict)];
    if (get('bullmq') && !get('bullmq').skipped) {
      const r2 = ratio('quarry.pool', 'bullmq');
      const b2 = bar('engine + pool / BullMQ', r2, '≥', 1.5, '×');
      rows.push(row('quarry.pool', `${rx(r2)} BullMQ`, b2.text, b2.verdict));
    } else headlines.push({ name: 'engine + pool / BullMQ', verdict: 'SKIPPED (redis-server not installed)' });
    rows.push(row('plainjob', 'baseline'), row('bullmq', 'baseline'), row('quarry.pool.default', `${rx(ratio('quarry.pool.default', 'plainjob'))} plainjob`, '(info)'));
    section(`Case 3 — engine + piscina pool (${CORES} threads), no-op jobs (${P.noopJobs.toLocaleString('en')} jobs)`, H, rows.filter(Boolean), [
      'The pool runs bench/noop-worker.cjs; plainjob and BullMQ run their usual in-process no-op handler at concurrency ' + CONCURRENCY + '.',
      'BullMQ talks to a private redis-server started by the bench (127.0.0.1, free port, AOF fsync every second, no RDB snapshots), stopped afterwards.',
      'The "(info)" row is Quarry at its default concurrency (= pool threads), measured once with fewer jobs.',
      ...skips,
    ]);
  }
  // Case 4
  if (get('quarry.intake')) {
    const r = ratio('quarry.intake', 'raw.insert.batch');
    const b1 = bar('intake / raw batched insert', r, '≥', 0.5, '×');
    const lm = med('quarry.list');
    const sm = med('quarry.stats');
    const b2 = bar(`dashboard first page (${get('quarry.list')?.info?.jobs?.toLocaleString('en')} jobs)`, lm, '≤', 5, 'ms');
    const b3 = bar(`stats query (${get('quarry.stats')?.info?.jobs?.toLocaleString('en')} jobs)`, sm, '≤', 5, 'ms');
    const busy = get('quarry.stats.busy');
    const b4 = busy && bar(`stats query (${busy.info.jobs.toLocaleString('en')} jobs, ${busy.info.finishedLastHour.toLocaleString('en')} finished within the hour, ${busy.info.recentPerSecond.toLocaleString('en')} a second lately)`, med('quarry.stats.busy'), '≤', 5, 'ms');
    const b5 = get('quarry.batches') && bar(`batches panel (${get('quarry.batches').info.jobs.toLocaleString('en')} jobs)`, med('quarry.batches'), '≤', 5, 'ms');
    const b6 = get('quarry.batchProgress') && bar(`progress of a batch of ${get('quarry.batchProgress').info.files.toLocaleString('en')} files`, med('quarry.batchProgress'), '≤', 5, 'ms');
    const explain = (k, what) => {
      const b = get(k)?.info?.breakdown;
      if (!b) return [];
      return [
        `${what}: ${b.totalMs} ms per call = ${b.sqlMs} ms in SQLite + ${b.jsMs} ms in JavaScript (row parsing, validation)`,
        ...b.statements.slice(0, 6).map((st) => `  ${st.msPerCall} ms  ${st.sql}${st.plan.length ? `  — plan: ${st.plan.join(' / ')}` : ''}`),
      ];
    };
    section('Case 4 — intake and the dashboard', H, [
      row('quarry.intake', `${rx(r)} raw batch`, b1.text, b1.verdict),
      row('quarry.intake.walk', '(info)'),
      row('quarry.intake.add', '(info)'),
      row('raw.insert.batch', 'baseline'),
      row('quarry.list', '—', b2.text, b2.verdict),
      row('quarry.stats', '—', b3.text, b3.verdict),
      busy && row('quarry.stats.busy', '—', b4.text, b4.verdict),
      b5 && row('quarry.batches', '—', b5.text, b5.verdict),
      b6 && row('quarry.batchProgress', '—', b6.text, b6.verdict),
    ].filter(Boolean), [
      `The tree: ${P.treeFiles.toLocaleString('en')} small .txt files in folders of 1,000, generated in the temp folder and deleted afterwards; each run intakes it into a fresh database.`,
      ...explain('quarry.list', 'engine.list({limit: 50})'),
      ...explain('quarry.stats', 'engine.stats()'),
      ...(busy ? [`The busy database: the same number of jobs, all files of one batch (a big folder dropped), created and mostly finished within the last hour, the last 10 seconds at ${busy.info.recentPerSecond.toLocaleString('en')} finishes a second (about what case 7's real worker reaches on small text files), and five small batches since. engine.stats()'s first call in a process counts the hour's finishes (${busy.info.firstCallMs} ms); later calls recount only the seconds since the previous call and the two before it (the row above: calls back to back, so about 3 seconds of finishes; the engine calls it at most every 0.25–2 s). The dashboard shows the batches panel on opening and asks for a shown batch's progress every half second while it runs.`] : []),
    ]);
  }
  // Case 5
  if (get('scaling.one')) {
    const one = med('scaling.one');
    const all = CORES > 1 ? med('scaling.all') : one;
    const eff = all / one / CORES;
    const b = bar(`pool scaling efficiency (${CORES} cores)`, eff, '≥', 0.85, '×');
    const info = get('scaling.one').info;
    const machine = med('scaling.machine');
    const notes = [...new Set([...(get('scaling.one').notes ?? []), ...(get('scaling.all')?.notes ?? [])])];
    if (Number.isFinite(machine)) {
      notes.push(
        `Control: the same machine gave ${machine.toFixed(2)}× per core on a pure-CPU loop during this case (1.00 = all ${CORES} cores were ours). ` +
          `Quarry's efficiency relative to what the machine gave: ${(eff / machine).toFixed(2)}. When the control is well under 1, other processes held cores and the bar cannot be judged fairly.`,
      );
    }
    const pdfjsMachine = med('scaling.pdfjs');
    if (Number.isFinite(pdfjsMachine)) {
      notes.push(
        `Second control: bare worker threads running pdf.js on the same PDFs, no Quarry, gave ${pdfjsMachine.toFixed(2)}× per core: ` +
          `what this machine gives on this very (allocation-heavy) work. Quarry relative to it: ${(eff / pdfjsMachine).toFixed(2)}.`,
      );
    }
    section(`Case 5 — pool scaling, CPU-bound PDF extraction (${info.jobs} jobs per run over ${info.files} PDFs, ${info.source})`, H, [
      row('scaling.one', 'baseline'),
      CORES > 1 ? row('scaling.all', `${rx(all / one)} speed-up → ${rx(eff)} per core`, b.text, b.verdict) : null,
      row('scaling.machine', '(control)', '—', '(info)'),
      get('scaling.pdfjs') ? row('scaling.pdfjs', '(control)', '—', '(info)') : null,
    ].filter(Boolean), notes);
  }
  // Case 6
  const nativeKeys = [...results.keys()].filter((k) => k.startsWith('native.'));
  if (nativeKeys.length) {
    const rows = [];
    const notes = ['Ratio = Quarry time / native tool time for one file (lower is better); the per-format figure is the geometric mean over files. Quarry runs in a 1-thread pool, warm; the native tool is spawned per file (its start-up is part of its time).'];
    for (const k of nativeKeys) {
      const m = get(k);
      if (m.skipped) {
        rows.push([m.label, '—', '—', '—', '—', k === 'native.pdf' ? '≤ 3×' : '—', `skipped: ${m.skipped}`]);
        if (k === 'native.pdf') headlines.push({ name: 'PDF text vs pdftotext', verdict: `SKIPPED (${m.skipped})` });
        continue;
      }
      const geo = m.info.geoMeanRatio;
      let b = { text: '—', verdict: '(info)' };
      if (k === 'native.pdf') {
        b = bar('PDF text: Quarry pool / pdftotext (geomean per file)', geo, '≤', 3, '×');
        const worst = m.info.files.filter((f) => f.ok).sort((x, y) => y.ratio - x.ratio)[0];
        if (worst) headlines.push({ name: `PDF text, slowest file (${worst.file})`, value: worst.ratio, op: '≤', limit: 3, unit: '×', verdict: worst.ratio <= 3 ? '(info: within 3×)' : '(info: above 3×)' });
      }
      rows.push([m.label, `${geo.toFixed(2)}× (geomean)`, spread(m.samples, '×'), `${m.samples.length} files`, `total time ${m.info.totalTimeRatio}×`, b.text, b.verdict]);
      notes.push(`${m.info.tool} on ${m.info.source}: ` + m.info.files.map((f) => `${f.file} ${f.quarryMs}/${f.nativeMs} ms = ${f.ratio}×${f.ok ? '' : ' (not counted)'}`).join('; '));
      for (const n of m.notes ?? []) notes.push(n);
    }
    section('Case 6 — extraction speed against native tools (one core, per file)', ['format', 'ratio', 'spread (per file)', 'files', 'total', 'bar', 'result'], rows, notes);
  }
  // Case 7
  const bigKeys = [...results.keys()].filter((k) => /^mem\.bigfile\.\w+\.\d+$/.test(k));
  if (get('mem.queue') || bigKeys.length) {
    const rows = [];
    const notes = [];
    if (get('mem.queue')) {
      const q = med('mem.queue');
      const qi = get('mem.queue').info ?? {};
      const bq = bar(`peak RSS with ${qi.queued?.toLocaleString('en') ?? '?'} jobs queued + processing`, q, '≤', 300, 'MB');
      rows.push(row('mem.queue', '—', bq.text, bq.verdict));
      notes.push(
        `queue: RSS ${qi.rssBeforeEngineMb} MB before the engine, ${qi.peakRssDuringIntakeMb} MB peak after intake (${qi.intakeSeconds} s); ${qi.processedJobs?.toLocaleString('en')} jobs processed in ${qi.processSeconds} s with ${qi.poolThreads} pool threads; at the peak the main thread's V8 heap had ${qi.mainHeapTotalAtPeakMb ?? '?'} MB reserved. The RSS includes the pool's worker threads, which live in the same process.`,
        ...(get('mem.queue').notes ?? []),
      );
    }
    // The largest file of each kind carries the bar; it is met only if the file was also extracted.
    const largest = Math.max(...bigKeys.map((k) => Number(k.split('.').pop())));
    for (const k of bigKeys) {
      const m = get(k);
      const i = m.info;
      const g = median(m.samples);
      let b = { text: '(info)', verdict: '(info)' };
      if (Number(k.split('.').pop()) === largest) {
        b = bar(`main-thread growth, ${i.fileMb} MB ${i.kind} file`, g, '≤', 50, 'MB');
        if (!i.extracted) {
          b.verdict = `NOT MET (not extracted)`;
          headlines[headlines.length - 1].verdict = `NOT MET (the file was not extracted: ${i.outcome})`;
        }
      }
      rows.push(row(k, '—', b.text, b.verdict));
      const rss = get(`${k}.rss`);
      if (rss) rows.push(row(`${k}.rss`, '—', '(info)', '(info)'));
      notes.push(
        `${i.fileMb} MB ${i.kind}: ${i.outcome} in ${i.seconds} s; stored text ${i.storedTextMb} MB + markdown ${i.storedMarkdownMb} MB; main thread (V8 heap + external) ${i.baseMainThreadMb} → ${i.peakMainThreadMb} MB; process RSS ${i.baseRssMb} → ${i.peakRssMb} MB.`,
      );
    }
    section('Case 7 — memory of the main process', H, rows.filter(Boolean), notes);
  }

  if (problems.length) section('Problems while measuring', ['problem'], problems.map((p) => [p]));

  const hl = headlines.map((h) =>
    h.value === undefined
      ? `${h.name}: ${h.verdict}`
      : `${h.name}: ${Number.isFinite(h.value) ? (h.unit === '×' ? `${h.value.toFixed(2)}×` : `${fmt(h.value, h.unit)} ${h.unit}`) : 'n/a'} (bar ${h.op} ${h.unit === '×' ? `${h.limit}×` : `${h.limit} ${h.unit}`}) ${h.verdict}`,
  );
  const text = [
    '================ SUMMARY ================',
    ...lines,
    '',
    `Headline ratios${QUICK ? ' (QUICK run: scaled down, indicative only)' : ''}:`,
    ...hl.map((h) => `HEADLINE ${h}`),
  ].join('\n');

  const markdown = (minutes) =>
    [
      '# Latest full bench run',
      '',
      'Written by `npm run bench` after a full run on this machine (see bench/README.md for how to read it). Figures are ratios against baselines measured in the same run.',
      '',
      `- Date: ${env.date}`,
      `- Node: ${env.node}`,
      `- CPU: ${env.cpu}, memory ${env.memory}, ${env.os}`,
      `- Load average at start: ${env.load} (this machine is shared: absolute figures move with it, ratios much less)`,
      `- Commit: ${env.commit}`,
      `- Versions: ${Object.entries(env.tools).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `- Duration: ${minutes} min`,
      '',
      '## Headline ratios',
      '',
      ...hl.map((h) => `- ${h}`),
      '',
      '## Tables',
      ...md,
      '',
    ].join('\n');
  return { text, markdown };
}

main().catch((err) => {
  // The bench itself broke (not a bar): say so, still exit 0 only if figures were printed.
  console.error(err?.stack ?? err);
  process.exit(1);
});
