import { useShallow } from 'zustand/react/shallow';
import { JOB_STATUSES } from '../../../shared/job.js';
import { canDo, STATUS_LABEL, type RowAction } from '../../lib/job-view.js';
import { useJobs } from '../../store/context.js';
import type { StatusFilter } from '../../store/view.js';

const BULK: Array<{ action: RowAction; label: string }> = [
  { action: 'retry', label: 'Retry selected' },
  { action: 'cancel', label: 'Cancel selected' },
  { action: 'delete', label: 'Delete selected' },
];

export function Toolbar() {
  const [filter, setFilter, shown, stats, scope] = useJobs(
    useShallow((s) => [s.filter, s.setFilter, s.order.length, s.stats, s.parent ? (s.batchProgress[s.parent.id] ?? null) : undefined] as const),
  );
  // Scoped to a batch: its own counts; otherwise the engine's.
  const counts =
    scope === undefined ? (stats ? { total: stats.total, byStatus: stats.byStatus } : null) : scope && { total: scope.total, byStatus: scope.counts };
  const matching = counts ? (filter === 'all' ? counts.total : (counts.byStatus[filter] ?? 0)) : undefined;
  return (
    <div className="toolbar">
      <label className="filter">
        <span>Status</span>
        <select aria-label="Status filter" value={filter} onChange={(e) => setFilter(e.target.value as StatusFilter)}>
          <option value="all">All</option>
          {JOB_STATUSES.map((st) => (
            <option key={st} value={st}>
              {STATUS_LABEL[st]}
            </option>
          ))}
        </select>
      </label>
      <span className="shown muted" aria-live="off">
        {matching === undefined ? '' : `Showing ${shown.toLocaleString()} of ${Math.max(matching, shown).toLocaleString()}`}
      </span>
      <BulkActions />
    </div>
  );
}

function BulkActions() {
  const [selection, jobs, act] = useJobs(useShallow((s) => [s.selection, s.jobs, s.act] as const));
  if (selection.size === 0) return <span className="bulk" />;
  const selected = [...selection].map((id) => jobs[id]).filter((j) => j !== undefined);
  return (
    <div className="bulk" role="group" aria-label="Selected jobs">
      <span className="muted">{selected.length} selected</span>
      {BULK.map(({ action, label }) => {
        const ids = selected.filter((j) => canDo(action, j.status)).map((j) => j.id);
        return (
          <button
            key={action}
            type="button"
            className={`small${action === 'delete' ? ' danger' : ''}`}
            disabled={ids.length === 0}
            onClick={() => void act(action, ids)}
          >
            {label}
            {ids.length > 0 && ids.length !== selected.length ? ` (${ids.length})` : ''}
          </button>
        );
      })}
    </div>
  );
}
