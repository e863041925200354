import { useId, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DEFAULT_DEFINITION, type Schedule } from '../../store/automation.js';
import { useJobs } from '../../store/context.js';
import { DefinitionSelect } from '../intake/DefinitionSelect.js';

function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/** Recurring runs: a cron expression and paths to queue each time it fires. */
export function Schedules() {
  const [schedules, addSchedule, app] = useJobs(useShallow((s) => [s.schedules, s.addSchedule, s.app] as const));
  const [name, setName] = useState('');
  const [cron, setCron] = useState('');
  const [paths, setPaths] = useState('');
  const [definition, setDefinition] = useState(DEFAULT_DEFINITION);
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), cron: useId(), cronHint: useId(), paths: useId(), pathsHint: useId(), definition: useId() };
  const browser = app?.transport !== 'electron';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const list = paths
      .split('\n')
      .map((p) => p.trim())
      .filter(Boolean);
    if (busy || !name.trim() || !cron.trim() || list.length === 0) return;
    setBusy(true);
    if (await addSchedule({ name: name.trim(), cron: cron.trim(), paths: list, definition })) {
      setName('');
      setCron('');
      setPaths('');
    }
    setBusy(false);
  };

  return (
    <section className="automation-part" aria-labelledby="schedules-title">
      <h3 id="schedules-title">Schedules</h3>
      <form className="stack-form" aria-label="Add a schedule" onSubmit={(e) => void submit(e)}>
        <div className="field-row">
          <div className="field">
            <label htmlFor={ids.name}>Name</label>
            <input
              id={ids.name}
              type="text"
              required
              maxLength={100}
              autoComplete="off"
              placeholder="nightly"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.cron}>Cron</label>
            <input
              id={ids.cron}
              type="text"
              required
              maxLength={200}
              spellCheck={false}
              autoComplete="off"
              placeholder="0 3 * * *"
              aria-describedby={ids.cronHint}
              value={cron}
              onChange={(e) => setCron(e.target.value)}
            />
          </div>
        </div>
        <p id={ids.cronHint} className="field-hint muted">
          Minute, hour, day of month, month, weekday: “0 3 * * *” is every night at 03:00.
        </p>
        <div className="field">
          <label htmlFor={ids.paths}>Paths</label>
          <textarea
            id={ids.paths}
            required
            rows={2}
            spellCheck={false}
            placeholder="/srv/reports"
            aria-describedby={ids.pathsHint}
            value={paths}
            onChange={(e) => setPaths(e.target.value)}
          />
        </div>
        <p id={ids.pathsHint} className="field-hint muted">
          One file or folder per line{browser ? ', as paths on the machine running Quarry (the server)' : ''}.
        </p>
        <div className="field">
          <label htmlFor={ids.definition}>Definition</label>
          <DefinitionSelect id={ids.definition} value={definition} onChange={setDefinition} />
        </div>
        <button type="submit" disabled={busy}>
          Add schedule
        </button>
      </form>
      {schedules === null ? (
        <p className="muted">Loading…</p>
      ) : schedules.length === 0 ? (
        <p className="muted">No schedules.</p>
      ) : (
        <ul aria-label="Schedules" className="item-list">
          {schedules.map((s) => (
            <ScheduleItem key={s.id} schedule={s} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ScheduleItem({ schedule: s }: { schedule: Schedule }) {
  const [setEnabled, remove] = useJobs(useShallow((st) => [st.setScheduleEnabled, st.removeSchedule] as const));
  return (
    <li aria-label={s.name}>
      <span className="item-main">
        <span className="item-title">
          {s.name} <code>{s.cron}</code>
        </span>
        <span className="muted item-meta" title={s.paths.join('\n')}>
          {s.paths.join(', ')} · {String(s.jobOptions.definition ?? DEFAULT_DEFINITION)}
        </span>
        <span className="muted item-meta">
          {s.enabled ? `Next: ${when(s.nextRunAt)}` : 'Disabled'}
          {s.lastRunAt !== null && ` · last: ${when(s.lastRunAt)}`}
        </span>
      </span>
      <label className="check">
        <input type="checkbox" checked={s.enabled} aria-label={`Enabled: ${s.name}`} onChange={(e) => void setEnabled(s.name, e.target.checked)} />
        <span aria-hidden="true">On</span>
      </label>
      <button type="button" className="small danger" aria-label={`Remove schedule ${s.name}`} onClick={() => void remove(s.name)}>
        Remove
      </button>
    </li>
  );
}
