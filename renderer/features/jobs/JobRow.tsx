import { memo } from 'react';
import { openFromRow } from '../detail/open-job.js';
import type { Job } from '../../../shared/job.js';
import { attemptsLabel, canDo, formatBytes, jobDetail, jobName, STATUS_LABEL, type RowAction } from '../../lib/job-view.js';
import type { JobsActions } from '../../store/jobs.js';
import { Duration } from './Duration.js';
import { ProgressBar } from './ProgressBar.js';

const ACTIONS: Array<{ action: RowAction; label: string }> = [
  { action: 'retry', label: 'Retry' },
  { action: 'cancel', label: 'Cancel' },
  { action: 'delete', label: 'Delete' },
];

interface Props {
  job: Job;
  /** 1-based position in the whole table (header = 1), for aria-rowindex. */
  rowIndex: number;
  selected: boolean;
  /** Its detail is open beside the list. */
  open: boolean;
  // Passed in rather than selected here: 500 rows each subscribed to the
  // store would all be checked on every frame.
  act: JobsActions['act'];
  toggleSelected: JobsActions['toggleSelected'];
}

/** Memoised on the job object: a frame re-renders only the rows whose job changed. */
export const JobRow = memo(function JobRow({ job, rowIndex, selected, open, act, toggleSelected }: Props) {
  const name = jobName(job);
  const detail = jobDetail(job);
  return (
    <tr
      aria-label={name}
      aria-rowindex={rowIndex}
      aria-current={open || undefined}
      className={`job-row status-${job.status}${open ? ' is-open' : ''}`}
      tabIndex={0}
      onClick={(e) => openFromRow(e, job.id)}
      onKeyDown={(e) => openFromRow(e, job.id)}
    >
      <td className="col-select">
        <input type="checkbox" aria-label={`Select ${name}`} checked={selected} onChange={() => toggleSelected(job.id)} />
      </td>
      <td className="col-file">
        <span className="file-name" title={job.sourcePath ?? name}>
          {name}
        </span>
        <span className="file-meta">
          {job.shortId}
          {job.sizeBytes !== null && ` · ${formatBytes(job.sizeBytes)}`}
          {job.definition && ` · ${job.definition}`}
        </span>
      </td>
      <td className="col-format">{job.format ?? '—'}</td>
      <td className="col-status">
        <span className={`badge status-${job.status}`}>{STATUS_LABEL[job.status]}</span>
      </td>
      <td className="col-progress">
        <ProgressBar job={job} name={name} />
      </td>
      <td className="col-attempts">{attemptsLabel(job)}</td>
      <td className="col-duration">
        <Duration job={job} />
      </td>
      <td className={`col-detail detail-${job.status}`}>
        <span className="detail-text" title={detail}>
          {detail}
        </span>
      </td>
      <td className="col-actions">
        {ACTIONS.map(({ action, label }) => (
          <button
            key={action}
            type="button"
            className={`small${action === 'delete' ? ' danger' : ''}`}
            aria-label={`${label} ${name}`}
            disabled={!canDo(action, job.status)}
            onClick={() => void act(action, [job.id])}
          >
            {label}
          </button>
        ))}
      </td>
    </tr>
  );
});
