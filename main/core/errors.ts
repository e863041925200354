/**
 * The engine's refusals: one class per kind, each with a `code` a program
 * switches on (handlers.ts maps it to the contract's error kind; the
 * scheduler tells a refused write from a real failure by class) and a message
 * written for a person, never parsed.
 *
 * A file that cannot be extracted is not refused: its job fails with an
 * ExtractionError (shared/extraction.ts), whose code is stored with the job.
 * InvalidTransitionError (a status change the rules forbid) lives with the
 * rules, in state-machine.ts.
 */
export type EngineErrorCode = 'job_not_found' | 'invalid_transition' | 'not_found' | 'invalid_input';

export abstract class EngineError extends Error {
  abstract readonly code: EngineErrorCode;
}

/** No job has that id (or the prefix given names none, or several). */
export class JobNotFoundError extends EngineError {
  override name = 'JobNotFoundError';
  readonly code = 'job_not_found';
}

/** Something else a person named does not exist: a schedule, a watched folder. */
export class NotFoundError extends EngineError {
  override name = 'NotFoundError';
  readonly code = 'not_found';
}

/** A value a person gave cannot be used: a cron expression, a folder to watch, a concurrency. */
export class InvalidInputError extends EngineError {
  override name = 'InvalidInputError';
  readonly code = 'invalid_input';
}
