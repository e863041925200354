/**
 * Runs fuzzed files through the real engine, as a person's `quarry run`
 * would: a database in a temporary folder, the extraction host process, its
 * worker threads. Says how every job ended, with its history, and every
 * death of the extraction host the engine reported.
 */
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { isTerminal, type Job, type JobEvent } from '../../shared/job.js';

export interface EngineRunOptions {
  /** A folder of our own: the database and the spool go there. */
  workDir: string;
  files: readonly string[];
  /** Each file's time limit: a hang shows as a timeout this soon. */
  timeoutMs: number;
  concurrency: number;
  /** The built extraction host (a bundle of this code cannot find dist/ by itself). */
  hostFile?: string;
  onFinished?: (finished: number, total: number) => void;
}

export interface HostDeath {
  message: string;
  /** The files the engine named as in flight (at most 3 of them). */
  files: string[];
  /** When the engine said so (Date.now()): the history entries it causes are written after. */
  at: number;
}

export interface EngineRun {
  /** Every job of the run: the files given, and what they led to (archive entries, attachments). */
  jobs: Job[];
  history: Map<string, JobEvent[]>;
  deaths: HostDeath[];
  /** Other errors the engine reported (outside any file). */
  errors: string[];
  /** The engine stopped changing jobs before it drained: the wait was given up. */
  stalled: boolean;
}

/**
 * Options every fuzz run uses. OCR is off: it takes seconds per image on a
 * small machine and tests tesseract, not our parsers. No retries: a failure
 * is judged on its first attempt (a host death still runs its files again
 * alone, uncounted, and charges the one that did it).
 */
export const FUZZ_JOB_OPTIONS = { ocr: false } as const;

const CRASH = /the extraction process stopped \(([^)]*)\) while extracting (.+?); it was restarted/;

export async function runThroughEngine(opts: EngineRunOptions): Promise<EngineRun> {
  const engine = new Engine({
    dbPath: path.join(opts.workDir, 'fuzz.db'),
    concurrency: opts.concurrency,
    // Every mutant is extracted, even one whose bytes another run already stored.
    dedup: false,
    pool: opts.hostFile ? { hostFile: opts.hostFile } : {},
    // Archive entries and attachments get the same time limit as the files they came from.
    scheduler: { defaultTimeoutMs: opts.timeoutMs },
  });
  const deaths: HostDeath[] = [];
  const errors: string[] = [];
  engine.on('error', (err) => {
    const crash = CRASH.exec(err.message);
    if (crash) deaths.push({ message: err.message, files: crash[2]!.replace(/ and \d+ more$/, '').split(', '), at: Date.now() });
    else errors.push(err.message);
  });
  try {
    const intake = await engine.addPaths(opts.files, {
      batch: 'never',
      maxRetries: 0,
      timeoutMs: opts.timeoutMs,
      source: 'fuzz',
      options: { ...FUZZ_JOB_OPTIONS },
    });
    for (const r of intake.rejected) errors.push(`not queued: ${r.path}: ${r.reason}`);
    const stalled = await drainedOrStalled(engine, opts);
    const jobs = engine.store
      .ids()
      .map((id) => engine.store.get(id)!)
      .sort((a, b) => a.seq - b.seq);
    const history = new Map(jobs.map((j) => [j.id, engine.store.events(j.id)]));
    return { jobs, history, deaths, errors, stalled };
  } finally {
    // Abort: a job still running after a stall must not hold the run open.
    await engine.close({ abort: true });
  }
}

/**
 * Waits for the queue to drain. A stuck engine would wait forever, so the
 * wait ends when no job has changed for three time limits (a healthy engine
 * changes one at least every time limit, and notices a silent host in 10 s).
 */
async function drainedOrStalled(engine: Engine, opts: EngineRunOptions): Promise<boolean> {
  const total = opts.files.length;
  let finished = 0;
  let lastChange = Date.now();
  engine.on('job', (job) => {
    lastChange = Date.now();
    if (job.parentId === null && isTerminal(job.status)) opts.onFinished?.(++finished, total);
  });
  engine.start();
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<boolean>((resolve) => {
    timer = setInterval(() => Date.now() - lastChange > 3 * opts.timeoutMs + 10_000 && resolve(true), 1000);
  });
  try {
    return await Promise.race([engine.drained().then(() => false), stall]);
  } finally {
    clearInterval(timer);
  }
}
