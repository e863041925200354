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
// Options: --quick, --only=1,4 (case numbers; 15 = PDF text against pdftotext, 16 = the dashboard's frames), --rounds=N, --corpus=DIR,
//          --no-record (do not rewrite bench/RESULTS.md after a full run),
//          --diagnose (instead of the cases: where Quarry's time goes, per operation),
//          --search-docs=N (case 11's database: 100,000 documents in the full run, 10,000 with --quick)
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'bench', '.out', 'cases.cjs');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name) =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');

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
      speedRounds: 1,
      smallText: 2_000,
      smallMixed: 400,
      pdfCopies: 2,
      // Case 16: the database stays at the issue's 100,000 jobs (filled by SQL in seconds); fewer files run, for less time.
      pageRows: 100_000,
      pageFiles: 2_000,
      pageSeconds: 8,
      pageReloads: 3,
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
      // Cases 8-10: interleaved rounds of every contender on every workload.
      speedRounds: 3,
      smallText: 10_000,
      smallMixed: 2_000,
      pdfCopies: 8,
      pageRows: 100_000,
      pageFiles: 10_000,
      pageSeconds: 20,
      pageReloads: 5,
    };
if (opt('rounds')) P.rounds = Math.max(1, Number(opt('rounds')));
// Case 11 (search) and 12 (Recoll): sizes of their own, so a smoke run can stay small.
P.searchDocs = Number(opt('search-docs') ?? (QUICK ? 10_000 : 100_000));
const CONCURRENCY = 50;

/** The PDF issue #17 names as 4-5× pdftotext: case 6 gives it a line and a bar of its own. */
const SLOWEST_PDF = 'TAMReview.pdf';

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
    if (m.info) prev.infos.push(m.info);
  } else results.set(m.key, { ...m, samples: [...m.samples], infos: m.info ? [m.info] : [] });
}

/** main/core/host/launcher.ts' HOST_V8_FLAGS, for the bare baseline's process (a TypeScript module this script cannot import). */
const HOST_V8_FLAGS = ['--interrupt-budget=270336'];

let current; // the child process running now
let stopping = false;

/** Runs one command of cases.cjs in its own process; never throws. */
function runCase(cmd, options, { timeoutS = 900 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    if (stopping) return resolve([]);
    // The bare extractor runs with the V8 options of Quarry's extraction host (speedBare checks they match).
    const flags = cmd === 'speedBare' ? HOST_V8_FLAGS : [];
    const child = spawn(process.execPath, ['--expose-gc', ...flags, OUT, cmd, JSON.stringify(options)], {
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
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
    ],
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

/**
 * Case 4's main-thread CPU beside its wall-time ratio: when other work loads
 * the machine, wall time also measures its share of the cores (the walk's
 * thread and the main thread compete with it), CPU time much less so.
 */
function intakeCpuNote(intake, raw) {
  if (!intake || !raw) return [];
  const x = (v) => `${(raw / v).toFixed(2)}×`;
  return [
    `Main-thread CPU per 100,000 files (medians; /proc): addPaths ${intake.addPaths} ms (${x(intake.addPaths)} of raw in CPU), store.insert alone ${intake.insert} ms (${x(intake.insert)}), the raw batched insert ${raw} ms. The walk's own thread runs beside addPaths and is not counted.`,
  ];
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

// ---- the workloads of cases 8-10 ------------------------------------------------

/**
 * Corpus folders the corpus mix leaves out: corrupt files, licence texts, and
 * containers (archives, mail with attachments), whose entries Quarry also
 * extracts as jobs of their own, work the bare loop and BullMQ would not do.
 */
const CORPUS_LEFT_OUT = new Set(['bad', 'LICENSES', 'zip', 'tar', '7z', 'gz', 'email']);

/** Writes `n` files made by `make(i)` in folders of 1,000 under `dir`. */
function writeFiles(dir, n, make) {
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `part-${String(Math.floor(i / 1000)).padStart(2, '0')}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    const [name, body] = make(i);
    writeFileSync(path.join(sub, name), body);
  }
  return dir;
}

// Small generated files, each different (so no dedup), a few hundred bytes to a few KB.
// No commas in the text files: a .txt of comma-separated lines would be sniffed as CSV.
const smallText = (i) => [
  `note-${String(i).padStart(5, '0')}.txt`,
  Array.from({ length: 8 + (i % 17) }, (_, k) => `Line ${k} of note ${i}: the quarry bench writes small text files that are all different.`).join('\n') + '\n',
];
function smallMixed(i) {
  const rows = Array.from({ length: 10 + (i % 30) }, (_, k) => ({
    id: k,
    name: `item ${i}-${k}`,
    price: ((i + k) * 1.25).toFixed(2),
    note: `note "${k}" for ${i}`,
  }));
  const n = String(i).padStart(5, '0');
  switch (i % 3) {
    case 0:
      return [`table-${n}.csv`, 'id,name,price,note\n' + rows.map((r) => `${r.id},${r.name},${r.price},"${r.note.replace(/"/g, '""')}"`).join('\n') + '\n'];
    case 1:
      return [`data-${n}.json`, JSON.stringify({ file: i, rows }, null, 1)];
    default:
      return [
        `page-${n}.html`,
        `<!doctype html><html><head><title>Page ${i}</title></head><body><h1>Page ${i}</h1><p>A small page with <a href="https://example.org/${i}">a link</a>.</p>` +
          `<table><tr><th>id</th><th>name</th><th>price</th></tr>${rows.map((r) => `<tr><td>${r.id}</td><td>${r.name}</td><td>${r.price}</td></tr>`).join('')}</table></body></html>`,
      ];
  }
}

/** The workloads, in the temp folder (removed afterwards); the corpus ones only when the corpus is there. */
function makeWorkloads(root) {
  const small = (name, n, make) => ({
    inputs: [writeFiles(path.join(root, name), n, make)],
    // Other files of the same kind for the warm-up: a fifth as many, at most 1,000.
    warm: [writeFiles(path.join(root, `${name}-warm`), Math.min(1000, Math.ceil(n / 5)), (i) => make(n + i))],
  });
  const workloads = [
    {
      key: 'smallText',
      label: `${P.smallText.toLocaleString('en')} small text files`,
      ...small('small-text', P.smallText, smallText),
      options: {},
      sweep: true,
      bareBar: 0.8,
      bullmq: true,
    },
    {
      key: 'smallMixed',
      label: `${P.smallMixed.toLocaleString('en')} small CSV/JSON/HTML files`,
      ...small('small-mixed', P.smallMixed, smallMixed),
      options: {},
      sweep: true,
    },
  ];
  if (HAS_CORPUS) {
    const folders = readdirSync(CORPUS, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !CORPUS_LEFT_OUT.has(e.name))
      .map((e) => path.join(CORPUS, e.name))
      .sort();
    const count = folders.reduce((n, f) => n + readdirSync(f).length, 0);
    // The same files warm up, with other job options: Quarry's dedup cannot reuse their results.
    workloads.push({
      key: 'corpus',
      label: `the corpus mix (${count} files, ${folders.length} folders, OCR off)`,
      inputs: folders,
      warm: folders,
      options: { ocr: false },
      sweep: true,
      bareBar: 0.9,
    });
    // Distinct copies of each corpus PDF: a comment after %%EOF makes each copy's content (and hash) its own.
    const pdfs = readdirSync(path.join(CORPUS, 'pdf'))
      .filter((f) => f.endsWith('.pdf'))
      .sort();
    const copies = (dir, n, tag) => {
      mkdirSync(dir, { recursive: true });
      for (const f of pdfs) {
        const bytes = readFileSync(path.join(CORPUS, 'pdf', f));
        for (let k = 0; k < n; k++)
          writeFileSync(path.join(dir, `${f.slice(0, -4)}-${tag}${k}.pdf`), Buffer.concat([bytes, Buffer.from(`\n%quarry-bench ${tag} copy ${k}\n`)]));
      }
      return dir;
    };
    workloads.push({
      key: 'pdf',
      label: `the corpus PDFs (${pdfs.length} × ${P.pdfCopies} distinct copies)`,
      inputs: [copies(path.join(root, 'pdf'), P.pdfCopies, 'run')],
      warm: [copies(path.join(root, 'pdf-warm'), 3, 'warm')],
      options: {},
      bareBar: 0.9,
      bullmq: true,
    });
  }
  return workloads;
}

// ---- environment ----------------------------------------------------------------

function environment() {
  const git = (a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
  // BENCH_COMMIT labels a run made from an exported tree (git archive), which has no .git.
  const commit = process.env.BENCH_COMMIT || git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'main', 'shared', 'workers'])
    ? ' (+ uncommitted changes in main/, shared/ or workers/)'
    : '';
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
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
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
      await runCase(
        'diagnose',
        { n: QUICK ? 3_000 : 10_000, tree, corpus: HAS_CORPUS ? CORPUS : undefined, history: QUICK ? 50_000 : 200_000 },
        { timeoutS: 1200 },
      );
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
        if (want(3) && round === 1)
          await runCase('quarry', { n: Math.min(n, QUICK ? 1_000 : 10_000), reps: 1, concurrency: CORES, mode: 'pool', threads: CORES });
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
      const warmFile = path.join(tree, 'batch-000', 'scans', 'note-000000.txt');
      await runCase('firstJob', { tree, reps: Math.max(3, P.intakeReps), warmFile, files: P.treeFiles });
      await runCase('dashboard', { rows: P.dashboardRows, samples: P.dashboardSamples });
    }
    if (want(5)) {
      log(`\n== case 5: pool scaling (1 thread vs ${CORES})`);
      await runCase('scaling', {
        corpus: HAS_CORPUS ? CORPUS : undefined,
        jobs: P.scalingJobs,
        reps: P.scalingReps,
        cpuWork: QUICK ? 40_000_000 : 100_000_000,
      });
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
    if (want(8) || want(9) || want(10) || want(13) || want(14)) await speedCases(cleanups, skips);
    if (want(11)) {
      log(`\n== case 11: full-text search over ${P.searchDocs.toLocaleString('en')} documents`);
      await runCase('searchScale', { docs: P.searchDocs, samples: QUICK ? 15 : 40, corpus: HAS_CORPUS ? CORPUS : undefined }, { timeoutS: 1200 });
      log(`\n== case 11: what the index costs extraction (on / off, interleaved)`);
      const root = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-index-'));
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
      indexWorkloads = makeWorkloads(root).filter((w) => w.key === 'smallText' || w.key === 'corpus');
      for (let round = 1; round <= (QUICK ? 1 : 3); round++) {
        for (const w of indexWorkloads) {
          const workload = { key: w.key, label: w.label, inputs: w.inputs, warm: w.warm, options: w.options };
          const order = round % 2 ? [true, false] : [false, true];
          for (const index of order) await runCase('indexCost', { workload, index }, { timeoutS: 600 });
        }
      }
    }
    if (want(15)) {
      log(`\n== case 15: PDF text against pdftotext, per corpus PDF`);
      await runCase('pdfAgreement', { corpus: HAS_CORPUS ? CORPUS : undefined, reps: QUICK ? 3 : 7 }, { timeoutS: 600 });
    }
    if (want(16)) {
      log(
        `\n== case 16: the dashboard's frames in Chromium (${P.pageRows.toLocaleString('en')} jobs, ${P.pageFiles.toLocaleString('en')} files running on one thread)`,
      );
      // The page is the built renderer: build it from this tree (npm run bench builds the Node bundles only).
      const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      if (built.status !== 0) problems.push(`case 16: the build failed: ${(built.stderr || built.stdout).trim().split('\n').slice(-3).join(' ')}`);
      else await runCase('pageFrames', { rows: P.pageRows, files: P.pageFiles, seconds: P.pageSeconds, reloads: P.pageReloads }, { timeoutS: 600 });
    }
    if (want(12)) {
      log(`\n== case 12: Quarry against Recoll on the corpus folders`);
      await runCase('recollCompare', { corpus: HAS_CORPUS ? CORPUS : undefined, queryReps: QUICK ? 2 : 4, concurrency: CORES }, { timeoutS: 1200 });
    }
  } finally {
    await cleanup();
  }

  const report = summarize(env, skips);
  log('\n' + report.text);
  log(`\n(bench took ${((Date.now() - started) / 60000).toFixed(1)} min)`);
  if (!QUICK && !ONLY && !flag('no-record')) {
    const results = path.join(ROOT, 'bench', 'RESULTS.md');
    const kept = datedSections(existsSync(results) ? readFileSync(results, 'utf8') : '');
    writeFileSync(results, report.markdown(((Date.now() - started) / 60000).toFixed(1)) + kept);
    log('bench/RESULTS.md updated.');
  }
}

/** Where the dated sections of bench/RESULTS.md begin: what a full run writes stops here. */
const DATED_MARK = '<!-- Dated sections: runs of single cases, appended by hand; a full run keeps them. -->';

/**
 * The part of RESULTS.md a full run must not overwrite: the dated sections
 * after its own report (targeted runs, before/after figures of each change).
 * Before the mark existed, they began at the first level-2 heading after "## Tables".
 */
function datedSections(old) {
  const mark = old.indexOf(DATED_MARK);
  if (mark >= 0) return old.slice(mark);
  const tables = old.indexOf('\n## Tables');
  const next = tables >= 0 ? old.indexOf('\n## ', tables + 1) : -1;
  return DATED_MARK + '\n' + (next >= 0 ? old.slice(next) : '\n');
}

/** The concurrency values case 8 sweeps. */
const SWEEP = [1, 2, 4, 8, 16, 32, 64];
/** The workloads of cases 8-10, for the report. */
let speedWorkloads = [];

/** Cases 8-10: every contender on every workload, in interleaved rounds (the order reversed every other round). */
async function speedCases(cleanups, skips) {
  let redis;
  if (want(10) || want(13) || want(14)) {
    redis = await startRedis();
    if (redis) {
      cleanups.push(redis.stop);
      log(`redis-server ${redis.version} started on 127.0.0.1:${redis.port} (pid ${redis.pid}) for BullMQ and the remote workers`);
    } else skips.push('BullMQ and remote-worker lines (cases 10, 13, 14): redis-server is not installed (apt-get install -y redis-server)');
  }
  log(`\n== generating the workloads of cases 8-10`);
  const root = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-speed-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  speedWorkloads = makeWorkloads(root);
  for (let round = 1; round <= P.speedRounds; round++) {
    log(`\n== cases 8-10, round ${round} of ${P.speedRounds}`);
    for (const w of speedWorkloads) {
      const workload = { key: w.key, label: w.label, inputs: w.inputs, warm: w.warm, options: w.options };
      const runs = [];
      if (want(9)) runs.push(['speedBare', { workload }]);
      if (want(8) && w.sweep) for (const c of SWEEP) runs.push(['speedQuarry', { workload, concurrency: c }]);
      // Case 13's bar is against BullMQ too: it runs when 13 is asked for alone (--only=13), in the same rounds.
      if ((want(10) || want(13)) && w.bullmq && redis) runs.push(['speedBullmq', { workload, port: redis.port }]);
      // Case 13: one remote worker with the local pool's threads; case 14: two one-thread workers against two local threads.
      if (want(13) && w.bullmq && redis) runs.push(['speedRemote', { workload, port: redis.port, workers: 1, threads: CORES }]);
      if (want(14) && w.bullmq && redis) {
        runs.push(['speedRemote', { workload, port: redis.port, workers: 2, threads: 1 }]);
        if (!(want(8) && w.sweep)) runs.push(['speedQuarry', { workload, concurrency: 2 }]);
      }
      if (!runs.length) continue;
      runs.splice(Math.floor(runs.length / 2), 0, ['speedQuarry', { workload }]);
      for (const [cmd, o] of round % 2 ? runs : runs.reverse()) await runCase(cmd, o, { timeoutS: 600 });
    }
  }
  if (redis) {
    await redis.stop();
    cleanups.splice(cleanups.indexOf(redis.stop), 1);
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
    section(
      'Case 1 — the store limit (raw better-sqlite3, WAL, synchronous=NORMAL): the baselines',
      H,
      [row('raw.insert.single'), row('raw.insert.batch'), row('raw.claim'), row('raw.claim.tx50', '(info)')].filter(Boolean),
      [
        'The raw claim loop commits twice per job (autocommit). Run 50 jobs per transaction, the same minimal table goes several times faster: most of its time is commits. Quarry also writes about 50 jobs per transaction, so what separates it from that (info) row is its work per job, not commits: a wide row with six indexes, the triggers that keep timing, counts and history, and a results row (see `npm run bench -- --diagnose`).',
      ],
    );
  }
  // Case 2
  if (get('quarry.direct')) {
    const r1 = ratio('quarry.direct', 'raw.claim');
    const r2 = ratio('quarry.direct', 'plainjob');
    const b1 = bar('engine (direct) / raw claim loop', r1, '≥', 1.0, '×');
    const b2 = bar('engine (direct) / plainjob', r2, '≥', 2.0, '×');
    section(
      `Case 2 — engine throughput, no-op jobs, pool bypassed (${P.noopJobs.toLocaleString('en')} jobs)`,
      H,
      [
        row('quarry.direct', `${rx(r1)} raw claim`, b1.text, b1.verdict),
        row('quarry.direct', `${rx(r2)} plainjob`, b2.text, b2.verdict),
        row('raw.claim', 'baseline'),
        row('plainjob', 'baseline'),
      ].filter(Boolean),
      [
        'All contenders process the same number of jobs on a fresh file database; jobs are inserted before the clock starts, and the time is start → last job completed.',
        `Quarry and plainjob run ${CONCURRENCY} jobs at once (plainjob: ${CONCURRENCY} defineWorker loops on one queue, one process; its own pragmas are WAL + synchronous=NORMAL, like Quarry's).`,
      ],
    );
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
    rows.push(
      row('plainjob', 'baseline'),
      row('bullmq', 'baseline'),
      row('quarry.pool.default', `${rx(ratio('quarry.pool.default', 'plainjob'))} plainjob`, '(info)'),
    );
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
    const b4 =
      busy &&
      bar(
        `stats query (${busy.info.jobs.toLocaleString('en')} jobs, ${busy.info.finishedLastHour.toLocaleString('en')} finished within the hour, ${busy.info.recentPerSecond.toLocaleString('en')} a second lately)`,
        med('quarry.stats.busy'),
        '≤',
        5,
        'ms',
      );
    const b5 =
      get('quarry.batches') && bar(`batches panel (${get('quarry.batches').info.jobs.toLocaleString('en')} jobs)`, med('quarry.batches'), '≤', 5, 'ms');
    const fj = get('quarry.firstJob');
    const b7 = fj && !fj.skipped && bar(`first job started after a ${P.treeFiles.toLocaleString('en')}-file drop`, med('quarry.firstJob'), '≤', 200, 'ms');
    const b6 =
      get('quarry.batchProgress') &&
      bar(`progress of a batch of ${get('quarry.batchProgress').info.files.toLocaleString('en')} files`, med('quarry.batchProgress'), '≤', 5, 'ms');
    const explain = (k, what) => {
      const b = get(k)?.info?.breakdown;
      if (!b) return [];
      return [
        `${what}: ${b.totalMs} ms per call = ${b.sqlMs} ms in SQLite + ${b.jsMs} ms in JavaScript (row parsing, validation)`,
        ...b.statements.slice(0, 6).map((st) => `  ${st.msPerCall} ms  ${st.sql}${st.plan.length ? `  — plan: ${st.plan.join(' / ')}` : ''}`),
      ];
    };
    section(
      'Case 4 — intake and the dashboard',
      H,
      [
        row('quarry.intake', `${rx(r)} raw batch`, b1.text, b1.verdict),
        row('quarry.intake.walk', '(info)'),
        row('quarry.intake.add', '(info)'),
        row('raw.insert.batch', 'baseline'),
        b7 && row('quarry.firstJob', '—', b7.text, b7.verdict),
        row('quarry.list', '—', b2.text, b2.verdict),
        row('quarry.stats', '—', b3.text, b3.verdict),
        busy && row('quarry.stats.busy', '—', b4.text, b4.verdict),
        b5 && row('quarry.batches', '—', b5.text, b5.verdict),
        b6 && row('quarry.batchProgress', '—', b6.text, b6.verdict),
      ].filter(Boolean),
      [
        `The tree: ${P.treeFiles.toLocaleString('en')} small .txt files in folders of 1,000, generated in the temp folder and deleted afterwards; each run intakes it into a fresh database.`,
        ...intakeCpuNote(get('quarry.intake')?.info?.mainCpuMsPer100k, get('raw.insert.batch')?.info?.mainCpuMsPer100k),
        ...(b7
          ? [
              `First job: an engine at its defaults, extraction host warm (one file extracted first), then engine.addPaths(tree); the time from that call to the earliest started_at among the tree's jobs (the engine is then closed). addPaths itself returned after ${fj.infos.flatMap((i) => i.addPathsMs).join(', ')} ms.`,
            ]
          : []),
        ...explain('quarry.list', 'engine.list({limit: 50})'),
        ...explain('quarry.stats', 'engine.stats()'),
        ...(busy
          ? [
              `The busy database: the same number of jobs, all files of one batch (a big folder dropped), created and mostly finished within the last hour, the last 10 seconds at ${busy.info.recentPerSecond.toLocaleString('en')} finishes a second (about what case 7's real worker reaches on small text files), and five small batches since. engine.stats()'s first call in a process counts the hour's finishes (${busy.info.firstCallMs} ms); later calls recount only the seconds since the previous call and the two before it (the row above: calls back to back, so about 3 seconds of finishes; the engine calls it at most every 0.25–2 s). The dashboard shows the batches panel on opening and asks for a shown batch's progress every half second while it runs.`,
            ]
          : []),
      ],
    );
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
    const pdfjsMachine = med('scaling.pdfjs');
    if (Number.isFinite(machine)) {
      notes.push(
        `Control: the same machine gave ${machine.toFixed(2)}× per core on a pure-CPU loop during this case (1.00 = all ${CORES} cores were ours). ` +
          `Quarry's efficiency relative to what the machine gave: ${(eff / machine).toFixed(2)}. When the control is well under 1, other processes held cores and the bar cannot be judged fairly.`,
      );
    }
    if (Number.isFinite(pdfjsMachine)) {
      notes.push(
        `Second control: bare worker threads running pdf.js on the same PDFs, no Quarry, gave ${pdfjsMachine.toFixed(2)}× per core: ` +
          `what this machine gives on this very (allocation-heavy) work. Quarry relative to it: ${(eff / pdfjsMachine).toFixed(2)}.`,
      );
    }
    const bc = CORES > 1 && Number.isFinite(pdfjsMachine) && bar('pool scaling / bare pdf.js control (same case)', eff / pdfjsMachine, '≥', 0.95, '×');
    section(
      `Case 5 — pool scaling, CPU-bound PDF extraction (${info.jobs} jobs per run over ${info.files} PDFs, ${info.source})`,
      H,
      [
        row('scaling.one', 'baseline'),
        CORES > 1 ? row('scaling.all', `${rx(all / one)} speed-up → ${rx(eff)} per core`, b.text, b.verdict) : null,
        bc ? row('scaling.all', `${rx(eff / pdfjsMachine)} of the pdf.js control`, bc.text, bc.verdict) : null,
        row('scaling.machine', '(control)', '—', '(info)'),
        get('scaling.pdfjs') ? row('scaling.pdfjs', '(control)', '—', '(info)') : null,
      ].filter(Boolean),
      notes,
    );
  }
  // Case 6
  const nativeKeys = [...results.keys()].filter((k) => k.startsWith('native.'));
  if (nativeKeys.length) {
    const rows = [];
    const pdfRows = [];
    const nativeReps = P.nativeReps;
    const notes = [
      'Ratio = Quarry time / native tool time for one file (lower is better); the per-format figure is the geometric mean over files. Quarry runs in a 1-thread pool, warm; the native tool is spawned per file (its start-up is part of its time).',
    ];
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
        const tam = m.info.files.find((f) => f.file === SLOWEST_PDF && f.ok);
        if (tam) {
          const bt = bar(`PDF text, ${SLOWEST_PDF}: Quarry pool / pdftotext`, tam.ratio, '≤', 3, '×');
          pdfRows.push([
            `pdf: ${SLOWEST_PDF} alone (the slowest file of the issue)`,
            `${tam.ratio.toFixed(2)}×`,
            '—',
            `${nativeReps} runs`,
            `${tam.quarryMs} / ${tam.nativeMs} ms`,
            bt.text,
            bt.verdict,
          ]);
        }
        if (worst && worst.file !== SLOWEST_PDF)
          headlines.push({
            name: `PDF text, slowest file (${worst.file})`,
            value: worst.ratio,
            op: '≤',
            limit: 3,
            unit: '×',
            verdict: worst.ratio <= 3 ? '(info: within 3×)' : '(info: above 3×)',
          });
      }
      rows.push(
        [
          m.label,
          `${geo.toFixed(2)}× (geomean)`,
          spread(m.samples, '×'),
          `${m.samples.length} files`,
          `total time ${m.info.totalTimeRatio}×`,
          b.text,
          b.verdict,
        ],
        ...pdfRows.splice(0),
      );
      notes.push(
        `${m.info.tool} on ${m.info.source}: ` +
          m.info.files.map((f) => `${f.file} ${f.quarryMs}/${f.nativeMs} ms = ${f.ratio}×${f.ok ? '' : ' (not counted)'}`).join('; '),
      );
      for (const n of m.notes ?? []) notes.push(n);
    }
    section(
      'Case 6 — extraction speed against native tools (one core, per file)',
      ['format', 'ratio', 'spread (per file)', 'files', 'total', 'bar', 'result'],
      rows,
      notes,
    );
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
        `queue: RSS ${qi.rssBeforeEngineMb} MB before the engine, ${qi.peakRssDuringIntakeMb} MB peak after intake (${qi.intakeSeconds} s); ${qi.processedJobs?.toLocaleString('en')} jobs processed in ${qi.processSeconds} s with ${qi.poolThreads} pool threads; at the peak the main thread's V8 heap had ${qi.mainHeapTotalAtPeakMb ?? '?'} MB reserved. The pool's worker threads live in the extraction host, a child process: the figure is the engine's peak (VmHWM ${qi.enginePeakRssMb ?? '?'} MB) plus the host's (${qi.hostPeakRssMb ?? '?'} MB), at least the peak of their sum since the two need not peak together (their sum sampled every 25 ms peaked at ${qi.sampledPeakRssMb ?? '?'} MB).`,
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
        `${i.fileMb} MB ${i.kind}: ${i.outcome} in ${i.seconds} s; stored text ${i.storedTextMb} MB + markdown ${i.storedMarkdownMb} MB; main thread (V8 heap + external) ${i.baseMainThreadMb} → ${i.peakMainThreadMb} MB; RSS of the engine + the extraction host (sampled every 10 ms) ${i.baseRssMb} → ${i.peakRssMb} MB.`,
      );
    }
    section('Case 7 — memory of the main process', H, rows.filter(Boolean), notes);
  }

  speedReport({ get, med, bar, section, row, headlines, rx, H });
  searchReport({ get, bar, section, row, H });
  recollReport({ get, bar, section, row, H, headlines });
  pdfAgreementReport({ get, bar, section, headlines });
  pageFramesReport({ get, bar, section, row, H, headlines });

  if (problems.length)
    section(
      'Problems while measuring',
      ['problem'],
      problems.map((p) => [p]),
    );

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
      `- Versions: ${Object.entries(env.tools)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
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

/** Cases 8-10: the sweep, the bare baseline with where the rest goes, the fair BullMQ line. */
function speedReport({ get, med, bar, section, row, headlines, rx, H }) {
  const k = (w, who) => `speed.${w.key}.${who}`;
  const measured = (key) => get(key) && !get(key).skipped && get(key).samples.length;
  const named = (w, r) => r && [`${w.label}: ${r[0]}`, ...r.slice(1)];
  const wls = speedWorkloads.filter((w) => measured(k(w, 'default')));
  if (!wls.length) return;
  const runs = (w) => get(k(w, 'default')).samples.length;

  // Case 8: the defaults against the best of the sweep.
  const swept = wls.filter((w) => SWEEP.some((c) => measured(k(w, `c${c}`))));
  if (swept.length) {
    const rows = [];
    const notes = [];
    for (const w of swept) {
      const sweep = SWEEP.filter((c) => measured(k(w, `c${c}`))).map((c) => ({ c, rate: med(k(w, `c${c}`)) }));
      const best = sweep.reduce((a, b) => (b.rate > a.rate ? b : a));
      const r = med(k(w, 'default')) / best.rate;
      const b = bar(`defaults / best of the concurrency sweep, ${w.label}`, r, '≥', 0.9, '×');
      rows.push(named(w, row(k(w, 'default'), `${rx(r)} best (concurrency ${best.c})`, b.text, b.verdict)));
      for (const { c, rate } of sweep) rows.push(named(w, row(k(w, `c${c}`), c === best.c ? 'best' : `${rx(rate / best.rate)} best`, '(sweep)')));
      // Concurrency CORES is the defaults' own setting: the two differ only by the run's noise.
      const same = sweep.find(({ c }) => c === CORES);
      notes.push(
        `${w.label}: sweep ${sweep.map(({ c, rate }) => `${c} → ${Math.round(rate).toLocaleString('en')}`).join(', ')} files/s; defaults ${Math.round(med(k(w, 'default'))).toLocaleString('en')} files/s` +
          (same
            ? ` (concurrency ${CORES} is the defaults' own setting on this machine: defaults / concurrency ${CORES} = ${rx(med(k(w, 'default')) / same.rate)}, the run's noise).`
            : '.'),
      );
    }
    section(`Case 8 — real files at the default settings against a sweep of concurrency (${CORES} cores)`, H, rows, [
      'Every run is a fresh child process and a fresh database: an engine (the real extraction host and worker), a warm-up on other files of the kind (the corpus mix: the same files with other job options, so dedup cannot reuse them), then addPaths(folder) → drained() timed: intake, store, scheduler, host, results stored, events (a listener on each, as the CLI has).',
      `Concurrency N runs min(N, ${CORES}) threads and N slots; the defaults are one thread and one slot per core, a small file (≤ 64 KiB) weighing 1/128 of a slot (text, CSV, JSON, markup) or 1/16 (other formats), so hundreds of small files are in flight (main/core/job-weight.ts). Rounds are interleaved (the order reversed every other round).`,
      ...notes,
    ]);
  }

  // Case 9: Quarry end to end against the bare extractor.
  const bared = wls.filter((w) => measured(k(w, 'bare')));
  if (bared.length) {
    const rows = [];
    const notes = [];
    const medOf = (infos, f) => {
      const xs = infos.map(f).filter((x) => typeof x === 'number' && Number.isFinite(x));
      return xs.length ? median(xs) : NaN;
    };
    for (const w of bared) {
      const r = med(k(w, 'default')) / med(k(w, 'bare'));
      const b = w.bareBar ? bar(`Quarry end to end / bare extractor, ${w.label}`, r, '≥', w.bareBar, '×') : { text: '(info)', verdict: '(info)' };
      rows.push(named(w, row(k(w, 'default'), `${rx(r)} bare`, b.text, b.verdict)), named(w, row(k(w, 'bare'), 'baseline')));
      const qi = get(k(w, 'default')).infos.map((i) => i.breakdown);
      const bi = get(k(w, 'bare')).infos;
      const q = (f) => medOf(qi, f);
      const files = qi[0].files;
      const bareS = files / med(k(w, 'bare'));
      const s2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '?');
      const ms = (x) => (Number.isFinite(x) ? `${Math.round(x).toLocaleString('en')} ms` : '?');
      notes.push(
        `${w.label}, where the time goes (medians over ${runs(w)} runs): Quarry ${s2(q((b) => b.seconds))} s against bare ${s2(bareS)} s. ` +
          `Intake (addPaths) ${ms(q((b) => b.intakeMs))}; first job started at ${ms(q((b) => b.firstJobMs))}; first start → last finish ${ms(q((b) => b.spanMs))}` +
          ` (${rx(q((b) => b.spanMs) / 1000 / bareS)} the bare time); last finish → drained ${ms(q((b) => b.tailMs))}. ` +
          `CPU s per 1,000 files: bare worker threads ${s2(medOf(bi, (i) => i.workersCpu))}; Quarry: host worker threads ${s2(q((b) => b.hostWorkersCpu))}, host main thread (IPC, pool, groups) ${s2(q((b) => b.hostMainCpu))}, ` +
          `engine main thread ${s2(q((b) => b.engineMainCpu))} (of which SQLite statements ${s2(q((b) => b.engineSql))}, wall time), engine other threads ${s2(q((b) => b.engineOtherCpu))}; ` +
          `engine main thread busy ${Math.round(q((b) => b.engineMainBusy) * 100)}%; ${s2(q((b) => b.eventsPerFile))} events per file` +
          (q((b) => b.failed) ? `; ${q((b) => b.failed)} files failed (as in bare: ${medOf(bi, (i) => i.failed)})` : '') +
          '.',
      );
    }
    section(`Case 9 — Quarry end to end against the bare extractor (${CORES} threads each)`, H, rows, [
      `Bare: dist/workers/extract.mjs's task function called directly in ${CORES} plain worker threads (bench/bare-worker.mjs), each taking the next file of the list, results discarded; no store, scheduler, host or pool; the list walked before the clock starts. It is the physical limit of this machine for the same work.`,
      'Quarry: as in case 8, at its defaults, timed from the addPaths call (intake included) to drained(). Its own cost is the difference; the breakdown reads the job rows (created_at, started_at, completed_at), times every SQLite statement of the engine, and reads each thread\'s CPU time from /proc for the engine and the extraction host (Node names all threads "node": "worker threads" includes V8\'s GC helpers).',
      ...notes,
    ]);
  }

  // Case 10: the fair BullMQ line.
  const bulled = wls.filter((w) => measured(k(w, 'bullmq')));
  if (bulled.length) {
    const rows = [];
    for (const w of bulled) {
      const r = med(k(w, 'default')) / med(k(w, 'bullmq'));
      const b = bar(`Quarry at its defaults / BullMQ sandboxed, ${w.label}`, r, '≥', 1.0, '×');
      rows.push(named(w, row(k(w, 'default'), `${rx(r)} BullMQ`, b.text, b.verdict)));
      if (w.key === 'smallText')
        rows.push(named(w, row(k(w, 'default'), `${rx(r)} BullMQ`, '≥ 1.5× (issue #16)', r >= 1.5 ? '(info: met)' : '(info: not met)')));
      rows.push(named(w, row(k(w, 'bullmq'), 'baseline')));
    }
    section('Case 10 — Quarry at its defaults against BullMQ as its documentation recommends for CPU-heavy jobs', H, rows, [
      `BullMQ: a sandboxed processor file (bench/bullmq-processor.mjs) run in worker threads (useWorkerThreads: true), concurrency ${CORES} (= cores); the processor calls the same built extractor's task function; the main process walks the folder, adds the jobs with addBulk (1,000 at a time) and writes each result to a SQLite file (WAL, synchronous=NORMAL) in transactions of 100. Timed from the walk to the last result committed, after a warm-up on the same warm-up files as Quarry.`,
      'BullMQ talks to a private redis-server started by the bench (127.0.0.1, free port, AOF fsync every second, no RDB snapshots). Quarry: as in case 8, at its defaults.',
    ]);
  }
  remoteSections(wls, { k, med, measured, rx, bar, named, row, section, H });
}

/** Cases 13 and 14 (issue #16): remote workers against the local pool, and BullMQ. */
function remoteSections(wls, { k, med, measured, rx, bar, named, row, section, H }) {
  const over = wls.filter((w) => measured(k(w, `remote1x${CORES}`)) && measured(k(w, 'default')));
  if (over.length) {
    const rows = [];
    for (const w of over) {
      const remote = med(k(w, `remote1x${CORES}`));
      const local = med(k(w, 'default'));
      const perFileMs = (1000 / remote - 1000 / local) * CORES;
      rows.push(
        named(
          w,
          row(
            k(w, `remote1x${CORES}`),
            `${rx(remote / local)} the local pool; ${perFileMs >= 0 ? '+' : '−'}${Math.abs(perFileMs).toFixed(2)} ms per task per thread`,
          ),
        ),
      );
      if (measured(k(w, 'bullmq'))) {
        const b = bar(`Quarry through a remote worker / BullMQ sandboxed, ${w.label}`, remote / med(k(w, 'bullmq')), '≥', 1.0, '×');
        rows.push(named(w, row(k(w, `remote1x${CORES}`), `${rx(remote / med(k(w, 'bullmq')))} BullMQ`, b.text, b.verdict)));
      }
    }
    section(`Case 13 — remote overhead: one \`quarry worker\` (${CORES} threads, same machine) against the local pool`, H, rows, [
      'The owner extracts nothing itself (local threads 0): every file goes owner → Redis (BullMQ) → worker → its extraction host → Redis → owner. Per-task overhead = (1/remote − 1/local files/s) × threads.',
    ]);
  }
  const scaled = wls.filter((w) => measured(k(w, 'remote2x1')) && measured(k(w, 'c2')));
  if (scaled.length) {
    const rows = scaled.map((w) => named(w, row(k(w, 'remote2x1'), `${rx(med(k(w, 'remote2x1')) / med(k(w, 'c2')))} the local pool with 2 threads`)));
    section('Case 14 — two one-thread workers against the local pool with two threads', H, rows, [
      `On this ${CORES}-core machine the owner, Redis and both workers share the cores: the ratio is the efficiency of going through workers, not a speed-up (more machines bring the speed-up).`,
    ]);
  }
}

/** Case 11's index on/off workloads, for the report. */
let indexWorkloads = [];

/** Case 11: the first page of each kind of query, median and p95 against the issue's bars; the index's cost. */
function searchReport({ get, bar, section, row, H }) {
  const costRows = [];
  for (const w of indexWorkloads) {
    const on = get(`index.${w.key}.on`);
    const off = get(`index.${w.key}.off`);
    if (!on || !off || on.skipped || off.skipped) continue;
    const r = median(on.samples) / median(off.samples);
    const b = bar(`extraction with the index / without, ${w.label}`, r, '≥', 0.9, '×');
    costRows.push(row(`index.${w.key}.on`, `${r.toFixed(2)}× off`, b.text, b.verdict), row(`index.${w.key}.off`, 'baseline'));
    // CPU time of the engine's process per file: what the index adds, much less sensitive to the machine's load than throughput.
    const cpuOf = (m) => median(m.infos.map((i) => i.cpuUsPerFile).filter((v) => v !== undefined));
    const [cOn, cOff] = [cpuOf(on), cpuOf(off)];
    if (Number.isFinite(cOn) && Number.isFinite(cOff))
      costRows.push([
        `${w.label}: CPU of the engine's process per file, index on / off`,
        `${cOn.toFixed(0)} / ${cOff.toFixed(0)} µs`,
        '—',
        on.samples.length,
        `${(cOn / cOff).toFixed(2)}× (+${(cOn - cOff).toFixed(0)} µs a file)`,
        '(info)',
        '(info)',
      ]);
  }
  if (costRows.length)
    section('Case 11 — what the full-text index costs extraction', H, costRows, [
      'A fresh engine per run on a fresh database, after the same warm-up; "off" is a database whose index (results_fts and its trigger) was dropped, so the store writes none. Runs interleaved, the order reversed every other round. A file over 32 MB would add the streaming of its text into the index, after it completes.',
    ]);
  const kinds = ['one-word', 'two-words', 'phrase', 'prefix', 'common-word'];
  const measured = kinds.filter((k) => get(`search.${k}`) && !get(`search.${k}`).skipped);
  if (!measured.length) return;
  const rows = [];
  const docs = get(`search.${measured[0]}`).info.docs;
  for (const k of measured) {
    const m = get(`search.${k}`);
    const p95 = Math.max(...m.infos.map((i) => i.p95));
    const b1 = bar(`search ${k}, median (${docs.toLocaleString('en')} docs)`, median(m.samples), '≤', 50, 'ms');
    const b2 = bar(`search ${k}, p95 (${docs.toLocaleString('en')} docs)`, p95, '≤', 150, 'ms');
    rows.push(row(`search.${k}`, `p95 ${fmt(p95, 'ms')} ms`, `${b1.text} / p95 ${b2.text}`, b1.verdict === 'MET' && b2.verdict === 'MET' ? 'MET' : 'NOT MET'));
  }
  const g = get('search.get-page');
  if (g) {
    const b = bar('results.get, one page of text', median(g.samples), '≤', 10, 'ms');
    rows.push(row('search.get-page', `p95 ${fmt(g.info.p95, 'ms')} ms`, b.text, b.verdict));
  }
  section(`Case 11 — full-text search over ${docs.toLocaleString('en')} documents (SQLite FTS5, bm25, snippets, total)`, H, rows, [
    "Documents made from real text: the corpus' text-like files cut into windows of 150 words (a few words swapped), two pages each, stored through claim + completeMany (the index written as in production) in a fresh database; the queries are picked from the same words by frequency (the common word is the most frequent one: it matches most documents).",
    'Each query asks for the first page (20 hits) with a snippet per hit and the total, as the window and `quarry search` do; timed after 3 warm-up runs. results.get reads one page of a document (part "pages").',
  ]);
}

/** Case 12: extraction + index time and query latency as ratios to Recoll's, and the agreement over 20 queries. */
function pdfAgreementReport({ get, bar, section, headlines }) {
  const m = get('pdf.agreement');
  if (!m) return;
  if (m.skipped) {
    headlines.push({ name: 'PDF text against pdftotext', verdict: `SKIPPED (${m.skipped})` });
    section('Case 15 — PDF text against pdftotext', ['file'], [[`not measured: ${m.skipped}`]]);
    return;
  }
  const b = bar('text PDFs meeting F1 ≥ 0.98 and sequence similarity ≥ 0.90, or with a stated reason', m.samples[0], '≥', m.info.total, 'files');
  const f3 = (x) => x.toFixed(3);
  section(
    'Case 15 — PDF text against pdftotext (poppler), per corpus PDF, default options',
    ['file', 'words (pdftotext)', 'F1', 'similarity', 'F1 / similarity vs -layout', 'readable F1', 'time (Quarry pool / pdftotext)', 'bar'],
    [
      ...m.info.files.map((f) => [
        f.file,
        f.words,
        f3(f.f1),
        f3(f.similarity),
        `${f3(f.layoutF1)} / ${f3(f.layoutSimilarity)}`,
        f3(f.readableF1),
        `${f.timeRatio.toFixed(2)}× (${f.quarryMs} / ${f.pdftotextMs} ms)`,
        f.verdict,
      ]),
      ['all text PDFs', '', '', '', '', '', '', `${m.samples[0]} of ${m.info.total}: ${b.verdict}`],
    ],
    [
      'Word-bag F1: the same words as many times, in any order. Sequence similarity: 1 − word-level edit distance / the longer word count (order matters). Words are separated by whitespace or control characters, NFKC, lower case; PDFs where pdftotext reads under 20 words (scans) are left out. Readable F1: the same F1 over the words both write in plain ASCII. Time: medians of interleaved runs.',
      ...m.info.files.filter((f) => f.reason).map((f) => `${f.file}: ${f.reason}`),
    ],
  );
}

/** Case 16: the page's frames, longest task and first rows, each against its bar (absolute: the page has a core of its own). */
function pageFramesReport({ get, bar, section, row, H, headlines }) {
  const raf = get('page.frames.raf');
  if (!raf) return;
  if (raf.skipped) {
    headlines.push({ name: "the dashboard's frames", verdict: `SKIPPED (${raf.skipped})` });
    section("Case 16 — the dashboard's frames", H, [row('page.frames.raf')], [`Not measured: ${raf.skipped}.`]);
    return;
  }
  const med = (k) => (get(k) && !get(k).skipped ? median(get(k).samples) : NaN);
  const i = raf.info;
  const lines = [];
  const add = (k, limit, what) => {
    if (!get(k)) return;
    const b = bar(what, med(k), '≤', limit, 'ms');
    lines.push(row(k, '—', b.text, b.verdict));
  };
  add('page.frames.raf', 50, 'page: p95 time between frames (rAF)');
  add('page.frames.draw', 50, 'page: p95 time between frames (trace DrawFrame)');
  add('page.longtask.trace', 100, 'page: its own longest task, wall time (trace)');
  add('page.longtask.cpu', 100, 'page: its own longest task, CPU time (trace)');
  add('page.longtask.profile', 100, 'page: its longest busy stretch (CPU profile)');
  add('page.firstRows', 500, 'page: first rows after a reload, median');
  const fr = get('page.firstRows');
  const t = get('page.longtask.trace')?.info;
  const p = get('page.longtask.profile')?.info;
  const d = get('page.frames.draw')?.info;
  section(
    `Case 16 — the dashboard's frames in Chromium while work runs (${i.rows.toLocaleString('en')} jobs, ${i.files.toLocaleString('en')} small files on one pool thread)`,
    H,
    lines,
    [
      `The window at 1280×800 in headless Chromium, served by dist/serve.cjs --concurrency 1 in a process of its own (the engine and the bridge, the extraction host beside them with one pool thread), as npm run serve serves it. Measured from the drop of ${i.files.toLocaleString('en')} files (addPaths, ${i.addPathsMs} ms) ${i.workSeconds ? `until they were all done, ${i.seconds} s` : `for ${i.seconds} s (the files were not all done)`}, the list scrolled by the wheel all along (${i.scrollSteps} steps of 180 px, a jump every 60); ${i.finishedInWindow.toLocaleString('en')} jobs finished in the window${i.eventsReceived !== undefined ? `; the page received ${i.eventsReceived.toLocaleString('en')} pushed events (${Math.round(i.eventsReceived / i.seconds).toLocaleString('en')} a second)` : ''}. The reloads ran while another ${i.files.toLocaleString('en')} files did.`,
      `Frames (rAF): ${i.frames} frames, median ${i.median} ms, p99 ${i.p99} ms, max ${i.max} ms, ${i.over50} over 50 ms.${d ? ` Compositor (DrawFrame): ${d.frames} frames, median ${d.median} ms, max ${d.max} ms.` : ''}${d?.control ? ` Control, the same scrolling with the engine idle (no work, no events): DrawFrame p95 ${d.control.p95} ms, median ${d.control.median} ms over ${d.control.frames} frames: headless Chromium composites in software here, so what the control shows is this machine's pace, not the page's.` : ''}`,
      ...(t
        ? [
            `Trace: ${t.tasks} tasks on the page's main thread, ${t.over50} over 50 ms, busy ${t.busyShare}% of the window. The longest took ${t.longestCpuMs} ms of CPU (thread time) in its wall time; the task with the most CPU took ${t.mostCpuMs} ms of CPU in ${t.mostCpuWallMs} ms; ${t.over50Cpu} tasks took over 50 ms of CPU (a wall time well above the CPU time is the machine's load, not the page). The main thread's CPU over the window: ${t.cpuTotalMs} ms, ${Math.round(t.cpuTotalMs / i.seconds)} ms a second (${t.cpuTop.join(', ')}; nested events count in their parents too). The longest held: ${t.inside.join('; ') || '—'}. The tasks over 50 ms spent (nested events counted in their parents too): ${t.parts.join('; ') || '—'}.`,
          ]
        : []),
      ...(p
        ? [
            `CPU profile (sampled every 0.5 ms): busy ${p.busyShare}% of the window; most self time: ${p.top.join('; ')}.`,
            `Long animation frames Chromium reported: ${p.longFrames}${p.longestFrames.length ? `; the longest: ${p.longestFrames.map((f) => `${f.ms} ms (${f.scripts.join(', ') || 'no script'})`).join('; ')}` : ''}.`,
          ]
        : []),
      ...(fr
        ? [
            `First rows: the time from the reload to the first job row in the page (performance.now() in a MutationObserver), ${fr.samples.length} reloads (${fr.info.whileRunning} while jobs still finished); on the idle engine before the drop: ${fr.info.idleMs} ms. Contract calls of one opening: ${JSON.stringify(fr.info.calls[0] ?? fr.info.idleCalls)}.`,
          ]
        : []),
      ...(i.pageErrors.length ? [`Page errors: ${i.pageErrors.join('; ')}`] : []),
    ],
  );
}

function recollReport({ get, bar, section, row, H, headlines }) {
  const idx = get('recoll.index');
  if (!idx) return;
  if (idx.skipped) {
    headlines.push({ name: 'Quarry against Recoll', verdict: `SKIPPED (${idx.skipped})` });
    section('Case 12 — Quarry against Recoll', H, [row('recoll.index')], [`Not measured: ${idx.skipped}.`]);
    return;
  }
  const r1 = median(idx.samples);
  const b1 = bar('extract + index / recollindex', r1, '≤', 1.0, '×');
  const q = get('recoll.query');
  // The bar: a query as the window asks it (the engine resident). A process per query is for information: Node's start-up alone is its floor.
  const qr = get('recoll.query-resident');
  const r2 = qr ? median(qr.samples) : NaN;
  const b2 = bar('query as the window asks (quarry serve, HTTP) / recollq', r2, '≤', 1.0, '×');
  const a = get('recoll.agreement');
  const agreed = a ? median(a.samples) : NaN;
  const b3 = bar('queries where Quarry finds every file Recoll finds', agreed, '≥', a?.info?.total ?? 20, 'queries');
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  section(
    'Case 12 — Quarry against Recoll, side by side on the corpus folders (OCR off on both, cold start each)',
    H,
    [
      row('recoll.index', `Quarry ${s(idx.info.quarryMs)}, Recoll ${s(idx.info.recollMs)}`, b1.text, b1.verdict),
      qr && row('recoll.query-resident', `Quarry ${qr.info.quarryMs.toFixed(1)} ms, Recoll ${qr.info.recollMs.toFixed(0)} ms`, b2.text, b2.verdict),
      q && row('recoll.query', `Quarry ${q.info.quarryMs.toFixed(0)} ms, Recoll ${q.info.recollMs.toFixed(0)} ms`, '(info)', '(info)'),
      q && [
        'query latency in process (the window): Quarry / recollq',
        `${q.info.inProcessMs.toFixed(2)} ms`,
        'single',
        1,
        `${(q.info.inProcessMs / q.info.recollMs).toFixed(3)}× (Recoll ${q.info.recollMs.toFixed(0)} ms)`,
        '(info)',
        '(info)',
      ],
      a && row('recoll.agreement', '—', b3.text, b3.verdict),
    ].filter(Boolean),
    [
      "Quarry: `quarry extract <the corpus' folders> --db --no-ocr` (extraction, results stored, the full-text index written, the export written); Recoll: `recollindex -z` with a fresh configuration naming the same folders as topdirs (its default: no OCR). Each from a cold start: a fresh database, a fresh Xapian index.",
      'Query latency, the bar: each query as the window sends it (`quarry serve` on the database, the engine resident as in the app; a POST of results.search over HTTP with the token, a kept-alive connection) against `recollq -b -s "" Q` (stemming off as Quarry has none), a process per query: what a person searching in each tool waits for (Recoll has no resident query server to ask). The median over every query and repetition.',
      `A process per query on each side (\`quarry search Q --json\`, its own small bundle, against recollq), for information: \`quarry search --help\` takes ${q ? q.info.startMs.toFixed(0) : '?'} ms and Node doing nothing ${q?.info?.nodeMs ? q.info.nodeMs.toFixed(0) : '?'} ms, the floor of any process written in Node, against a C++ program's few. The in-process line is the same queries against the database opened once, no HTTP.`,
      "Agreement: 20 queries written from the corpus manifest's known phrases (bench/recoll.ts); a file found inside a container counts as the file given (Recoll reports the container's URL).",
      ...(a?.notes ?? []),
    ],
  );
}

main().catch((err) => {
  // The bench itself broke (not a bar): say so, still exit 0 only if figures were printed.
  console.error(err?.stack ?? err);
  process.exit(1);
});
