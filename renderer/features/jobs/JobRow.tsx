import { memo, type MouseEvent } from 'react';
import type { Job } from '../../../shared/job.js';
import { attemptsLabel, canDo, formatBytes, jobDetail, jobName, STATUS_LABEL, type RowAction } from '../../lib/job-view.js';
import { Duration } from './Duration.js';
import { ProgressBar } from './ProgressBar.js';

const ACTIONS: Array<{ action: RowAction; label: string }> = [
  { action: 'retry', label: 'Retry' },
  { action: 'cancel', label: 'Cancel' },
  { action: 'delete', label: 'Delete' },
];

/** What a row reports; passed in, stable, rather than selected per row (hundreds of subscriptions). */
export interface RowHandlers {
  /** A click on the row itself (not a control): open, or Ctrl/Cmd to toggle, Shift to extend. */
  onRowClick(e: MouseEvent, row: number, id: string): void;
  /** The row's checkbox (Shift extends from the last one ticked). */
  onCheck(e: MouseEvent, row: number, id: string): void;
  onAction(action: RowAction, id: string): void;
}

interface Props {
  job: Job;
  /** 0-based position in the whole list. */
  row: number;
  selected: boolean;
  /** The row keyboard focus is on (the one that takes Tab). */
  focused: boolean;
  /** Its detail is open beside the list. */
  open: boolean;
  handlers: RowHandlers;
}

/** Memoised on the job object: a frame re-renders only the rows whose job changed. */
export const JobRow = memo(function JobRow({ job, row, selected, focused, open, handlers }: Props) {
  const name = jobName(job);
  const detail = jobDetail(job);
  return (
    <tr
      aria-label={name}
      aria-rowindex={row + 2}
      aria-selected={selected}
      aria-current={open || undefined}
      data-job-id={job.id}
      data-row={row}
      tabIndex={focused ? 0 : -1}
      className={`job-row status-${job.status}${selected ? ' is-selected' : ''}${open ? ' is-open' : ''}`}
      onClick={(e) => {
        // Controls in the row act on their own.
        if ((e.target as HTMLElement).closest('button, input, select, a, label')) return;
        handlers.onRowClick(e, row, job.id);
      }}
    >
      <td className="col-select">
        <input
          type="checkbox"
          aria-label={`Select ${name}`}
          checked={selected}
          tabIndex={-1}
          onClick={(e) => handlers.onCheck(e, row, job.id)}
          onChange={() => {}}
        />
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
      <td className="col-format" title={job.format ?? undefined}>
        {job.format ?? '—'}
      </td>
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
            tabIndex={focused ? 0 : -1}
            className={`small${action === 'delete' ? ' danger' : ''}`}
            aria-label={`${label} ${name}`}
            disabled={!canDo(action, job.status)}
            onClick={() => handlers.onAction(action, job.id)}
          >
            {label}
          </button>
        ))}
      </td>
    </tr>
  );
});

/** A row whose page is still on its way: same height, so the scrollbar never jumps. */
export function PendingRow({ row, columns }: { row: number; columns: number }) {
  return (
    <tr className="job-row is-loading" aria-rowindex={row + 2} data-row={row}>
      <td colSpan={columns}>
        <span className="loading-bar" aria-label="Loading row" />
      </td>
    </tr>
  );
}
