/**
 * Step executors: each pipeline step type (extract, transform, export, ...)
 * has one, registered by name. A step takes the pipeline's state so far and
 * returns the next state.
 */
import type { ExtractionResult, ProgressMessage } from '../../../shared/extraction.js';
import type { Step } from '../../../shared/definitions.js';
import type { Job } from '../../../shared/job.js';

export interface StepState {
  result?: ExtractionResult;
  contentHash?: string;
  /** Dedup: the job whose stored result was reused. */
  reusedFrom?: string;
  /** When a worker thread began extracting the file (see WorkerOutcome.startedAt). */
  startedAt?: number;
  /** When the last step's work ended (a worker thread's own clock, or this thread's when the step ran here). */
  finishedAt?: number;
  /** A remote worker that ran the extraction (see WorkerOutcome.ranBy). */
  ranBy?: string;
  /** Warnings from steps that failed with on_error: continue. */
  warnings: string[];
}

export interface StepContext {
  job: Job;
  signal: AbortSignal;
  timeoutMs?: number;
  onProgress: (p: ProgressMessage) => void;
}

export type StepExecutor = (state: StepState, step: Step, ctx: StepContext) => Promise<StepState>;
