import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';
import type { ExportFormat } from '../../../shared/contract.js';

const FORMATS: Array<{ format: ExportFormat; label: string }> = [
  { format: 'json', label: 'Export JSON' },
  { format: 'jsonl', label: 'Export JSONL' },
  { format: 'csv', label: 'Export CSV' },
];

export function ExportPanel() {
  const [exporting, last, exportResults, desktop] = useJobs(
    useShallow((s) => [s.exporting, s.lastExport, s.exportResults, s.app?.canChooseFolder ?? false] as const),
  );
  const done = last
    ? // Desktop: the full path, so the person knows which folder; browser: the downloaded file's name.
      `Exported ${last.jobs} result${last.jobs === 1 ? '' : 's'} to ${last.downloaded ? last.fileName : last.file}` + (last.downloaded ? ' (downloaded).' : '.')
    : '';
  return (
    <section className="panel export-panel" aria-labelledby="export-title">
      <h2 id="export-title">Export results</h2>
      <p className="muted">Finished jobs' text, tables and metadata. {desktop ? 'You choose the folder.' : 'The file is downloaded.'}</p>
      <div className="export-actions">
        {FORMATS.map(({ format, label }) => (
          <button key={format} type="button" disabled={exporting !== null} onClick={() => void exportResults(format)}>
            {label}
          </button>
        ))}
      </div>
      <p role="status" aria-label="Export status" className="export-status">
        {exporting ? `Exporting ${exporting.toUpperCase()}…` : done}
      </p>
    </section>
  );
}
