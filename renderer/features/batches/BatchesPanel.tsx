import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';
import type { BatchActions } from '../../store/jobs.js';
import { BatchRow } from './BatchRow.js';

/** Batch parents, newest first, live from job.changed; their progress from batches.progress. */
export function BatchesPanel() {
  const [view, progress, parentId, ready, queuePaused] = useJobs(
    useShallow((s) => [s.batchView, s.batchProgress, s.parent?.id ?? null, s.ready, s.app?.paused ?? false] as const),
  );
  // One stable object (the actions never change), so memoised rows stay put.
  const actions: BatchActions = useJobs(useShallow((s) => ({ act: s.act, setBatchPaused: s.setBatchPaused, showChildren: s.showChildren })));
  const count = view.order.length;
  return (
    <section className="panel batches-panel" aria-labelledby="batches-title">
      <div className="panel-head">
        <h2 id="batches-title">Batches</h2>
        <span className="muted">{count === 0 ? '' : `${count.toLocaleString()}${view.hasMore ? '+' : ''} batch${count === 1 ? '' : 'es'}, newest first`}</span>
      </div>
      {count === 0 ? (
        <p className="panel-empty muted">{ready ? 'No batches yet. A folder, or several files added at once, makes one.' : 'Loading…'}</p>
      ) : (
        <div className="batches-scroll">
          <table aria-label="Batches" className="batches-table">
            <colgroup>
              <col className="w-batch" />
              <col className="w-bstatus" />
              <col className="w-bprogress" />
              <col className="w-bfiles" />
              <col className="w-note" />
              <col className="w-bactions" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Batch</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Files</th>
                <th scope="col">Warning or error</th>
                <th scope="col" className="col-actions">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {view.order.map((id) => (
                <BatchRow key={id} job={view.jobs[id]!} progress={progress[id]} selected={id === parentId} queuePaused={queuePaused} actions={actions} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMoreBatches />
    </section>
  );
}

function LoadMoreBatches() {
  const [hasMore, loading, loadMore] = useJobs(useShallow((s) => [s.batchView.hasMore, s.loadingMoreBatches, s.loadMoreBatches] as const));
  if (!hasMore) return null;
  return (
    <div className="load-more">
      <button type="button" disabled={loading} onClick={() => void loadMore()}>
        {loading ? 'Loading…' : 'Load more batches'}
      </button>
    </div>
  );
}
