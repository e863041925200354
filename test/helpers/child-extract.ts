/**
 * Extraction in a child process that runs the BUILT worker in a real worker
 * thread, as the app does: for files that may abort V8 (the whole process
 * dies, whatever runs it) and for checks of what the process prints.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { WorkerOutcome } from '../../shared/extraction';

export interface ChildRun {
  /** Exit code of the child process (null if a signal ended it). */
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  outcomes: WorkerOutcome[];
}

const repoRoot = path.resolve(import.meta.dirname, '../..');
const CHILD = `
import Piscina from 'piscina';
const { worker, tasks } = JSON.parse(process.env.QUARRY_CHILD_TASK);
// A heap cap like the app's, so a runaway allocation ends the thread, not the machine's memory.
const pool = new Piscina({ filename: worker, maxThreads: 1, resourceLimits: { maxOldGenerationSizeMb: 512 } });
const outcomes = [];
for (const task of tasks) outcomes.push(await pool.run(task));
await pool.destroy();
process.stdout.write(JSON.stringify(outcomes));
`;

/**
 * Files through the BUILT worker (dist/workers/extract.mjs) in a real worker
 * thread, inside a child process: a file that makes V8 abort takes down that
 * child, never the test runner, and what the child printed is kept. A child
 * still running after `killAfterMs` (a runaway loop) is killed: SIGKILL in
 * the result. With a `spoolDir`, file i's children go to `spoolDir/i`.
 */
export function extractInChild(
  files: string[],
  { options = {}, spoolDir, killAfterMs = 45_000 }: { options?: Record<string, unknown>; spoolDir?: string; killAfterMs?: number } = {},
): Promise<ChildRun> {
  const tasks = files.map((file, i) => ({ path: file, options, ...(spoolDir ? { spoolDir: path.join(spoolDir, String(i)) } : {}) }));
  const task = JSON.stringify({ worker: path.join(repoRoot, 'dist/workers/extract.mjs'), tasks });
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
