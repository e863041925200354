// Puts a fresh job into any status through the store's own operations.
import type { JobStatus } from '../../shared/job.js';
import type { JobStore } from '../../main/core/store/job-store.js';
import { sampleResult } from './results.js';

export const OWNER = 'test-host:0:owner';

export function jobIn(store: JobStore, status: JobStatus, now = Date.now()) {
  // Top priority, so the claim below takes this job and no other.
  const [job] = store.add([{ fileName: `${status}.txt`, sourcePath: `/tmp/${status}.txt`, priority: 1_000_000 }]);
  const id = job!.id;
  if (status === 'pending') return store.get(id)!;
  if (status === 'cancelled') return store.cancel(id);
  const [claimed] = store.claim(1, now, 60_000, OWNER).filter((j) => j.id === id);
  if (!claimed) throw new Error('claim did not return the new job');
  if (status === 'running') return store.get(id)!;
  if (status === 'completed') return store.complete(id, sampleResult());
  if (status === 'partial') return store.complete(id, sampleResult(), { failedItems: 2 });
  return store.fail(id, { code: 'corrupt_file', message: 'broken' });
}
