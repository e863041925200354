/** Test helpers around the in-process worker entry (same code the pool runs). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { extractionResultSchema, type ExtractionResult, type SerializedError, type WorkerOutcome } from '../../../shared/extraction';
import { run } from '../../../workers/extract';

export async function extractOk(path: string, options: Record<string, unknown> = {}): Promise<ExtractionResult> {
  const out = await run({ path, options });
  if (!out.ok) throw new Error(`expected success for ${path}, got ${out.error.code}: ${out.error.message}`);
  // Every result must satisfy the shared contract.
  expect(extractionResultSchema.safeParse(out.result).success).toBe(true);
  return out.result;
}

export async function extractErr(path: string, options: Record<string, unknown> = {}): Promise<SerializedError> {
  const out = await run({ path, options });
  if (out.ok) throw new Error(`expected failure for ${path}, got a ${out.result.format} result`);
  return out.error;
}

export interface ChildRun {
  /** Exit code of the child process (null if a signal ended it). */
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  outcomes: WorkerOutcome[];
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const CHILD = `
import Piscina from 'piscina';
const { worker, files, options } = JSON.parse(process.env.QUARRY_CHILD_TASK);
// A heap cap like the app's, so a runaway allocation ends the thread, not the machine's memory.
const pool = new Piscina({ filename: worker, maxThreads: 1, resourceLimits: { maxOldGenerationSizeMb: 512 } });
const outcomes = [];
for (const path of files) outcomes.push(await pool.run({ path, options }));
await pool.destroy();
process.stdout.write(JSON.stringify(outcomes));
`;

/**
 * Files through the BUILT worker (dist/workers/extract.mjs) in a real worker
 * thread, inside a child process: a file that makes V8 abort takes down that
 * child, never the test runner, and what the child printed is kept. A child
 * still running after `killAfterMs` (a runaway loop) is killed: SIGKILL in
 * the result.
 */
export function extractInChild(files: string[], options: Record<string, unknown> = {}, killAfterMs = 45_000): Promise<ChildRun> {
  const task = JSON.stringify({ worker: path.join(repoRoot, 'dist/workers/extract.mjs'), files, options });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: repoRoot,
      env: { ...process.env, QUARRY_CHILD_TASK: task },
      timeout: killAfterMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stderr, outcomes: status === 0 ? (JSON.parse(stdout) as WorkerOutcome[]) : [] }));
  });
}
