// The scheduler's executor for file jobs straight on an in-process pool, no
// pipeline: for tests of the scheduler and the pool together (the engine runs
// jobs through pipelines, main/core/pipeline.ts).
import { ExtractionError } from '../../shared/extraction.js';
import { isCrashSuspect, type ExtractionService } from '../../main/core/pool.js';
import { GROUP_MAX_BYTES } from '../../main/core/pool-groups.js';
import type { ExecutionOutcome, Executor } from '../../main/core/scheduler.js';

export function poolExecutor(pool: ExtractionService): Executor {
  return async (job, ctx): Promise<ExecutionOutcome> => {
    if (!job.sourcePath) throw new ExtractionError('not_a_file', 'This job has no file to extract.');
    const small = job.sizeBytes !== null && job.sizeBytes <= GROUP_MAX_BYTES;
    const out = await pool.run(
      { path: job.sourcePath, options: job.options },
      {
        signal: ctx.signal,
        small,
        alone: isCrashSuspect(job),
        ...(small ? {} : { onProgress: ctx.onProgress }),
        ...(ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {}),
      },
    );
    return { result: out.result, contentHash: out.sha256, startedAt: out.startedAt, finishedAt: out.finishedAt };
  };
}
