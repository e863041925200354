import { memo } from 'react';
import { Meter } from '../jobs/ProgressBar.js';
import type { Job } from '../../../shared/job.js';
import { batchNote, canPause, countsLabel, FAILURE_ACTION_HINT, finishedCount, isPaused, paceLabel, percent, policyLabel } from '../../lib/batch-view.js';
import { canDo, jobName, STATUS_LABEL, type RowAction } from '../../lib/job-view.js';
import type { BatchProgress } from '../../store/batches.js';
import type { BatchActions } from '../../store/jobs.js';

const ACTIONS: Array<{ action: RowAction; label: string }> = [
  { action: 'cancel', label: 'Cancel' },
  { action: 'retry', label: 'Retry' },
  { action: 'delete', label: 'Delete' },
];

interface Props {
  job: Job;
  progress: BatchProgress | undefined;
  /** The jobs table shows this batch's children. */
  selected: boolean;
  /** The whole queue is paused: nothing of this batch starts either. */
  queuePaused: boolean;
  actions: BatchActions;
}

/** Memoised: a frame re-renders only the batches whose job or progress changed. */
export const BatchRow = memo(function BatchRow({ job, progress, selected, queuePaused, actions }: Props) {
  const name = jobName(job);
  const paused = isPaused(job);
  const held = queuePaused && !paused && (job.status === 'pending' || job.status === 'running');
  const note = batchNote(job);
  const pace = progress ? paceLabel(progress, job, queuePaused) : '';
  const counts = progress ? countsLabel(progress) : '…';
  return (
    <tr aria-label={name} className={`batch-row status-${job.status}${selected ? ' is-selected' : ''}`}>
      <td className="col-batch">
        <button
          type="button"
          className="link"
          aria-label={`Show files of ${name}`}
          aria-pressed={selected}
          title={selected ? 'The list below shows these files' : 'Show these files'}
          onClick={() => actions.showChildren(selected ? null : { id: job.id, name })}
        >
          {name}
        </button>
        <span className="file-meta">
          {job.shortId}
          {job.definition && ` · ${job.definition}`}
        </span>
      </td>
      <td className="col-status">
        <span className={`badge status-${job.status}`}>{STATUS_LABEL[job.status]}</span>
        {paused && <span className="badge is-paused">Paused</span>}
        {held && (
          <span className="badge is-paused" title="The queue is paused: nothing new starts">
            Queue paused
          </span>
        )}
        {job.warning && job.status === 'completed' && <span className="badge status-partial">Warning</span>}
        <span className="policy muted" title={FAILURE_ACTION_HINT[job.failureAction]}>
          On failure: {policyLabel(job)}
        </span>
      </td>
      <td className="col-progress">
        <BatchProgressBar name={name} progress={progress} status={job.status} />
      </td>
      <td className="col-files">
        <span className="counts" title={counts}>
          {counts}
        </span>
        {pace && <span className="pace muted">{pace}</span>}
      </td>
      <td className={`col-note${job.warning ? ' is-warning' : job.status === 'failed' ? ' is-error' : ''}`}>
        <span className="detail-text" title={note}>
          {note}
        </span>
      </td>
      <td className="col-actions">
        {paused ? (
          <button type="button" className="small" aria-label={`Resume ${name}`} onClick={() => void actions.setBatchPaused(job.id, false)}>
            Resume
          </button>
        ) : (
          <button
            type="button"
            className="small"
            aria-label={`Pause ${name}`}
            disabled={!canPause(job)}
            onClick={() => void actions.setBatchPaused(job.id, true)}
          >
            Pause
          </button>
        )}
        {ACTIONS.map(({ action, label }) => (
          <button
            key={action}
            type="button"
            className={`small${action === 'delete' ? ' danger' : ''}`}
            aria-label={`${label} ${name}`}
            title={action === 'retry' ? 'Retry its failed and cancelled files' : undefined}
            disabled={!canDo(action, job.status)}
            onClick={() => void actions.act(action, [job.id])}
          >
            {label}
          </button>
        ))}
      </td>
    </tr>
  );
});

function BatchProgressBar({ name, progress, status }: { name: string; progress: BatchProgress | undefined; status: Job['status'] }) {
  const pct = percent(progress);
  const text = progress ? `${pct}% (${finishedCount(progress)} of ${progress.total} files finished)` : 'Loading';
  return <Meter name={name} pct={pct} text={text} status={status} />;
}
