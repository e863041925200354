import { useShallow } from 'zustand/react/shallow';
import { JOB_STATUSES } from '../../../shared/job.js';
import { STATUS_LABEL } from '../../lib/job-view.js';
import { useJobs } from '../../store/context.js';
import type { StatusFilter } from '../../store/view.js';

/** One card per status plus the total; clicking a card filters the table. */
export function CountCards() {
  const [stats, filter, setFilter] = useJobs(useShallow((s) => [s.stats, s.filter, s.setFilter] as const));
  const cards: Array<{ key: StatusFilter; label: string; count: number }> = [
    { key: 'all', label: 'Total', count: stats?.total ?? 0 },
    ...JOB_STATUSES.map((st) => ({ key: st, label: STATUS_LABEL[st], count: stats?.byStatus[st] ?? 0 })),
  ];
  return (
    <nav className="count-cards" aria-label="Jobs by status">
      {cards.map(({ key, label, count }) => (
        <button
          key={key}
          type="button"
          className={`count-card status-${key}`}
          aria-label={`${label}: ${count}`}
          aria-pressed={filter === key}
          onClick={() => setFilter(key)}
        >
          <span className="count-label">{label}</span>
          <span className="count-value">{count.toLocaleString()}</span>
        </button>
      ))}
    </nav>
  );
}
