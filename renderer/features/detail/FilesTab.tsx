/**
 * The Files tab of a container (a batch, an archive, an e-mail with
 * attachments): the files inside it with their statuses, each opening its
 * own detail.
 */
import type { Job } from '../../../shared/job.js';
import { jobDetail, jobName, STATUS_LABEL } from '../../lib/job-view.js';
import { CHILDREN_SHOWN } from '../../store/detail.js';
import { openJob } from './open-job.js';

export function FilesTab({ files, more }: { files: Job[]; more: boolean }) {
  return (
    <div className="files-tab">
      <table className="result-grid files-grid" aria-label="Files inside">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Format</th>
            <th scope="col">Status</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => {
            const name = jobName(f);
            return (
              <tr key={f.id}>
                <td>
                  <button type="button" className="link" title={f.sourcePath ?? name} onClick={() => openJob(f.id, { tab: 'text' })}>
                    {name}
                  </button>
                </td>
                <td>{f.format ?? '—'}</td>
                <td>
                  <span className={`badge status-${f.status}`}>{STATUS_LABEL[f.status]}</span>
                </td>
                <td className="muted">{jobDetail(f)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {more && <p className="muted">The newest {CHILDREN_SHOWN} files are shown; the Batches view lists them all.</p>}
    </div>
  );
}
