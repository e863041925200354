import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';

export function Header() {
  const version = useJobs((s) => s.app?.version);
  const kind = useJobs((s) => s.app?.transport);
  return (
    <header className="app-header">
      <div className="brand">
        <h1>Quarry</h1>
        {version && <span className="version">v{version}</span>}
        {kind && (
          <span className="transport" title={kind === 'electron' ? 'Desktop app (Electron)' : 'Browser, via the local bridge'}>
            {kind === 'electron' ? 'Desktop' : 'Browser'}
          </span>
        )}
      </div>
      <div className="engine-controls">
        <ConcurrencyControl />
        <PauseButton />
      </div>
    </header>
  );
}

function ConcurrencyControl() {
  const [current, setConcurrency] = useJobs(useShallow((s) => [s.app?.concurrency, s.setConcurrency] as const));
  const [draft, setDraft] = useState('');
  // Follow the engine's value unless the person is mid-edit.
  useEffect(() => setDraft(current === undefined ? '' : String(current)), [current]);

  const commit = () => {
    const n = Number(draft);
    if (Number.isInteger(n) && n >= 1 && n <= 256 && n !== current) void setConcurrency(n);
    else setDraft(current === undefined ? '' : String(current));
  };

  return (
    <label className="concurrency">
      <span>Concurrency</span>
      <input
        type="number"
        min={1}
        max={256}
        step={1}
        value={draft}
        disabled={current === undefined}
        aria-label="Concurrency"
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </label>
  );
}

function PauseButton() {
  const [paused, setPaused] = useJobs(useShallow((s) => [s.app?.paused, s.setPaused] as const));
  if (paused === undefined) return null;
  return (
    <button
      type="button"
      className={paused ? 'primary' : ''}
      title={paused ? 'Start claiming jobs again' : 'Stop starting jobs (running ones finish)'}
      onClick={() => void setPaused(!paused)}
    >
      {paused ? 'Resume queue' : 'Pause queue'}
    </button>
  );
}
