import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';

/** Says when the table shows one batch's files, with the way back. */
export function ScopeBar() {
  const [parent, showChildren] = useJobs(useShallow((s) => [s.parent, s.showChildren] as const));
  return (
    <div className={`scope-bar${parent ? ' is-scoped' : ''}`}>
      {/* Always mounted, so the change of scope is announced. */}
      <span role="status" aria-label="Table scope" className="scope-text">
        {parent ? `Showing children of “${parent.name}”` : ''}
      </span>
      {parent && (
        <button type="button" className="small" onClick={() => showChildren(null)}>
          Show all jobs
        </button>
      )}
    </div>
  );
}
