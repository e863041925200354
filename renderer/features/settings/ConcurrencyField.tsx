import { useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CONCURRENCY_MAX, CONCURRENCY_MIN } from '../../../shared/contract.js';
import { concurrencyProblem } from '../../lib/concurrency.js';
import { useJobs } from '../../store/context.js';

/**
 * The engine's slots (`--concurrency`): a large file takes a slot, a small one a
 * fraction of it, and threads stay at most one per core. A refused value stays
 * in the field with the reason, never silently reverts.
 */
export function ConcurrencyField() {
  const [current, setConcurrency] = useJobs(useShallow((s) => [s.app?.concurrency, s.setConcurrency] as const));
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { input: useId(), message: useId() };
  // Follow the engine's value unless the person is mid-edit.
  useEffect(() => {
    setDraft(current === undefined ? '' : String(current));
    setProblem(null);
  }, [current]);

  const commit = () => {
    const why = concurrencyProblem(draft);
    setProblem(why);
    if (why === null && Number(draft) !== current) void setConcurrency(Number(draft));
  };

  return (
    <div className="field concurrency-field">
      <label htmlFor={ids.input}>Concurrency (slots)</label>
      <div className="inline">
        <input
          id={ids.input}
          type="number"
          min={CONCURRENCY_MIN}
          max={CONCURRENCY_MAX}
          step={1}
          inputMode="numeric"
          value={draft}
          disabled={current === undefined}
          aria-invalid={problem !== null}
          aria-describedby={ids.message}
          onChange={(e) => {
            setDraft(e.target.value);
            setProblem(null);
          }}
          onBlur={commit}
          onKeyDown={(e) => e.key === 'Enter' && commit()}
        />
        <button type="button" className="small" disabled={current === undefined} onClick={commit}>
          Apply
        </button>
      </div>
      <p id={ids.message} role={problem ? 'alert' : undefined} className={`field-hint ${problem ? 'field-error' : 'muted'}`}>
        {problem ??
          `${CONCURRENCY_MIN} to ${CONCURRENCY_MAX}. A large file (a PDF, a scan) takes a slot; small files share one, so hundreds can be in flight. Threads stay at most one per core. Running files finish; the change applies to the next ones.`}
      </p>
    </div>
  );
}
