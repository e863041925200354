/** The step executors Quarry ships, by step type. Add a type here to make it usable in definitions. */
import { exportStep } from './export.js';
import { extractStep, type ExtractStepDeps } from './extract.js';
import { transformStep } from './transform.js';
import type { StepExecutor } from './types.js';

export type StepRegistry = ReadonlyMap<string, StepExecutor>;

/** The step types defaultSteps provides (for checking definitions where no pool runs, e.g. `quarry add`). */
export const STEP_TYPES = ['extract', 'transform', 'export'] as const;

export function defaultSteps(deps: ExtractStepDeps & { exportsDir: string }): StepRegistry {
  return new Map<string, StepExecutor>([
    ['extract', extractStep(deps)],
    ['transform', transformStep],
    ['export', exportStep(deps.exportsDir)],
  ]);
}
