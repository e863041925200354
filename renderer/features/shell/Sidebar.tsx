import { useShallow } from 'zustand/react/shallow';
import { FORMATS, type Format } from '../../../shared/extraction.js';
import { JOB_STATUSES } from '../../../shared/job.js';
import { STATUS_LABEL } from '../../lib/job-view.js';
import { useJobs } from '../../store/context.js';
import { listParams, type ListView } from '../../store/list-view.js';
import { formatRoute, navigate, useRoute, type Route } from '../../store/route.js';
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
  const [stats, filter, view, setView] = useJobs(useShallow((s) => [s.stats, s.filter, s.view, s.setView] as const));
  const route = useRoute();
  const items: Array<{ key: StatusFilter; label: string; count: number }> = [
    { key: 'all', label: 'Total', count: stats?.total ?? 0 },
    ...JOB_STATUSES.map((st) => ({ key: st, label: STATUS_LABEL[st], count: stats?.byStatus[st] ?? 0 })),
  ];
  const pick = (key: StatusFilter) => {
    const { status: _previous, ...rest } = view.filter;
    showList({ ...view, filter: key === 'all' ? rest : { ...rest, status: [key] } }, route, setView);
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

/**
 * Shows the list under a new view. From another place, the view goes in the
 * URL: the list, mounting, takes its view from there (or else from what it
 * last saved, which a change made while it was not shown is not).
 */
function showList(next: ListView, route: Route, setView: (v: ListView) => void): void {
  setView(next);
  if (route.view !== 'jobs' || route.id) navigate({ view: 'jobs', params: listParams(next) });
}

/** Jobs by detected format, most first; clicking one filters the list to it (again: all formats). */
function FormatCounts() {
  const [byFormat, view, setView] = useJobs(useShallow((s) => [s.stats?.byFormat, s.view, s.setView] as const));
  const route = useRoute();
  const rows = Object.entries(byFormat ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (rows.length === 0) return null;
  const active = view.filter.format?.length === 1 ? view.filter.format[0] : null;
  const pick = (format: Format) => {
    const { format: _previous, ...rest } = view.filter;
    showList({ ...view, filter: active === format ? rest : { ...rest, format: [format] } }, route, setView);
  };
  return (
    <section className="side-section" aria-labelledby="side-format">
      <h2 id="side-format" className="side-title">
        Format
      </h2>
      <ul className="facet-list" aria-label="Jobs by format">
        {rows.map(([format, n]) =>
          // Jobs whose format is not known yet (not run) cannot be asked for by format.
          isFormat(format) && format !== 'unknown' ? (
            <li key={format}>
              <button type="button" className="facet" aria-label={`${format}: ${n}`} aria-pressed={active === format} onClick={() => pick(format)}>
                <span className="facet-label">{format}</span>
                <span className="facet-count">{n.toLocaleString()}</span>
              </button>
            </li>
          ) : (
            <li key={format} className="facet facet-static" aria-label={`${format === 'unknown' ? 'not yet known' : format}: ${n}`}>
              <span className="facet-label">{format === 'unknown' ? 'not yet known' : format}</span>
              <span className="facet-count">{n.toLocaleString()}</span>
            </li>
          ),
        )}
      </ul>
    </section>
  );
}

function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}
