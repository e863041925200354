import type { Job } from '../../../shared/job.js';
import { progressPercent } from '../../lib/job-view.js';

/** The bar itself, for jobs and batches alike: accessible values, a transform to fill. */
export function Meter({ name, pct, text, status, waiting = false }: { name: string; pct: number; text: string; status: Job['status']; waiting?: boolean }) {
  return (
    <div className="progress-cell">
      <div
        role="progressbar"
        aria-label={`Progress of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={text}
        className={`progress status-${status}${waiting ? ' is-waiting' : ''}`}
      >
        {/* CSSOM, not a style attribute: allowed by the CSP. A transform, not a
            width, so an update repaints the bar without a layout pass. */}
        <div className="progress-fill" style={{ transform: `scaleX(${pct / 100})` }} />
      </div>
      <span className="progress-text" aria-hidden="true">
        {pct}%
      </span>
    </div>
  );
}

export function ProgressBar({ job, name }: { job: Job; name: string }) {
  const pct = progressPercent(job);
  // A running job that has not counted its items yet gets an animated bar, still at 0.
  const waiting = job.status === 'running' && job.total <= 0;
  const text = job.total > 0 && job.status !== 'completed' ? `${pct}% (${job.processed} of ${job.total})` : `${pct}%`;
  return <Meter name={name} pct={pct} text={text} status={job.status} waiting={waiting} />;
}
