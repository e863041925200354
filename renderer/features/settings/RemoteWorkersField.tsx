import { useCallback, useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { redisUrlProblem, type RemoteSettings, type RemoteSettingsInput } from '../../../shared/workers.js';
import { useJobs } from '../../store/context.js';

/**
 * Remote workers on or off (a Redis URL), and this machine's threads on or
 * off. Applied at once by the engine, no restart. The saved password is never
 * sent to the window: the field stays empty, and leaving it so keeps it.
 */
export function RemoteWorkersField() {
  const [saved, load, save] = useJobs(useShallow((s) => [s.remoteSettings, s.loadRemoteSettings, s.saveRemoteSettings] as const));
  const [unread, setUnread] = useState(false);
  const read = useCallback(() => {
    setUnread(false);
    void load().then((ok) => setUnread(!ok));
  }, [load]);
  useEffect(read, [read]);
  if (!saved)
    return unread ? (
      <p className="muted">
        The remote workers setting could not be read.{' '}
        <button type="button" onClick={read}>
          Try again
        </button>
      </p>
    ) : (
      <p className="muted">Loading…</p>
    );
  // A new saved setting (this window's or another's) starts the form again from it.
  return <RemoteForm key={JSON.stringify(saved)} saved={saved} save={save} />;
}

function RemoteForm({ saved, save }: { saved: RemoteSettings; save: (change: RemoteSettingsInput) => Promise<string | null> }) {
  const [enabled, setEnabled] = useState(saved.enabled);
  const [url, setUrl] = useState(saved.url);
  const [password, setPassword] = useState('');
  const [localThreads, setLocalThreads] = useState(saved.localThreads);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { url: useId(), password: useId(), message: useId() };

  const apply = async (change: RemoteSettingsInput) => {
    // Only a change that turns remote workers on or names a URL is judged by the
    // URL field; forgetting the saved password must work whatever the field holds.
    const namesUrl = change.enabled !== undefined || change.url !== undefined;
    const why = namesUrl && enabled && (url.trim() === '' ? 'Remote workers need a Redis URL (redis://host:6379).' : redisUrlProblem(url));
    if (why) return setProblem(why);
    setBusy(true);
    const refused = await save(change);
    setBusy(false);
    setProblem(refused);
    if (!refused) setPassword('');
  };
  const submit = () =>
    apply({ enabled, localThreads: enabled ? localThreads : true, ...(url.trim() ? { url: url.trim() } : {}), ...(password ? { password } : {}) });

  return (
    <form
      className="remote-settings"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="setting-check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Remote workers extract too (quarry worker on other machines, through Redis)
      </label>
      <div className="field">
        <label htmlFor={ids.url}>Redis URL</label>
        <input
          id={ids.url}
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="redis://host:6379 or rediss://host:6380"
          value={url}
          aria-invalid={problem !== null}
          aria-describedby={ids.message}
          onChange={(e) => {
            setUrl(e.target.value);
            setProblem(null);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.password}>Password</label>
        <div className="inline">
          <input
            id={ids.password}
            type="password"
            autoComplete="new-password"
            placeholder={saved.hasPassword ? 'saved (empty keeps it)' : 'none'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {saved.hasPassword && (
            <button type="button" className="small" disabled={busy} onClick={() => void apply({ password: null })}>
              Forget password
            </button>
          )}
        </div>
      </div>
      <label className="setting-check">
        <input type="checkbox" checked={!enabled || localThreads} disabled={!enabled} onChange={(e) => setLocalThreads(e.target.checked)} />
        This machine extracts too (off: only the remote workers do; it still hashes for deduplication)
      </label>
      <div className="inline">
        <button type="submit" className="small" disabled={busy}>
          Apply
        </button>
      </div>
      <p id={ids.message} role={problem ? 'alert' : 'status'} className={`field-hint ${problem ? 'field-error' : 'muted'}`}>
        {problem ??
          (saved.active ? `On now, through ${saved.active}. Changes apply at once; running files finish where they are.` : 'Off: only this machine extracts.')}
      </p>
    </form>
  );
}
