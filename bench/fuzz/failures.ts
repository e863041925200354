/**
 * A failing case on disk: out/<format>/<name>/ holds the mutant itself,
 * case.json (what it was made from and how, what went wrong) and a README
 * with the two commands that matter: replay this very file, or make it again
 * from the corpus.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobEvent } from '../../shared/job.js';
import type { Made } from './judge.js';

export interface CaseRecord {
  format: string;
  index: number;
  seed: number;
  /** The corpus file it was made from, as MANIFEST.tsv names it. */
  seedFile: string;
  mutator: string;
  what: string;
  file: string;
  sha256: string;
  bytes: number;
  timeoutMs: number;
  problem: string;
  reasons: string[];
  replay: string;
  regenerate: string;
}

export interface CaseOutcome {
  problem: string;
  reasons: string[];
  history: JobEvent[];
}

interface Where {
  out: string;
  root: string;
  seed: number;
  timeoutMs: number;
}

export const CASE_FILE = 'case.json';

/** Earlier cases of these formats go: a folder holds what the last run found. */
export function clearCases(out: string, formats: Iterable<string>): void {
  for (const f of formats) rmSync(path.join(out, f), { recursive: true, force: true });
}

export function writeCase(where: Where, m: Made, outcome: CaseOutcome): CaseRecord & { dir: string } {
  const dir = path.join(where.out, m.format, m.name.replace(/\.[^.]*$/, ''));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(m.file, path.join(dir, m.name));
  const shown = path.relative(where.root, dir);
  const record: CaseRecord = {
    format: m.format,
    index: m.index,
    seed: where.seed,
    seedFile: m.seed.rel,
    mutator: m.mutator,
    what: m.what,
    file: m.name,
    sha256: m.sha256,
    bytes: m.size,
    timeoutMs: where.timeoutMs,
    problem: outcome.problem,
    reasons: outcome.reasons,
    replay: `npm run fuzz -- --replay ${shown.startsWith('..') ? dir : shown}`,
    regenerate: `npm run fuzz -- --seed ${where.seed} --format ${m.format} --case ${m.index}`,
  };
  writeFileSync(path.join(dir, CASE_FILE), JSON.stringify(record, null, 2) + '\n');
  writeFileSync(path.join(dir, 'README.md'), readme(record, outcome.history));
  return { ...record, dir };
}

export function readCase(dir: string): CaseRecord {
  return JSON.parse(readFileSync(path.join(dir, CASE_FILE), 'utf8')) as CaseRecord;
}

function readme(r: CaseRecord, history: JobEvent[]): string {
  return [
    `# ${r.file}: ${r.problem}`,
    '',
    ...r.reasons.map((x) => `- ${x}`),
    '',
    `Made from the corpus file \`${r.seedFile}\` (seed ${r.seed}, mutant ${r.index} of ${r.format}): ${r.what} (${r.mutator}).`,
    `The file is beside this README (${r.bytes} bytes, sha256 ${r.sha256}).`,
    '',
    'Replay exactly this file through the engine:',
    '',
    `    ${r.replay}`,
    '',
    'Make it again from the corpus and run it:',
    '',
    `    ${r.regenerate}`,
    '',
    ...(history.length
      ? [
          "The job's history:",
          '',
          ...history.map(
            (e) => `- ${e.fromStatus ?? '(new)'} → ${e.toStatus}, attempt ${e.attempt}${e.errorCode ? `: ${e.errorCode}: ${e.errorMessage}` : ''}`,
          ),
        ]
      : []),
    '',
  ].join('\n');
}
