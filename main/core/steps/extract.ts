/**
 * The extract step: the file through the worker pool. Unless forced, the
 * file is hashed first, and identical content already extracted (same
 * options, same extractor version) reuses that stored result.
 */
import { ExtractionError, liftFullText, type ExtractionResult } from '../../../shared/extraction.js';
import { adoptFullText } from '../full-text.js';
import { jobSpoolDir } from '../paths.js';
import { isCrashSuspect, type ExtractionService } from '../pool.js';
import { GROUP_MAX_BYTES } from '../pool-groups.js';
import { HASH_INDEX_MIN_BYTES } from '../store/dedup-bound.js';
import type { JobStore, StoredResult } from '../store/job-store.js';
import type { StepExecutor } from './types.js';

export interface ExtractStepDeps {
  pool: ExtractionService;
  store: JobStore;
  /** Archive entries and attachments are written under <spoolRoot>/<job id>. */
  spoolRoot: string;
  /** Reuse stored results for identical content (default true). */
  dedup?: boolean;
  /** See DEDUP_MIN_BYTES: it can only be raised. */
  dedupMinBytes?: number;
}

/**
 * Below this size a file is extracted straight away: the dedup check is a
 * round trip to a worker thread (to hash the file) and a lookup, which costs
 * more than extracting a small file again, and the result is the same. The
 * extraction still records the file's hash on its row; the dedup index holds
 * the hashes of files from this size only (migration 010: identical content
 * has the same size, so a smaller file's hash is never looked up).
 */
export const DEDUP_MIN_BYTES = HASH_INDEX_MIN_BYTES;
/** Files from this size get a progress channel to the worker. */
const PROGRESS_MIN_BYTES = 1024 * 1024;

function storedToResult(r: StoredResult): ExtractionResult {
  return { ...r.document, text: r.text, markdown: r.markdown } as ExtractionResult;
}

export function extractStep(deps: ExtractStepDeps): StepExecutor {
  return async (state, step, ctx) => {
    const { job } = ctx;
    if (!job.sourcePath) throw new ExtractionError('not_a_file', 'This job has no file to extract.');
    const options = { ...job.options, ...step.options };
    const spoolDir = jobSpoolDir(deps.spoolRoot, job.id);
    let contentHash: string | undefined;
    // Never under DEDUP_MIN_BYTES: the index holds no smaller file to find.
    const small = job.sizeBytes !== null && job.sizeBytes < Math.max(deps.dedupMinBytes ?? 0, DEDUP_MIN_BYTES);
    // A suspect of a crash of the extraction host runs with nothing else in it.
    const alone = isCrashSuspect(job);
    if (deps.dedup !== false && !options.force && !small) {
      contentHash = await deps.pool.hash(job.sourcePath, ctx.signal, alone);
      const reuse = await reusable(deps, contentHash, job.options, job.id);
      // A reused large text needs its full-text file; if that is gone, extract again.
      const result = reuse && (await adoptFullText(storedToResult(reuse), reuse.jobId, spoolDir));
      if (reuse && result) return { ...state, result, contentHash, reusedFrom: reuse.jobId };
    }
    // Progress only for files big enough to report any: a small one is done
    // before its first message, and the channel costs a port per task.
    const onProgress = job.sizeBytes !== null && job.sizeBytes < PROGRESS_MIN_BYTES ? undefined : ctx.onProgress;
    // A small file may share a worker task with others (see pool-groups.ts).
    const groupable = job.sizeBytes !== null && job.sizeBytes <= GROUP_MAX_BYTES;
    const out = await deps.pool.run(
      { path: job.sourcePath, options, spoolDir },
      {
        signal: ctx.signal,
        small: groupable,
        alone,
        job: { id: job.id, sizeBytes: job.sizeBytes, ranBefore: job.retryCount > 0 || job.errorCode !== null },
        ...(onProgress ? { onProgress } : {}),
        ...(ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {}),
      },
    );
    const startedAt = state.startedAt ?? out.startedAt;
    const timing = { ...(startedAt ? { startedAt } : {}), ...(out.finishedAt ? { finishedAt: out.finishedAt } : {}) };
    return { ...state, result: liftFullText(out.result), contentHash: out.sha256 ?? contentHash, ...timing, ...(out.ranBy ? { ranBy: out.ranBy } : {}) };
  };
}

/** A stored result for this content and options, made by the current version of its extractor. */
async function reusable(deps: ExtractStepDeps, hash: string, options: Record<string, unknown>, jobId: string): Promise<StoredResult | undefined> {
  const id = deps.store.findReusable(hash, options, jobId);
  const stored = id ? deps.store.result(id) : undefined;
  if (!stored) return undefined;
  const current = await deps.pool.extractorVersions();
  return current[stored.extractor] === stored.extractorVersion ? stored : undefined;
}
