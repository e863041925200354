/**
 * The top of the detail: the file (name, path, format and how it was
 * detected, size, hash), its status and timings, the result's counts, and
 * what a person can do with it, under the same rules as the list.
 */
import { useState } from 'react';
import type { ExportFormat } from '../../../shared/contract.js';
import { useShallow } from 'zustand/react/shallow';
import type { Job } from '../../../shared/job.js';
import { useNow } from '../../lib/clock.js';
import { attemptsLabel, canDo, formatBytes, jobName, STATUS_LABEL } from '../../lib/job-view.js';
import { resultCounts, retryCountdown } from '../../lib/result-view.js';
import { useJobs } from '../../store/context.js';
import { hasResult, type ResultSummaryPart } from '../../store/detail.js';
import { Duration } from '../jobs/Duration.js';
import { closeJob } from './open-job.js';
import { RevealExport } from '../export/RevealExport.js';
import { SourceActions } from './SourceActions.js';

/** Jobs an export writes (a cancelled or unfinished job has nothing to write). */
const EXPORTABLE = ['completed', 'partial', 'failed'];
const EXPORT_FORMATS: Array<[ExportFormat, string]> = [
  ['json', 'JSON'],
  ['jsonl', 'JSON Lines'],
  ['csv', 'CSV'],
  ['md', 'Markdown'],
  ['sqlite', 'SQLite'],
];

/** Copying stops here: a clipboard is no place for a 500 MB text. */
const COPY_MAX_CHARS = 10_000_000;
const COPY_SLICE = 1_000_000;

export function DetailHeader({ job, summary, removed }: { job: Job; summary: ResultSummaryPart | null; removed: boolean }) {
  const name = jobName(job);
  const counts = resultCounts(job);
  return (
    <header className="detail-header">
      <div className="detail-title">
        <h2 title={name}>{name}</h2>
        <span className={`badge status-${job.status}`}>{STATUS_LABEL[job.status]}</span>
      </div>
      {job.sourcePath && (
        <div className="detail-source">
          <p className="detail-path" title={job.sourcePath}>
            {job.sourcePath}
          </p>
          {!removed && <SourceActions job={job} name={name} />}
        </div>
      )}
      {removed && (
        <p className="detail-removed" role="status">
          This job was deleted; what is shown is what it was.
        </p>
      )}
      <dl className="detail-facts">
        <Fact label="Format">
          {job.format ?? '—'}
          {summary && <span className="muted"> · by {summary.detection.method}</span>}
        </Fact>
        {job.sizeBytes !== null && <Fact label="Size">{formatBytes(job.sizeBytes)}</Fact>}
        <Fact label="Duration">
          <Duration job={job} />
        </Fact>
        <Fact label="Attempts">{attemptsLabel(job)}</Fact>
        {job.status === 'pending' && job.nextRetryAt !== null && (
          <Fact label="Next retry">
            <RetryCountdown at={job.nextRetryAt} />
          </Fact>
        )}
        {counts && <Fact label="Result">{counts}</Fact>}
        {summary && (
          <Fact label="Extractor">
            {summary.extractor.name} {summary.extractor.version}
          </Fact>
        )}
        {job.contentHash && (
          <Fact label="Hash">
            <span className="mono" title={job.contentHash}>
              {job.contentHash.slice(0, 16)}…
            </span>
          </Fact>
        )}
        <Fact label="ID">
          <span className="mono" title={job.id}>
            {job.shortId}
          </span>
        </Fact>
      </dl>
      {job.warning && <p className="detail-warning">{job.warning}</p>}
      {!removed && <DetailActions job={job} name={name} />}
    </header>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function RetryCountdown({ at }: { at: number }) {
  return <>{retryCountdown(at, useNow())}</>;
}

function DetailActions({ job, name }: { job: Job; name: string }) {
  const [act, rerunJob, readPart, exportResults, exporting, lastExport] = useJobs(
    useShallow((s) => [s.act, s.rerunJob, s.readPart, s.exportResults, s.exporting, s.lastExport] as const),
  );
  const [note, setNote] = useState('');

  // The export slice reports a failure in the alert region, and keeps the report of a success.
  const exportLabel = `The file ${name}`;
  const exported =
    lastExport?.scope === exportLabel ? `Exported as ${lastExport.fileName}${lastExport.downloaded ? ' (downloaded)' : ` to ${lastExport.file}`}.` : '';

  const copyText = async () => {
    setNote('Copying…');
    try {
      const pieces: string[] = [];
      let offset = 0;
      let total = 0;
      for (;;) {
        const slice = await readPart({ id: job.id, part: 'text', offset, limit: COPY_SLICE });
        pieces.push(slice.text);
        offset += slice.text.length;
        total = slice.total;
        if (slice.done || slice.text.length === 0 || offset >= COPY_MAX_CHARS) break;
      }
      await navigator.clipboard.writeText(pieces.join(''));
      setNote(
        offset < total
          ? `Copied the first ${offset.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} characters.`
          : `Copied ${offset.toLocaleString('en-US')} characters.`,
      );
    } catch (err) {
      setNote(`Could not copy: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return (
    <div className="detail-actions">
      {canDo('retry', job.status) && (
        <button type="button" onClick={() => void act('retry', [job.id])} aria-label={`Retry ${name}`}>
          Retry
        </button>
      )}
      {job.status === 'completed' && (
        <button type="button" onClick={() => void rerunJob(job.id)} title="Extract this file again" aria-label={`Run ${name} again`}>
          Run again
        </button>
      )}
      {canDo('cancel', job.status) && (
        <button type="button" onClick={() => void act('cancel', [job.id])} aria-label={`Cancel ${name}`}>
          Cancel
        </button>
      )}
      {hasResult(job) && (
        <button type="button" onClick={() => void copyText()}>
          Copy text
        </button>
      )}
      {EXPORTABLE.includes(job.status) && (
        <select
          aria-label={`Export ${name}`}
          value=""
          disabled={exporting !== null}
          onChange={(e) => {
            setNote('');
            void exportResults(e.target.value as ExportFormat, { filter: { ids: [job.id] }, label: exportLabel });
          }}
        >
          <option value="" disabled>
            {exporting ? 'Exporting…' : 'Export as…'}
          </option>
          {EXPORT_FORMATS.map(([format, label]) => (
            <option key={format} value={format}>
              {label}
            </option>
          ))}
        </select>
      )}
      {canDo('delete', job.status) && (
        <button
          type="button"
          className="danger"
          aria-label={`Delete ${name}`}
          onClick={() => {
            closeJob();
            void act('delete', [job.id]);
          }}
        >
          Delete
        </button>
      )}
      <span className="detail-note" role="status">
        {note || exported}
      </span>
      {exported && <RevealExport exportId={lastExport?.exportId} fileName={lastExport?.fileName ?? name} onNote={setNote} />}
    </div>
  );
}
