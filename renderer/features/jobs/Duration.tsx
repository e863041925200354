import type { Job } from '../../../shared/job.js';
import { useNow } from '../../lib/clock.js';
import { durationMs, formatDuration } from '../../lib/job-view.js';

/** Live for running jobs (ticks once a second), fixed otherwise. */
export function Duration({ job }: { job: Job }) {
  return job.status === 'running' ? <LiveDuration job={job} /> : <Fixed ms={durationMs(job, Date.now())} />;
}

function LiveDuration({ job }: { job: Job }) {
  return <Fixed ms={durationMs(job, useNow())} />;
}

function Fixed({ ms }: { ms: number | null }) {
  return <span className="duration">{ms === null ? '—' : formatDuration(ms)}</span>;
}
