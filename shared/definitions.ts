/**
 * Job definitions (pipelines): a named, versioned list of steps, each run by
 * the step executor registered for its `type`.
 */
import { z } from 'zod';

export const stepSchema = z
  .object({
    /** The executor: extract, transform, export (see main/core/steps). */
    type: z.string().min(1).max(64),
    options: z.record(z.string(), z.unknown()).default({}),
    /** fail: the job fails with the step's error; continue: a warning, and the next step runs. */
    on_error: z.enum(['fail', 'continue']).default('fail'),
  })
  .strict();
export type Step = z.infer<typeof stepSchema>;

export const definitionInputSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" or "-", at most 64'),
    description: z.string().max(2000).default(''),
    /** Time limit for each job of this definition (a job's own timeout wins). */
    timeout_ms: z.number().int().positive().optional(),
    steps: z.array(stepSchema).min(1).max(50),
  })
  .strict();
export type DefinitionInput = z.input<typeof definitionInputSchema>;

export const definitionSchema = definitionInputSchema.extend({
  version: z.number().int().min(1),
  builtin: z.boolean(),
  createdAt: z.number().int(),
});
export type Definition = z.infer<typeof definitionSchema>;
