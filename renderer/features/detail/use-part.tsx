/**
 * Reading a part of the open job's result from a tab: asked for when the tab
 * shows, kept in the tab's own state (gone when it closes), and dropped if
 * the tab moved on before the answer came.
 */
import { useEffect, useState } from 'react';
import type { ResultPartValue } from '../../../shared/result-parts.js';
import { useJobs } from '../../store/context.js';
import { message } from '../../store/errors.js';

type Whole = 'tables' | 'metadata' | 'entities' | 'warnings' | 'summary';

export interface PartState<P extends Whole> {
  value: Extract<ResultPartValue, { part: P }> | null;
  error: string | null;
}

/** A part that comes whole (tables, metadata, entities, warnings). */
export function usePart<P extends Whole>(id: string, part: P): PartState<P> {
  const readPart = useJobs((s) => s.readPart);
  const [state, setState] = useState<PartState<P>>({ value: null, error: null });
  useEffect(() => {
    let live = true;
    readPart({ id, part }).then(
      (value) => live && setState({ value: value as Extract<ResultPartValue, { part: P }>, error: null }),
      (err) => live && setState({ value: null, error: message(err) }),
    );
    return () => {
      live = false;
    };
  }, [id, part, readPart]);
  return state;
}

/** What a tab shows while its part loads, or when it could not be read. */
export function PartStatus({ error }: { error: string | null }) {
  return error ? (
    <p className="part-error" role="alert">
      {error}
    </p>
  ) : (
    <p className="muted">Loading…</p>
  );
}
