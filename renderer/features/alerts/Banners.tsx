import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';

/**
 * What the person must know before trusting the numbers: the engine cannot
 * be reached (the page reconnects by itself), or the queue is paused. Always
 * mounted as a live region so a change is announced.
 */
export function Banners() {
  const [link, paused, running, setPaused] = useJobs(useShallow((s) => [s.link, s.app?.paused ?? false, s.stats?.byStatus.running ?? 0, s.setPaused] as const));
  return (
    <div className="banners" role="status" aria-label="Engine state">
      {link === 'down' && (
        <div className="banner banner-error">
          <strong>Lost the connection to the Quarry engine.</strong> Reconnecting by itself… what you see may be out of date.
        </div>
      )}
      {link === 'unauthorized' && (
        <div className="banner banner-error">
          <strong>The Quarry server restarted with a new key.</strong> Open the address it printed (with <code>?token=</code>) to continue.
        </div>
      )}
      {paused && link === 'up' && (
        <div className="banner banner-paused">
          <span>
            <strong>Queue paused:</strong> nothing new starts; {running.toLocaleString()} running will finish.
          </span>
          <button type="button" className="small" onClick={() => void setPaused(false)}>
            Resume
          </button>
        </div>
      )}
    </div>
  );
}
