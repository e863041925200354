/**
 * `npm run fuzz -- --replay DIR`: runs the one file of a failing case
 * through the engine again, with the run's options, and says how it ends now.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCase } from './failures.js';
import { problemOf } from './fuzz.js';
import { isFailing, judgeRun, reasonsOf, type Made } from './judge.js';
import { runThroughEngine } from './run-engine.js';

export interface ReplayOptions {
  concurrency: number;
  hostFile?: string;
  /** Overrides the time limit the case was found with. */
  timeoutMs?: number;
}

export async function replay(dir: string, opts: ReplayOptions): Promise<{ failing: boolean; lines: string[] }> {
  const record = readCase(dir);
  const file = path.join(dir, record.file);
  const bytes = readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const made: Made = {
    format: record.format,
    index: record.index,
    name: record.file,
    seed: { rel: record.seedFile, abs: '', bytes: 0 },
    mutator: record.mutator,
    what: record.what,
    file,
    sha256,
    size: bytes.length,
  };
  const timeoutMs = opts.timeoutMs ?? record.timeoutMs;
  const workDir = mkdtempSync(path.join(tmpdir(), 'quarry-fuzz-replay-'));
  try {
    const run = await runThroughEngine({
      workDir,
      files: [file],
      timeoutMs,
      concurrency: opts.concurrency,
      ...(opts.hostFile ? { hostFile: opts.hostFile } : {}),
    });
    const [j] = judgeRun([made], run).judged;
    const job = j!.job;
    const lines = [
      `replay: ${record.file} (${record.format} mutant ${record.index}, seed ${record.seed}, from ${record.seedFile}: ${record.what})`,
      ...(sha256 === record.sha256 ? [] : [`  warning: the file's sha256 is ${sha256}, not ${record.sha256} as when it was found`]),
      `  time limit ${timeoutMs / 1000} s, OCR off`,
      `  job: ${job ? `${job.status}${job.errorCode ? `, ${job.errorCode}: ${job.errorMessage}` : ''}` : 'none'}`,
      ...j!.history.map(
        (e) => `    ${e.fromStatus ?? '(new)'} → ${e.toStatus}, attempt ${e.attempt}${e.errorCode ? `: ${e.errorCode}: ${e.errorMessage}` : ''}`,
      ),
      ...run.jobs.filter((x) => x.parentId).map((x) => `  led to ${x.fileName}: ${x.status}${x.errorCode ? `, ${x.errorCode}: ${x.errorMessage}` : ''}`),
      ...run.deaths.map((d) => `  host death: ${d.message}`),
      isFailing(j!) ? `  STILL FAILING (${problemOf(j!)}): ${reasonsOf(j!).join('; ')}` : `  no longer failing: ${j!.verdict}`,
    ];
    return { failing: isFailing(j!), lines };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
