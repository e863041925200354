/**
 * Runs a job's definition step by step with the registered step executors:
 * the scheduler's executor for every job. A step type without an executor is
 * a permanent error, never a silent skip.
 */
import { ExtractionError } from '../../shared/extraction.js';
import { DEFAULT_DEFINITION, type DefinitionStore } from './definitions.js';
import type { ExecutionOutcome, Executor } from './scheduler.js';
import type { StepRegistry } from './steps/registry.js';
import type { StepState } from './steps/types.js';

export function pipelineExecutor(deps: { definitions: DefinitionStore; steps: StepRegistry }): Executor {
  return async (job, ctx): Promise<ExecutionOutcome> => {
    const def = deps.definitions.get(job.definition ?? DEFAULT_DEFINITION, job.definitionVersion ?? undefined);
    let state: StepState = { warnings: [] };
    for (const [i, step] of def.steps.entries()) {
      const run = deps.steps.get(step.type);
      if (!run) {
        throw new ExtractionError(
          'unknown_step',
          `Step ${i + 1} of "${def.name}" has type "${step.type}", which no executor handles (known: ${[...deps.steps.keys()].join(', ')}).`,
        );
      }
      if (i > 0) ctx.onStep?.(i);
      try {
        state = stampFinish(state, await run(state, step, { ...ctx, job }));
      } catch (err) {
        // Cancellation, timeouts and crashes are never "continued" past.
        if (step.on_error !== 'continue' || ctx.signal.aborted || !(err instanceof Error) || isFatal(err)) throw err;
        state = { ...state, warnings: [...state.warnings, `Step ${i + 1} (${step.type}) failed and was skipped: ${err.message}`] };
      }
    }
    if (!state.result) {
      throw new ExtractionError('invalid_definition', `Definition "${def.name}" produced no result: it needs an extract step.`);
    }
    const warning = state.warnings.length ? state.warnings.join(' ') : undefined;
    return {
      result: { ...state.result, warnings: [...state.result.warnings, ...state.warnings] },
      contentHash: state.contentHash,
      reusedFrom: state.reusedFrom,
      startedAt: state.startedAt,
      finishedAt: state.finishedAt,
      ranBy: state.ranBy,
      warning,
      children: state.result.children,
    };
  };
}

function isFatal(err: Error): boolean {
  return err instanceof ExtractionError && ['cancelled', 'timeout', 'worker_crashed', 'resource_limit'].includes(err.code);
}

/**
 * When a step's work ended: a worker thread says so itself (its result may
 * then wait for the rest of its group of small files); a step that ran in
 * this thread, or reused a stored result, ended now.
 */
function stampFinish(before: StepState, after: StepState): StepState {
  return after.finishedAt !== undefined && after.finishedAt !== before.finishedAt ? after : { ...after, finishedAt: Date.now() };
}
