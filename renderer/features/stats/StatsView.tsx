import { useShallow } from 'zustand/react/shallow';
import { JOB_STATUSES } from '../../../shared/job.js';
import type { StatsOverview } from '../../../shared/stats.js';
import { formatDuration, STATUS_LABEL } from '../../lib/job-view.js';
import { useRefresh } from '../../app/useRefresh.js';
import { useJobs } from '../../store/context.js';
import { ThroughputChart } from './ThroughputChart.js';

/** While the view is open, its numbers are asked for again this often. */
const REFRESH_MS = 5_000;

/** Counts by status and format, durations per format, failures by code, and the last hour's throughput. */
export function StatsView() {
  const [overview, load] = useJobs(useShallow((s) => [s.overview, s.loadOverview] as const));
  useRefresh(load, REFRESH_MS);

  return (
    <section className="view stats-view" aria-labelledby="stats-title" aria-busy={overview === null}>
      <h2 id="stats-title" className="view-title">
        Statistics
      </h2>
      {overview === null ? <p className="muted">Loading…</p> : <Overview o={overview} />}
    </section>
  );
}

function Overview({ o }: { o: StatsOverview }) {
  const finishedLastHour = o.throughput.completed.reduce((a, b) => a + b, 0) + o.throughput.failed.reduce((a, b) => a + b, 0);
  const tiles = [
    { label: 'Jobs', value: o.total },
    { label: 'Completed', value: o.byStatus.completed + o.byStatus.partial },
    { label: 'Failed', value: o.byStatus.failed },
    { label: 'Items extracted', value: o.itemsExtracted },
    { label: 'Finished in the last hour', value: finishedLastHour },
  ];
  return (
    <div className="stats-grid">
      <dl className="stat-tiles">
        {tiles.map((t) => (
          <div key={t.label} className="stat-tile">
            <dt>{t.label}</dt>
            <dd>{t.value.toLocaleString()}</dd>
          </div>
        ))}
      </dl>

      <section className="panel stats-part stats-chart" aria-labelledby="stats-throughput">
        <h3 id="stats-throughput">Throughput, last hour</h3>
        <ThroughputChart throughput={o.throughput} />
      </section>

      <section className="panel stats-part" aria-labelledby="stats-status">
        <h3 id="stats-status">By status</h3>
        <table className="mini-table" aria-labelledby="stats-status">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Jobs
              </th>
            </tr>
          </thead>
          <tbody>
            {JOB_STATUSES.map((st) => (
              <tr key={st} aria-label={STATUS_LABEL[st]}>
                <td>
                  <span className={`badge status-${st}`}>{STATUS_LABEL[st]}</span>
                </td>
                <td className="num">{o.byStatus[st].toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel stats-part stats-wide" aria-labelledby="stats-format">
        <h3 id="stats-format">By format</h3>
        <FormatTable o={o} />
      </section>

      <section className="panel stats-part" aria-labelledby="stats-failures">
        <h3 id="stats-failures">Failures by error code</h3>
        {o.failures.length === 0 ? (
          <p className="muted">No failed jobs.</p>
        ) : (
          <table className="mini-table" aria-labelledby="stats-failures">
            <thead>
              <tr>
                <th scope="col">Error code</th>
                <th scope="col" className="num">
                  Jobs
                </th>
              </tr>
            </thead>
            <tbody>
              {o.failures.map((f) => (
                <tr key={f.code} aria-label={f.code}>
                  <td>
                    <code>{f.code}</code>
                  </td>
                  <td className="num">{f.count.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/** Every format with jobs, with the durations of its finished ones (none yet: dashes). */
function FormatTable({ o }: { o: StatsOverview }) {
  const durations = new Map(o.durations.map((d) => [d.format, d]));
  const formats = Object.entries(o.byFormat).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (formats.length === 0) return <p className="muted">No jobs yet.</p>;
  const ms = (v: number | undefined) => (v === undefined ? '—' : formatDuration(v));
  return (
    <table className="mini-table" aria-labelledby="stats-format">
      <thead>
        <tr>
          <th scope="col">Format</th>
          <th scope="col" className="num">
            Jobs
          </th>
          <th scope="col" className="num">
            Timed
          </th>
          <th scope="col" className="num">
            Average
          </th>
          <th scope="col" className="num">
            p50
          </th>
          <th scope="col" className="num">
            p95
          </th>
        </tr>
      </thead>
      <tbody>
        {formats.map(([format, n]) => {
          const d = durations.get(format);
          return (
            <tr key={format} aria-label={format}>
              <td>{format === 'unknown' ? 'not yet known' : format}</td>
              <td className="num">{n.toLocaleString()}</td>
              <td className="num" title="Completed jobs with a start and an end">
                {(d?.count ?? 0).toLocaleString()}
              </td>
              <td className="num">{ms(d?.avgMs)}</td>
              <td className="num">{ms(d?.p50Ms)}</td>
              <td className="num">{ms(d?.p95Ms)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
