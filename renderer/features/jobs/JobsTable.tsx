import { useShallow } from 'zustand/react/shallow';
import { STATUS_LABEL } from '../../lib/job-view.js';
import { useJobs } from '../../store/context.js';
import { JobRow } from './JobRow.js';
import { Toolbar } from './Toolbar.js';

export function JobsTable() {
  const [order, jobs, selection, setSelection] = useJobs(
    useShallow((s) => [s.order, s.jobs, s.selection, s.setSelection] as const),
  );
  const allSelected = order.length > 0 && order.every((id) => selection.has(id));
  return (
    <section className="panel jobs-panel" aria-label="Job list">
      <Toolbar />
      <div className="table-scroll">
        <table aria-label="Jobs" className="jobs-table">
          <thead>
            <tr>
              <th scope="col" className="col-select">
                <input
                  type="checkbox"
                  aria-label="Select all shown jobs"
                  checked={allSelected}
                  disabled={order.length === 0}
                  onChange={() => setSelection(allSelected ? [] : order)}
                />
              </th>
              <th scope="col">File</th>
              <th scope="col">Format</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Attempts</th>
              <th scope="col">Duration</th>
              <th scope="col">Details</th>
              <th scope="col" className="col-actions">
                Actions
              </th>
            </tr>
          </thead>
          <tbody>
            {order.map((id) => (
              <JobRow key={id} job={jobs[id]!} selected={selection.has(id)} />
            ))}
            {order.length === 0 && <EmptyRow />}
          </tbody>
        </table>
      </div>
      <LoadMore />
    </section>
  );
}

function EmptyRow() {
  const [ready, filter] = useJobs(useShallow((s) => [s.ready, s.filter] as const));
  const text = !ready ? 'Loading…' : filter === 'all' ? 'No jobs yet. Drop files above to start.' : `No ${STATUS_LABEL[filter].toLowerCase()} jobs.`;
  return (
    <tr className="empty-row">
      <td colSpan={9}>{text}</td>
    </tr>
  );
}

function LoadMore() {
  const [hasMore, loading, loadMore] = useJobs(useShallow((s) => [s.hasMore, s.loadingMore, s.loadMore] as const));
  if (!hasMore) return null;
  return (
    <div className="load-more">
      <button type="button" disabled={loading} onClick={() => void loadMore()}>
        {loading ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}
