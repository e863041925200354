/**
 * What a fuzzed file's job ended as, in the terms of the bar: completed,
 * failed with a typed (permanent, clean) error, failed untyped, hung past
 * its time limit, or left running.
 */
import { categoryOf } from '../../shared/extraction.js';
import type { Job } from '../../shared/job.js';

export type Verdict = 'completed' | 'typed' | 'untyped' | 'hang' | 'left';

/** Failing verdicts, worst first: a mutant is as bad as the worst job of its tree. */
export const PROBLEMS: readonly Verdict[] = ['left', 'hang', 'untyped'];

export interface JobVerdict {
  verdict: Verdict;
  /** Why, for the failing ones. */
  reason?: string;
}

/** A stack frame or a bundle path in a message meant for a person. */
const RAW_STACK = /\n\s*at .+:\d+:\d+|(node_modules|file:\/\/|\.(c|m)?js:\d+:\d+)/;

export function judgeJob(job: Job): JobVerdict {
  const said = `${job.errorCode}: ${job.errorMessage ?? ''}`;
  switch (job.status) {
    case 'completed':
    case 'partial':
      return { verdict: 'completed' };
    case 'pending':
    case 'running':
      return { verdict: 'left', reason: `still ${job.status} after the run${job.errorCode ? ` (last error ${said})` : ''}` };
    case 'cancelled':
      return { verdict: 'untyped', reason: 'cancelled, though nobody cancelled it' };
    case 'failed':
      if (job.errorCode === 'timeout') return { verdict: 'hang', reason: said };
      if (!job.errorCode || job.errorCode === 'internal') return { verdict: 'untyped', reason: said };
      if (RAW_STACK.test(job.errorMessage ?? '')) return { verdict: 'untyped', reason: `a raw stack in the message: ${said}` };
      // A retryable code as the final word (worker_crashed, file_busy...) says nothing about the file.
      if (categoryOf(job.errorCode) !== 'permanent') return { verdict: 'untyped', reason: `retryable code as a final failure: ${said}` };
      return { verdict: 'typed' };
  }
}

/**
 * A mutant's verdict: its own job's, unless a job it led to (an archive
 * entry, an attachment) hung, failed untyped or was left running.
 */
export function judgeTree(root: Job, descendants: readonly Job[]): JobVerdict & { job: Job } {
  const own = { ...judgeJob(root), job: root };
  const all = [own, ...descendants.map((job) => ({ ...judgeJob(job), job }))];
  for (const problem of PROBLEMS) {
    const found = all.find((v) => v.verdict === problem);
    if (found) return found === own ? own : { ...found, reason: `in ${found.job.fileName}, from this file: ${found.reason}` };
  }
  return own;
}
