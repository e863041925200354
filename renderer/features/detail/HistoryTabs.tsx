/**
 * What happened to a job: its error in full (code, category, message,
 * details, the attempt that failed) and its history, one step per status
 * change, with how long each attempt ran.
 */
import { useState } from 'react';
import type { Job, JobEvent } from '../../../shared/job.js';
import { useNow } from '../../lib/clock.js';
import { attemptsMade, formatDuration } from '../../lib/job-view.js';
import { capText, formatTime, historySteps, ranOn, readableKey, readableValue, retryCountdown } from '../../lib/result-view.js';
import { PasswordRetry, passwordHelps } from './PasswordRetry.js';

/** An error message longer than this (some are a megabyte) is cut, with a button for the rest. */
const MESSAGE_CHARS = 20_000;

export function ErrorTab({ job, events }: { job: Job; events: JobEvent[] }) {
  const failing = [...events].reverse().find((e) => e.errorCode !== null || e.errorMessage !== null);
  const attempt = failing?.attempt ?? attemptsMade(job);
  const details = job.errorDetails ? Object.entries(job.errorDetails) : [];
  return (
    <div className="error-tab">
      <dl className="kv">
        <div className="kv-row">
          <dt>Code</dt>
          <dd className="mono">{job.errorCode ?? '—'}</dd>
        </div>
        <div className="kv-row">
          <dt>Category</dt>
          <dd>
            {job.errorCategory === 'retryable'
              ? 'Retryable (may pass on another attempt)'
              : job.errorCategory === 'permanent'
                ? 'Permanent (retrying will not help)'
                : '—'}
          </dd>
        </div>
        <div className="kv-row">
          <dt>Attempt</dt>
          <dd>
            {attempt} of {job.maxRetries + 1}
            {job.status === 'pending' && job.nextRetryAt !== null && (
              <>
                {' '}
                · next attempt <Countdown at={job.nextRetryAt} />
              </>
            )}
          </dd>
        </div>
      </dl>
      <h3>Message</h3>
      <LongText text={job.errorMessage ?? '(no message)'} className="error-message" />
      {passwordHelps(job) && <PasswordRetry job={job} />}
      {details.length > 0 && (
        <>
          <h3>Details</h3>
          <dl className="kv">
            {details.map(([k, v]) => (
              <div className="kv-row" key={k}>
                <dt title={k}>{readableKey(k)}</dt>
                <dd>
                  <LongText text={readableValue(v)} className="error-detail" />
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}

function Countdown({ at }: { at: number }) {
  return <>{retryCountdown(at, useNow())}</>;
}

function LongText({ text, className }: { text: string; className: string }) {
  const [whole, setWhole] = useState(false);
  // A short one-line value reads as text; a long or multi-line one gets its own scrolling box.
  if (className === 'error-detail' && text.length <= 200 && !text.includes('\n')) return <span>{text}</span>;
  const { shown, hidden } = whole ? { shown: text, hidden: 0 } : capText(text, MESSAGE_CHARS);
  return (
    <div>
      <pre className={className}>{shown}</pre>
      {hidden > 0 && (
        <button type="button" className="small" onClick={() => setWhole(true)}>
          Show all ({hidden.toLocaleString('en-US')} more characters)
        </button>
      )}
    </div>
  );
}

export function HistoryTab({ job, events }: { job: Job; events: JobEvent[] }) {
  const steps = historySteps(events);
  if (steps.length === 0) return <p className="muted">No history recorded.</p>;
  return (
    <div className="history-tab">
      <table className="result-grid history-grid" aria-label="History">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Attempt</th>
            <th scope="col">Took</th>
            <th scope="col" className="nowrap">
              Ran on
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {steps.map(({ event: e, label, sincePrevious, attemptMs }) => (
            <tr key={e.id} className={e.errorCode ? 'history-error' : undefined}>
              <td className="nowrap" title={formatTime(e.at)}>
                {formatTime(e.at).slice(11)}
              </td>
              <td>
                {label}
                <span className="history-transition">
                  {e.fromStatus ? `${e.fromStatus} → ` : ''}
                  {e.toStatus}
                </span>
              </td>
              <td>{e.attempt || ''}</td>
              <td className="nowrap">
                {attemptMs !== null ? formatDuration(attemptMs) : sincePrevious !== null ? <span className="muted">+{formatDuration(sincePrevious)}</span> : ''}
              </td>
              <td className="history-worker" title={ranOn(e)}>
                {e.fromStatus === 'running' ? ranOn(e) : ''}
              </td>
              <td className="history-message">
                {e.errorCode && <span className="mono">{e.errorCode}</span>}
                {e.errorMessage && <span> {capText(e.errorMessage, 500).shown}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {job.status === 'pending' && job.nextRetryAt !== null && (
        <p className="muted">
          Next attempt <Countdown at={job.nextRetryAt} />.
        </p>
      )}
    </div>
  );
}
