import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { FAILURE_ACTIONS, type FailureAction } from '../../../shared/job.js';
import { FAILURE_ACTION_HINT, FAILURE_ACTION_LABEL } from '../../lib/batch-view.js';
import { useJobs } from '../../store/context.js';
import { DefinitionSelect } from './DefinitionSelect.js';

/** How the next files are queued: the pipeline they run, and the batch's error tolerance. */
export function IntakeOptions() {
  const [options, setOptions, busy] = useJobs(useShallow((s) => [s.intakeOptions, s.setIntakeOptions, s.intakeBusy !== null] as const));
  const ids = { definition: useId(), action: useId(), max: useId(), hint: useId() };
  const stopAll = options.failureAction === 'stop_all';
  return (
    <div className="intake-options" role="group" aria-label="Options for new files">
      <div className="field">
        <label htmlFor={ids.definition}>Definition</label>
        <DefinitionSelect id={ids.definition} value={options.definition} disabled={busy} onChange={(definition) => setOptions({ definition })} />
      </div>
      <div className="field">
        <label htmlFor={ids.action}>If files fail</label>
        <select
          id={ids.action}
          value={options.failureAction}
          disabled={busy}
          aria-describedby={ids.hint}
          onChange={(e) => setOptions({ failureAction: e.target.value as FailureAction })}
        >
          {FAILURE_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {FAILURE_ACTION_LABEL[a]}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-narrow">
        <label htmlFor={ids.max}>Max failures</label>
        <input
          id={ids.max}
          type="number"
          min={0}
          step={1}
          value={options.maxChildFailures}
          disabled={busy || !stopAll}
          aria-describedby={ids.hint}
          onChange={(e) => {
            const n = Number(e.target.value);
            if (Number.isInteger(n) && n >= 0) setOptions({ maxChildFailures: n });
          }}
        />
      </div>
      <p id={ids.hint} className="field-hint muted">
        {FAILURE_ACTION_HINT[options.failureAction]} {stopAll ? 'Max failures: 0 = no limit.' : 'Max failures applies to Stop all only.'}
      </p>
    </div>
  );
}
