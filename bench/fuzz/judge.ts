/**
 * Judges a run: each fuzzed file by its job (and the jobs it led to), and
 * each death of the extraction host by whether a file was charged with it
 * (one of the files in flight ended as extractor_crashed).
 */
import path from 'node:path';
import type { Job, JobEvent } from '../../shared/job.js';
import { judgeTree, PROBLEMS, type Verdict } from './classify.js';
import type { Mutant } from './mutants.js';
import type { EngineRun, HostDeath } from './run-engine.js';

/** A mutant as written to disk for the run. */
export type Made = Omit<Mutant, 'bytes'> & { file: string; sha256: string; size: number };

export interface Judged {
  mutant: Made;
  verdict: Verdict;
  reason?: string;
  /** The job the verdict is about (a child's, when the problem is there). */
  job?: Job;
  history: JobEvent[];
  /** Host deaths while this file (or one it led to) was in flight that no file was charged with. */
  uncharged: HostDeath[];
}

export interface Judgement {
  judged: Judged[];
  /** Engine errors outside any file, and deaths naming no file of the run. */
  errors: string[];
  deaths: DeathCount;
  /** Deaths with a file of the format in flight (one death may count for several formats). */
  deathsByFormat: Map<string, DeathCount>;
}

export interface DeathCount {
  total: number;
  uncharged: number;
}

/** A failing case: a problem verdict, or a host death no file was charged with. */
export const isFailing = (j: Judged) => PROBLEMS.includes(j.verdict) || j.uncharged.length > 0;

export function judgeRun(made: readonly Made[], run: EngineRun): Judgement {
  const byPath = new Map(made.map((m) => [m.file, m]));
  const children = new Map<string, Job[]>();
  for (const j of run.jobs) if (j.parentId) children.set(j.parentId, [...(children.get(j.parentId) ?? []), j]);
  const descendants = (job: Job): Job[] => (children.get(job.id) ?? []).flatMap((c) => [c, ...descendants(c)]);
  // Which mutant each job came from, to find the files a crash message names.
  const owner = new Map<string, Made>();
  const byName = new Map<string, Job[]>();
  const judged = new Map<Made, Judged>();
  for (const root of run.jobs.filter((j) => j.parentId === null)) {
    const mutant = byPath.get(root.sourcePath ?? '');
    if (!mutant) continue;
    const tree = descendants(root);
    for (const j of [root, ...tree]) {
      owner.set(j.id, mutant);
      const name = path.basename(j.sourcePath ?? '');
      byName.set(name, [...(byName.get(name) ?? []), j]);
    }
    const v = judgeTree(root, tree);
    judged.set(mutant, { mutant, ...v, history: run.history.get(v.job.id) ?? [], uncharged: [] });
  }
  for (const m of made) if (!judged.has(m)) judged.set(m, { mutant: m, verdict: 'left', reason: 'no job was found for this file', history: [], uncharged: [] });

  const errors = [...run.errors];
  const inFlight = inFlightAtDeaths(run);
  let uncharged = 0;
  const deathsByFormat = new Map<string, DeathCount>();
  run.deaths.forEach((death, i) => {
    // The message names at most 3 files; the histories say them all.
    const jobs = inFlight[i]!.length ? inFlight[i]! : death.files.flatMap((f) => byName.get(f) ?? []);
    const involved = new Set(jobs.map((j) => owner.get(j.id)).filter((m) => m !== undefined));
    if (!involved.size) errors.push(`a host death naming no file of this run: ${death.message}`);
    const charged = jobs.some((j) => j.errorCode === 'extractor_crashed');
    if (!charged) uncharged++;
    for (const format of new Set([...involved].map((m) => m.format))) {
      const count = deathsByFormat.get(format) ?? { total: 0, uncharged: 0 };
      deathsByFormat.set(format, { total: count.total + 1, uncharged: count.uncharged + (charged ? 0 : 1) });
    }
    if (!charged) for (const m of involved) judged.get(m)!.uncharged.push(death);
  });
  return { judged: made.map((m) => judged.get(m)!), errors, deaths: { total: run.deaths.length, uncharged }, deathsByFormat };
}

/**
 * The jobs each death had in flight: each got a host_crashed (or
 * extractor_crashed) entry in its history, written after the engine said the
 * host stopped and before the next death.
 */
function inFlightAtDeaths(run: EngineRun): Job[][] {
  const out = run.deaths.map(() => new Set<Job>());
  for (const job of run.jobs) {
    for (const e of run.history.get(job.id) ?? []) {
      if (e.errorCode !== 'host_crashed' && e.errorCode !== 'extractor_crashed') continue;
      const i = run.deaths.findLastIndex((d) => d.at <= e.at);
      if (i >= 0) out[i]!.add(job);
    }
  }
  return out.map((s) => [...s]);
}

/** What a failing case says went wrong, one line each. */
export function reasonsOf(j: Judged): string[] {
  return [...(PROBLEMS.includes(j.verdict) ? [`${j.verdict}: ${j.reason}`] : []), ...j.uncharged.map((d) => `host death not charged to a file: ${d.message}`)];
}
