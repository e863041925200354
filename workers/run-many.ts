/**
 * The group task: runs several small extractions one after another in this
 * thread (see GroupTask and main/core/pool-groups.ts). Sending each small
 * file as its own piscina task costs more than extracting it.
 */
import { performance } from 'node:perf_hooks';
import type { ExtractTask, GroupOutcome, GroupTask, WorkerOutcome } from '../shared/extraction';

export async function runMany(group: GroupTask, runOne: (task: ExtractTask) => Promise<WorkerOutcome>): Promise<GroupOutcome> {
  const started = performance.now();
  const outcomes: Array<WorkerOutcome | null> = [];
  for (const [i, task] of group.tasks.entries()) {
    if (Atomics.load(group.state, 1 + i) === 1) {
      outcomes.push(null);
      continue;
    }
    Atomics.store(group.state, 0, i);
    try {
      outcomes.push(await runOne(task));
    } catch (err) {
      // What a throw from a single task becomes on the main thread (translateWorkerError).
      outcomes.push({
        ok: false,
        error: { code: 'internal', message: `The extraction worker failed: ${(err as Error)?.message ?? String(err)}`, details: {} },
      });
    }
  }
  return { outcomes, ms: performance.now() - started };
}
