// The one way a Vitest test or suite is skipped here, so a skip is never
// silent: `it(name, skipWhen(cond, reason), fn)` or `describe(name,
// skipWhen(cond, reason), fn)`. The reason travels as the test's meta (a
// suite's meta is inherited by its tests), which Vitest's JSON reporter keeps;
// scripts/test.mjs prints it in the closing summary as
// "SKIPPED (vitest): <reason>", as it does for Playwright's skips.
import type { TestOptions } from 'vitest';

declare module '@vitest/runner' {
  interface TaskMeta {
    /** Why the test was skipped (see skipWhen). */
    skipReason?: string;
  }
}

/** Test or suite options that skip it when `condition` holds, saying why. */
export function skipWhen(condition: unknown, reason: string): TestOptions {
  return condition ? { skip: true, meta: { skipReason: reason } } : {};
}
