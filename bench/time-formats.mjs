// Time per file for the formats issue #15 added, on the team corpus, through
// Quarry's built extractor (dist/workers/extract.mjs) in one worker thread
// like the pool's: each file once cold (the first file of its kind pays for
// loading its libraries, and a scan for starting the OCR engine), then
// `--runs` more times, of which the median is printed. Prints the load
// average before and after: on a shared machine absolute times are noise,
// compare files of one run with each other.
//
//   node scripts/build.mjs --node-only && node bench/time-formats.mjs [--runs=3] [--corpus=../shared/corpus] [--only=pdf]
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Piscina from 'piscina';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const runs = Math.max(1, Number(arg('runs', '3')));
const corpus = path.resolve(root, arg('corpus', '../shared/corpus'));
const only = arg('only', '');

/** Issue #15's formats: corpus folder, which of its files (by name), options. */
const GROUPS = [
  { label: 'odt', dir: 'odt' },
  { label: 'odp', dir: 'odp' },
  { label: 'rtf', dir: 'rtf' },
  { label: 'epub', dir: 'epub' },
  { label: 'mbox', dir: 'email', match: /\.mbox$/ },
  { label: 'tar / tgz', dir: 'tar' },
  { label: 'gz', dir: 'gz' },
  { label: '7z', dir: '7z' },
  { label: 'doc', dir: 'doc' },
  { label: 'xls', dir: 'xls' },
  { label: 'ppt', dir: 'ppt' },
  { label: 'ics', dir: 'ics' },
  { label: 'vcf', dir: 'vcf' },
  { label: 'encrypted OOXML (with its password)', dir: 'bad', match: /^docx-encrypted-example_password\.docx$/, options: { password: 'Password1234_' } },
  { label: 'scanned PDF (OCR)', dir: 'pdf', match: /^scanned-/ },
];

const worker = path.join(root, 'dist/workers/extract.mjs');
if (!existsSync(worker)) throw new Error('dist/workers/extract.mjs is missing: run node scripts/build.mjs --node-only first');
const pool = new Piscina({ filename: worker, maxThreads: 1, minThreads: 1, resourceLimits: { maxOldGenerationSizeMb: 512 } });

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

async function time(file, options) {
  const t = performance.now();
  const out = await pool.run({ path: file, options });
  return { ms: performance.now() - t, out };
}

const loadBefore = load();
const rows = [];
for (const g of GROUPS) {
  if (only && !g.label.includes(only) && g.dir !== only) continue;
  const dir = path.join(corpus, g.dir);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    if (g.match && !g.match.test(name)) continue;
    const file = path.join(dir, name);
    const cold = await time(file, g.options ?? {});
    const warm = [];
    for (let i = 0; i < runs; i++) warm.push((await time(file, g.options ?? {})).ms);
    const o = cold.out;
    const what = o.ok ? `${o.result.format}, ${o.result.text.length.toLocaleString('en-US')} chars` : `error ${o.error.code}`;
    rows.push({ format: g.label, file: `${g.dir}/${name}`, cold: cold.ms, median: median(warm), what });
    console.log(
      `${g.label.padEnd(38)} ${`${g.dir}/${name}`.padEnd(46)} first ${ms(cold.ms).padStart(9)}  median of ${runs} ${ms(median(warm)).padStart(9)}  (${what})`,
    );
  }
}
await pool.destroy();
console.log(`\nload average (1, 5, 15 min): ${loadBefore} before, ${load()} after; Node ${process.version}; ${runs} timed runs per file after a first one`);
console.log('\n| format | file | first run | median of later runs | result |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.format} | ${r.file} | ${ms(r.cold)} | ${ms(r.median)} | ${r.what} |`);
