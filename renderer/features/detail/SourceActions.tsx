/**
 * The detail's ways to the original file, as the platform
 * allows (shared/platform.ts): in the desktop app "Open file" and "Show in
 * folder" (main opens only the job's own source), in the browser "Download
 * original". The job is named by id; no path leaves the window.
 */
import { useEffect, useRef, useState } from 'react';
import type { Job } from '../../../shared/job.js';
import { platform } from '../../platform/index.js';

const failed = (what: string, err: unknown) => `${what}: ${err instanceof Error ? err.message : String(err)}`;

/** A file job with a source on disk (a batch, or a file inside an archive, has none of its own to open: main/desktop/open-policy.ts). */
function hasOriginal(job: Job): boolean {
  return job.kind !== 'batch' && job.source !== 'archive' && !!job.sourcePath;
}

/** Beside the path: what the platform can do with the original, and what became of it. */
export function SourceActions({ job, name }: { job: Job; name: string }) {
  const p = platform();
  const [note, setNote] = useState('');
  // The job on show: an answer that comes back after another job was opened is not this one's to say.
  const shown = useRef(job.id);
  useEffect(() => {
    shown.current = job.id;
    setNote('');
  }, [job.id]);
  if (!hasOriginal(job)) return null;
  const act = (what: string, run: () => Promise<void>, done: string) => {
    const id = job.id;
    setNote('');
    run().then(
      () => shown.current === id && setNote(done),
      (err) => shown.current === id && setNote(failed(what, err)),
    );
  };
  return (
    <>
      {p.can.openFile && (
        <button
          type="button"
          aria-label={`Open ${name}`}
          title="Open the original with its application"
          onClick={() => act('Could not open the file', () => p.openSource(job.id), '')}
        >
          Open file
        </button>
      )}
      {p.can.reveal && (
        <button
          type="button"
          aria-label={`Show ${name} in its folder`}
          title="Show the original in the file manager"
          onClick={() => act('Could not show the file', () => p.revealSource(job.id), '')}
        >
          Show in folder
        </button>
      )}
      {p.can.downloadOriginal && (
        <button
          type="button"
          aria-label={`Download the original of ${name}`}
          title="Save a copy of the original file"
          onClick={() =>
            act(
              'Could not download the original',
              () => p.openSource(job.id),
              `Download of ${job.fileName ?? 'the original'} started: see your browser's downloads.`,
            )
          }
        >
          Download original
        </button>
      )}
      <span className="detail-source-note" role="status">
        {note}
      </span>
    </>
  );
}
