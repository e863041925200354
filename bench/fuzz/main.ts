/**
 * `npm run fuzz`: mutated corpus files through the real engine, a table per
 * format, one summary line; exits 1 when a case fails (an untyped failure, a
 * hang, a host death no file was charged with, a job left running).
 *
 *   npm run fuzz -- [--per-format N] [--seed S] [--format F[,G]] [--case I[,J]]
 *                   [--timeout S] [--concurrency N] [--corpus DIR] [--out DIR]
 *   npm run fuzz -- --replay DIR
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fuzz } from './fuzz.js';
import { replay } from './replay.js';
import { codesByFormat, failingList, summaryLine, table } from './report.js';

const DEFAULTS = { perFormat: 50, seed: 1, timeoutS: 20 };

/** `--name value` or `--name=value`; a repeated option's values are joined. */
function options(argv: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), ...value.split(',')]);
  }
  return out;
}

const KNOWN = new Set(['per-format', 'seed', 'format', 'case', 'timeout', 'concurrency', 'corpus', 'out', 'replay']);

function wholeNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not ${raw}`);
  return n;
}

function integer(opts: Map<string, string[]>, name: string, fallback: number): number {
  const raw = opts.get(name)?.at(-1);
  return raw === undefined ? fallback : wholeNumber(name, raw);
}

/** Runs the command; returns the exit code. */
export async function main(argv: readonly string[], root: string): Promise<number> {
  const opts = options(argv);
  const unknown = [...opts.keys()].filter((k) => !KNOWN.has(k));
  if (unknown.length) throw new Error(`unknown option --${unknown[0]} (see bench/fuzz/main.ts)`);
  const hostFile = path.join(root, 'dist', 'host.cjs');
  const concurrency = Math.max(1, integer(opts, 'concurrency', availableParallelism()));
  const timeoutS = Math.max(1, integer(opts, 'timeout', DEFAULTS.timeoutS));

  const replayDir = opts.get('replay')?.at(-1);
  if (replayDir) {
    const r = await replay(path.resolve(replayDir), { concurrency, hostFile, ...(opts.has('timeout') ? { timeoutMs: timeoutS * 1000 } : {}) });
    console.log(r.lines.join('\n'));
    return r.failing ? 1 : 0;
  }

  const seed = integer(opts, 'seed', DEFAULTS.seed);
  const perFormat = integer(opts, 'per-format', DEFAULTS.perFormat);
  const out = path.resolve(opts.get('out')?.at(-1) ?? path.join(root, 'bench', 'fuzz', 'failures'));
  const corpus = path.resolve(opts.get('corpus')?.at(-1) ?? process.env.QUARRY_CORPUS ?? path.join(root, '..', 'shared', 'corpus'));
  const cases = opts.get('case')?.map((v) => wholeNumber('case', v));
  console.log(
    `fuzz: seed ${seed}, ${cases ? `case ${cases.join(', ')}` : `${perFormat} mutants per format`}, corpus ${corpus}; ` +
      `each file through the real engine with a ${timeoutS} s time limit, no retries, ${concurrency} at once, OCR off (ocr: false: images are fuzzed for their metadata parsers, not tesseract)`,
  );
  const report = await fuzz({
    corpus,
    seed,
    perFormat,
    ...(opts.has('format') ? { formats: opts.get('format')! } : {}),
    ...(cases ? { cases } : {}),
    timeoutMs: timeoutS * 1000,
    concurrency,
    out,
    root,
    hostFile,
    log: (line) => console.log(line),
  });
  console.log(`\n${table(report)}\n`);
  const codes = codesByFormat(report.rows);
  if (codes) console.log(`failed typed, by error code:\n${codes}\n`);
  for (const e of report.errors) console.log(`engine error: ${e}`);
  if (report.stalled) console.log('the engine stopped changing jobs before the queue drained: the wait was given up');
  if (report.failing.length) console.log(`failing cases (written to ${path.relative(root, out) || out}):\n${failingList(report)}\n`);
  console.log(summaryLine(report, seed));
  return report.failing.length || report.stalled ? 1 : 0;
}
