import { useRef, type FocusEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { STATUS_LABEL } from '../../lib/job-view.js';
import { useJobs } from '../../store/context.js';
import { useRoute } from '../../store/route.js';
import { JobRow } from './JobRow.js';
import { ScopeBar } from './ScopeBar.js';
import { Toolbar } from './Toolbar.js';
import { ROW_HEIGHT, useVirtualRows } from './useVirtualRows.js';

const COLUMNS = 9;

export function JobsTable() {
  const [order, jobs, selection, setSelection, act, toggleSelected] = useJobs(
    useShallow((s) => [s.order, s.jobs, s.selection, s.setSelection, s.act, s.toggleSelected] as const),
  );
  const scroller = useRef<HTMLDivElement>(null);
  const openId = useRoute().id;
  const { first, last } = useVirtualRows(scroller, order.length);
  const allSelected = order.length > 0 && order.every((id) => selection.has(id));

  // Keyboard users tabbing through rows: keep the focused row in view, so the
  // rendered range follows the focus.
  const onFocus = (e: FocusEvent) => (e.target as HTMLElement).closest('tr')?.scrollIntoView({ block: 'nearest' });

  return (
    <section className="panel jobs-panel" aria-label="Job list">
      <ScopeBar />
      <Toolbar />
      <div className="table-scroll" ref={scroller}>
        {/* aria-rowcount/rowindex tell assistive tech the full size when only part is rendered. */}
        <table aria-label="Jobs" aria-rowcount={order.length + 1} className="jobs-table" onFocus={onFocus}>
          {/* Fixed layout: widths come from here, so a changed cell never makes the browser measure every row. */}
          <colgroup>
            <col className="w-select" />
            <col className="w-file" />
            <col className="w-format" />
            <col className="w-status" />
            <col className="w-progress" />
            <col className="w-attempts" />
            <col className="w-duration" />
            <col className="w-detail" />
            <col className="w-actions" />
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
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
              <th scope="col" className="col-progress">
                Progress
              </th>
              <th scope="col" className="col-attempts">
                Attempts
              </th>
              <th scope="col">Duration</th>
              <th scope="col" className="col-detail">
                Details
              </th>
              <th scope="col" className="col-actions">
                Actions
              </th>
            </tr>
          </thead>
          <tbody>
            <Spacer rows={first} />
            {order.slice(first, last).map((id, i) => (
              <JobRow
                key={id}
                job={jobs[id]!}
                rowIndex={first + i + 2}
                selected={selection.has(id)}
                open={id === openId}
                act={act}
                toggleSelected={toggleSelected}
              />
            ))}
            <Spacer rows={order.length - last} />
            {order.length === 0 && <EmptyRow />}
          </tbody>
        </table>
      </div>
      <LoadMore />
    </section>
  );
}

/** Stands in for rows that are not rendered, so the scrollbar stays true. */
function Spacer({ rows }: { rows: number }) {
  if (rows <= 0) return null;
  return (
    <tr className="spacer-row" aria-hidden="true">
      <td colSpan={COLUMNS} style={{ height: rows * ROW_HEIGHT }} />
    </tr>
  );
}

function EmptyRow() {
  const [ready, filter, scoped] = useJobs(useShallow((s) => [s.ready, s.filter, s.parent !== null] as const));
  const status = filter === 'all' ? '' : `${STATUS_LABEL[filter].toLowerCase()} `;
  const text = !ready
    ? 'Loading…'
    : scoped
      ? `No ${status}files in this batch.`
      : filter === 'all'
        ? 'No jobs yet. Drop files or folders anywhere in this window, or use Add files.'
        : `No ${status}jobs.`;
  return (
    <tr className="empty-row">
      <td colSpan={COLUMNS}>{text}</td>
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
