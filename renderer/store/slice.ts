/**
 * What a slice of the dashboard store is built from. A slice owns a few
 * fields and the actions that change them; it is handed zustand's set and
 * get narrowed to the fields it reads and writes, so its signature says what
 * it touches. jobs.ts composes the slices into the one store.
 */
import type { Client } from '../../shared/client.js';

export type SetState<S> = (partial: Partial<S> | ((s: S) => Partial<S>)) => void;
export type GetState<S> = () => S;

/** What every slice is given. */
export interface SliceKit<S> {
  client: Client;
  set: SetState<S>;
  get: GetState<S>;
  /** Shows a failure in the alert region (errors.ts). */
  reportError(err: unknown): void;
}

/** `items` in pieces of at most `size`: what one request may carry. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
