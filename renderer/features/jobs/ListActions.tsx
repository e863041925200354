/**
 * Above the rows: how many jobs match, what is selected (with "Select all N
 * matching this filter"), the bulk actions on the selection, "Retry all
 * failed" and "Clear finished", and what the last bulk action did.
 */
import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';
import { SortControl } from './ListFilters.js';
import { useListCommands } from './useListCommands.js';

const n = (x: number) => x.toLocaleString('en-US');

export function ListActions() {
  const [total, allMatching, selectAllMatching, clearSelection, outcome, busy] = useJobs(
    useShallow((s) => [s.total, s.allMatching, s.selectAllMatching, s.clearSelection, s.bulkOutcome, s.bulkRunning] as const),
  );
  const { selected, onSelection, retryAllFailed, clearFinished } = useListCommands();

  return (
    <div className="list-actions">
      <span className="list-count" role="status" aria-label="Matching jobs">
        {total === null ? '' : total === 0 ? 'No matching jobs' : `${n(total)} job${total === 1 ? '' : 's'}`}
      </span>
      <SortControl />
      {selected > 0 && (
        <div className="selection-bar" role="group" aria-label="Selected jobs">
          <span className="selected-count">{allMatching ? `All ${n(selected)} matching selected` : `${n(selected)} selected`}</span>
          {!allMatching && total !== null && total > selected && (
            <button type="button" className="link" onClick={() => void selectAllMatching()}>
              Select all {n(total)} matching
            </button>
          )}
          <button type="button" className="link" onClick={clearSelection}>
            Clear selection
          </button>
          <button type="button" className="small" disabled={busy} onClick={() => onSelection('retry')}>
            Retry
          </button>
          <button type="button" className="small" disabled={busy} onClick={() => onSelection('rerun')}>
            Run again
          </button>
          <button type="button" className="small" disabled={busy} onClick={() => onSelection('cancel')}>
            Cancel
          </button>
          <button type="button" className="small danger" disabled={busy} onClick={() => onSelection('delete')}>
            Delete
          </button>
        </div>
      )}
      <div className="list-wide">
        <button type="button" className="small" disabled={busy} onClick={() => void retryAllFailed()}>
          Retry all failed
        </button>
        <button type="button" className="small danger" disabled={busy} onClick={() => void clearFinished()}>
          Clear finished
        </button>
      </div>
      <span className="bulk-outcome" role="status" aria-label="Last bulk action">
        {busy ? 'Working…' : (outcome?.text ?? '')}
      </span>
    </div>
  );
}
