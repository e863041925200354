import { useShallow } from 'zustand/react/shallow';
import { JOB_STATUSES } from '../../../shared/job.js';
import { STATUS_LABEL } from '../../lib/job-view.js';
import { useJobs } from '../../store/context.js';
import { formatRoute, navigate, useRoute } from '../../store/route.js';
import type { StatusFilter } from '../../store/view.js';
import { PLACES } from './places.js';

/** Places to go (each its own URL), then the jobs by status as filters, then by format. */
export function Sidebar() {
  const route = useRoute();
  return (
    <aside className="sidebar">
      <nav aria-label="Places">
        <ul className="nav-list">
          {PLACES.map(({ view, label }) => (
            <li key={view}>
              <a href={formatRoute({ view, params: {} })} className="nav-link" aria-current={route.view === view ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <StatusFilters />
      <FormatCounts />
    </aside>
  );
}

/** One button per status plus the total; the number is the rows the jobs list shows under that filter. */
function StatusFilters() {
  const [stats, filter, setFilter] = useJobs(useShallow((s) => [s.stats, s.filter, s.setFilter] as const));
  const route = useRoute();
  const items: Array<{ key: StatusFilter; label: string; count: number }> = [
    { key: 'all', label: 'Total', count: stats?.total ?? 0 },
    ...JOB_STATUSES.map((st) => ({ key: st, label: STATUS_LABEL[st], count: stats?.byStatus[st] ?? 0 })),
  ];
  const pick = (key: StatusFilter) => {
    setFilter(key);
    if (route.view !== 'jobs' || route.id) navigate({ view: 'jobs' });
  };
  return (
    <section className="side-section" aria-labelledby="side-status">
      <h2 id="side-status" className="side-title">
        Status
      </h2>
      <ul className="facet-list">
        {items.map(({ key, label, count }) => (
          <li key={key}>
            <button type="button" className={`facet status-${key}`} aria-label={`${label}: ${count}`} aria-pressed={filter === key} onClick={() => pick(key)}>
              <span className="facet-dot" aria-hidden="true" />
              <span className="facet-label">{label}</span>
              <span className="facet-count">{count.toLocaleString()}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Jobs by detected format, most first. */
function FormatCounts() {
  const byFormat = useJobs((s) => s.stats?.byFormat);
  const rows = Object.entries(byFormat ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (rows.length === 0) return null;
  return (
    <section className="side-section" aria-labelledby="side-format">
      <h2 id="side-format" className="side-title">
        Format
      </h2>
      <ul className="facet-list" aria-label="Jobs by format">
        {rows.map(([format, n]) => (
          <li key={format} className="facet facet-static" aria-label={`${format}: ${n}`}>
            <span className="facet-label">{format === 'unknown' ? 'not yet known' : format}</span>
            <span className="facet-count">{n.toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
