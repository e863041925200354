import { DEFAULT_DEFINITION } from '../../store/automation.js';
import { useJobs } from '../../store/context.js';
import type { IntakeReport as Report } from '../../store/intake.js';

function summaryOf(report: Report): string {
  const jobs = `${report.added} job${report.added === 1 ? '' : 's'}`;
  const where =
    report.batches.length === 1 ? ` to batch “${report.batches[0]!.name}”` : report.batches.length > 1 ? ` in ${report.batches.length} batches` : '';
  const how = report.added > 0 && report.definition !== DEFAULT_DEFINITION ? `, running ${report.definition}` : '';
  const rejected = report.rejected.length ? `, rejected ${report.rejected.length}` : '';
  return `Added ${jobs}${where}${how}${rejected}.`;
}

/** A rejected path as a name to read first and the folder it is in ("" for a bare name). */
function splitPath(path: string): { name: string; folder: string } {
  // A folder is reported as "a/b/": its own name is "b", in "a".
  const p = path.replace(/[\\/]+$/, '') || path;
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return cut < 0 ? { name: p, folder: '' } : { name: p.slice(cut + 1) || p, folder: p.slice(0, cut) };
}

/** What the last intake accepted (and under which batch) and rejected, with the reasons. */
export function IntakeReport() {
  const report = useJobs((s) => s.lastIntake);
  const busy = useJobs((s) => s.intakeBusy);
  return (
    <section className="intake-report" aria-label="Last intake">
      {/* Always mounted, so screen readers announce each new summary. */}
      <p role="status" aria-label="Intake status" className="intake-summary">
        {busy ?? (report ? summaryOf(report) : '')}
      </p>
      {report && report.acceptedNames.length > 0 && (
        <details>
          <summary>Accepted files</summary>
          <ul aria-label="Accepted files" className="name-list">
            {report.acceptedNames.map((name, i) => (
              <li key={i}>{name}</li>
            ))}
            {report.added > report.acceptedNames.length && <li className="muted">…and {report.added - report.acceptedNames.length} more</li>}
          </ul>
        </details>
      )}
      {report && report.rejected.length > 0 && (
        // The name first, then why (the whole reason, wrapped: never cut), then where it was.
        <ul aria-label="Rejected files" className="rejected-list">
          {report.rejected.map((r, i) => {
            const { name, folder } = splitPath(r.path);
            return (
              <li key={i}>
                <span className="name">{name}</span>
                <span className="reason">{r.reason}</span>
                {folder && (
                  <span className="folder" title={r.path}>
                    in {folder}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
