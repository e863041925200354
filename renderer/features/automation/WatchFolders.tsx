import { useId, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DEFAULT_DEFINITION } from '../../store/automation.js';
import { useJobs } from '../../store/context.js';
import { DefinitionSelect } from '../intake/DefinitionSelect.js';

/** Folders whose new and changed files become jobs: add, list, remove. */
export function WatchFolders() {
  const [watches, addWatch, removeWatch, chooseFolder, app] = useJobs(
    useShallow((s) => [s.watches, s.addWatch, s.removeWatch, s.chooseFolder, s.app] as const),
  );
  const [path, setPath] = useState('');
  const [definition, setDefinition] = useState(DEFAULT_DEFINITION);
  const [busy, setBusy] = useState(false);
  const ids = { path: useId(), definition: useId(), hint: useId() };
  const browser = app?.transport !== 'electron';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!path.trim() || busy) return;
    setBusy(true);
    if (await addWatch(path.trim(), definition)) setPath('');
    setBusy(false);
  };

  const pick = async () => {
    const chosen = await chooseFolder();
    if (chosen) setPath(chosen);
  };

  return (
    <section className="automation-part" aria-labelledby="watches-title">
      <h3 id="watches-title">Watch folders</h3>
      <form className="stack-form" aria-label="Add a watch folder" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={ids.path}>Folder path</label>
          <div className="inline">
            <input
              id={ids.path}
              type="text"
              required
              spellCheck={false}
              autoComplete="off"
              placeholder={browser ? '/srv/inbox' : ''}
              value={path}
              aria-describedby={ids.hint}
              onChange={(e) => setPath(e.target.value)}
            />
            {app?.canChooseFolder && (
              <button type="button" onClick={() => void pick()}>
                Choose…
              </button>
            )}
          </div>
        </div>
        <div className="field">
          <label htmlFor={ids.definition}>Definition</label>
          <DefinitionSelect id={ids.definition} value={definition} onChange={setDefinition} />
        </div>
        <p id={ids.hint} className="field-hint muted">
          {browser ? 'Type a folder path on the machine running Quarry (the server), not on this browser’s computer. ' : ''}
          New and changed files there become jobs while Quarry runs.
        </p>
        <button type="submit" disabled={busy}>
          Add watch folder
        </button>
      </form>
      {watches === null ? (
        <p className="muted">Loading…</p>
      ) : watches.length === 0 ? (
        <p className="muted">No watch folders.</p>
      ) : (
        <ul aria-label="Watch folders" className="item-list">
          {watches.map((w) => (
            <li key={w.id}>
              <span className="item-main">
                <span className="path" title={w.path}>
                  {w.path}
                </span>
                <span className="muted item-meta">
                  {String(w.jobOptions.definition ?? DEFAULT_DEFINITION)} · settles after {w.debounceMs / 1000} s{w.enabled ? '' : ' · off'}
                </span>
              </span>
              <button type="button" className="small danger" aria-label={`Remove watch folder ${w.path}`} onClick={() => void removeWatch(w.path)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
