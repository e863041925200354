/**
 * One fuzz run: makes the mutants of each format, runs them all through the
 * real engine, judges every file, and writes each failing case to a folder
 * of its own with the commands that replay it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearCases, writeCase, type CaseRecord } from './failures.js';
import { isFailing, judgeRun, reasonsOf, type DeathCount, type Judged, type Made } from './judge.js';
import { makeMutant } from './mutants.js';
import { runThroughEngine } from './run-engine.js';
import { corpusSeeds, type Seed } from './seeds.js';

export interface FuzzOptions {
  corpus: string;
  seed: number;
  perFormat: number;
  /** Only these formats (corpus folder names). */
  formats?: readonly string[];
  /** Only these mutant numbers (each format's own numbering). */
  cases?: readonly number[];
  timeoutMs: number;
  concurrency: number;
  /** Failing cases are written under out/<format>/. */
  out: string;
  /** The repository, for replay commands relative to it. */
  root: string;
  hostFile?: string;
  log?: (line: string) => void;
}

export interface FormatRow {
  format: string;
  seeds: number;
  mutants: number;
  completed: number;
  typed: number;
  untyped: number;
  hangs: number;
  left: number;
  /** Host deaths while a file of this format was in flight, and those no file was charged with. */
  deaths: number;
  uncharged: number;
  /** Typed failures by error code. */
  codes: Record<string, number>;
}

export interface FuzzReport {
  rows: FormatRow[];
  failing: Array<CaseRecord & { dir: string }>;
  errors: string[];
  /** Deaths of the extraction host in the run, and those no file was charged with. */
  deaths: DeathCount;
  stalled: boolean;
}

export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const seeds = selectFormats(corpusSeeds(opts.corpus), opts.formats);
  const workDir = mkdtempSync(path.join(tmpdir(), 'quarry-fuzz-'));
  try {
    const made = await makeAll(seeds, opts, path.join(workDir, 'files'));
    log(`fuzz: ${made.length} mutants written; running them through the engine…`);
    const run = await runThroughEngine({
      workDir,
      files: made.map((m) => m.file),
      timeoutMs: opts.timeoutMs,
      concurrency: opts.concurrency,
      ...(opts.hostFile ? { hostFile: opts.hostFile } : {}),
      onFinished: progressLog(log),
    });
    const { judged, errors, deaths, deathsByFormat } = judgeRun(made, run);
    // A run of chosen cases replaces those; a full run, everything its formats had.
    if (!opts.cases?.length) clearCases(opts.out, seeds.keys());
    const failing = judged.filter(isFailing).map((j) => writeCase(opts, j.mutant, { problem: problemOf(j), reasons: reasonsOf(j), history: j.history }));
    return { rows: tableRows(seeds, judged, deathsByFormat), failing, errors, deaths, stalled: run.stalled };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export const problemOf = (j: Judged) => (j.verdict === 'completed' || j.verdict === 'typed' ? 'uncharged host death' : j.verdict);

function selectFormats<T>(all: Map<string, T>, formats: readonly string[] | undefined): Map<string, T> {
  if (!formats?.length) return all;
  const unknown = formats.filter((f) => !all.has(f));
  if (unknown.length) throw new Error(`no corpus folder for ${unknown.join(', ')} (formats: ${[...all.keys()].join(', ')})`);
  return new Map([...all].filter(([f]) => formats.includes(f)));
}

async function makeAll(seeds: Map<string, Seed[]>, opts: FuzzOptions, dir: string): Promise<Made[]> {
  const made: Made[] = [];
  const indexes = opts.cases?.length ? opts.cases : Array.from({ length: opts.perFormat }, (_, i) => i);
  for (const [format, list] of seeds) {
    mkdirSync(path.join(dir, format), { recursive: true });
    for (const index of indexes) {
      const { bytes, ...mutant } = await makeMutant(opts.seed, format, index, list);
      const file = path.join(dir, format, mutant.name);
      writeFileSync(file, bytes);
      made.push({ ...mutant, file, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    }
  }
  return made;
}

/** A line every 10 s, not one per file. */
function progressLog(log: (line: string) => void) {
  let last = Date.now();
  return (finished: number, total: number) => {
    if (Date.now() - last < 10_000 && finished < total) return;
    last = Date.now();
    log(`fuzz: ${finished}/${total} files finished`);
  };
}

function tableRows(seeds: Map<string, Seed[]>, judged: readonly Judged[], deaths: Map<string, DeathCount>): FormatRow[] {
  const rows = new Map(
    [...seeds].map(([format, list]) => [
      format,
      { ...emptyRow(format, list.length), deaths: deaths.get(format)?.total ?? 0, uncharged: deaths.get(format)?.uncharged ?? 0 },
    ]),
  );
  for (const j of judged) {
    const row = rows.get(j.mutant.format)!;
    row.mutants++;
    if (j.verdict === 'completed') row.completed++;
    else if (j.verdict === 'typed') {
      row.typed++;
      const code = j.job!.errorCode!;
      row.codes[code] = (row.codes[code] ?? 0) + 1;
    } else if (j.verdict === 'untyped') row.untyped++;
    else if (j.verdict === 'hang') row.hangs++;
    else row.left++;
  }
  return [...rows.values()];
}

function emptyRow(format: string, seeds: number): FormatRow {
  return { format, seeds, mutants: 0, completed: 0, typed: 0, untyped: 0, hangs: 0, left: 0, deaths: 0, uncharged: 0, codes: {} };
}
