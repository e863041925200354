/**
 * The failures the alert region shows. Slices report a failed request here
 * rather than throw at a component; a person dismisses them one by one.
 */
import type { SetState } from './slice.js';

export interface UiError {
  id: number;
  message: string;
}

export interface ErrorsState {
  errors: UiError[];
}

export interface ErrorsActions {
  reportError(err: unknown): void;
  dismissError(id: number): void;
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createErrorsSlice(set: SetState<ErrorsState>): ErrorsState & ErrorsActions {
  let nextErrorId = 1;
  return {
    errors: [],

    // The same failure repeated (a resync loop, a burst of refusals) is shown once.
    reportError: (err) =>
      set((s) => {
        const text = message(err);
        if (s.errors.some((e) => e.message === text)) return {};
        return { errors: [...s.errors.slice(-4), { id: nextErrorId++, message: text }] };
      }),

    dismissError(id) {
      set((s) => ({ errors: s.errors.filter((e) => e.id !== id) }));
    },
  };
}
