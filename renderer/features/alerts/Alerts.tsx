import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';

/** Failed requests and refused actions. The region is always present so screen readers announce additions. */
export function Alerts() {
  const [errors, dismiss] = useJobs(useShallow((s) => [s.errors, s.dismissError] as const));
  return (
    <div role="alert" className="alerts">
      {errors.map((e) => (
        <div key={e.id} className="alert">
          <span className="alert-text" title={e.message}>
            {e.message}
          </span>
          <button type="button" className="ghost" aria-label={`Dismiss: ${e.message}`} onClick={() => dismiss(e.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
