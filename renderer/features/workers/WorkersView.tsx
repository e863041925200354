import { useShallow } from 'zustand/react/shallow';
import type { WorkerInfo, WorkersList } from '../../../shared/workers.js';
import { useRefresh } from '../../app/useRefresh.js';
import { useJobs } from '../../store/context.js';

/** While the view is open, the list is asked for again this often (workers beat every 2 s). */
const REFRESH_MS = 2_000;

/** Every machine extracting for this queue: the local pool and the remote workers, live. */
export function WorkersView() {
  const [list, load] = useJobs(useShallow((s) => [s.workers, s.loadWorkers] as const));
  useRefresh(load, REFRESH_MS);

  return (
    <section className="view workers-view" aria-labelledby="workers-title" aria-busy={list === null}>
      <h2 id="workers-title" className="view-title">
        Workers
      </h2>
      {list === null ? <p className="muted">Loading…</p> : <Workers list={list} />}
    </section>
  );
}

function Workers({ list }: { list: WorkersList }) {
  const alive = list.workers.filter((w) => w.alive);
  const threads = alive.reduce((n, w) => n + w.threads, 0);
  return (
    <>
      <p className="muted workers-summary">
        {list.redis
          ? `Remote workers on through ${list.redis}: ${alive.length} machine${alive.length === 1 ? '' : 's'} with ${threads} thread${threads === 1 ? '' : 's'} in all.`
          : 'Only this machine extracts. Turn on remote workers in Settings (a Redis URL), or start with quarry run --redis URL, and run quarry worker on other machines to add theirs.'}
      </p>
      <div className="panel">
        <table className="mini-table workers-table" aria-labelledby="workers-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Host</th>
              <th scope="col" className="num">
                Threads
              </th>
              <th scope="col">Version</th>
              <th scope="col" className="num">
                Running
              </th>
              <th scope="col">Heartbeat</th>
              <th scope="col" className="num">
                Done
              </th>
              <th scope="col" className="num">
                Failed
              </th>
            </tr>
          </thead>
          <tbody>
            {list.workers.map((w) => (
              <WorkerRow key={`${w.kind}:${w.name}`} w={w} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function WorkerRow({ w }: { w: WorkerInfo }) {
  return (
    <tr className={w.alive ? undefined : 'worker-gone'} data-worker={w.name}>
      <th scope="row">
        {w.name}
        {w.kind === 'local' && <span className="muted"> (this machine)</span>}
      </th>
      <td>{w.host}</td>
      <td className="num">{w.threads}</td>
      <td>
        {w.version}
        {w.versionMismatch && (
          <span className="worker-mismatch" title={versionsText(w)}>
            {' '}
            extractors differ
          </span>
        )}
      </td>
      <td className="num">{w.running.length}</td>
      <td>{w.kind === 'local' ? 'now' : w.alive ? `${(w.heartbeatAgeMs / 1000).toFixed(1)} s ago` : `gone (${Math.round(w.heartbeatAgeMs / 1000)} s)`}</td>
      <td className="num">{w.done.toLocaleString()}</td>
      <td className="num">{w.failed.toLocaleString()}</td>
    </tr>
  );
}

function versionsText(w: WorkerInfo): string {
  return Object.entries(w.extractorVersions)
    .map(([name, v]) => `${name} ${v}`)
    .join(', ');
}
