import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ExportFormat } from '../../../shared/contract.js';
import { useJobs } from '../../store/context.js';
import { EVERYTHING, selectionScope, viewScope, type ExportReport, type ExportScope } from '../../store/export.js';
import { useRoute } from '../../store/route.js';
import { RevealExport } from '../detail/SourceActions.js';

type Which = 'selection' | 'view' | 'all';

const FORMATS: Array<{ format: ExportFormat; label: string; hint: (desktop: boolean) => string }> = [
  { format: 'jsonl', label: 'JSON Lines', hint: () => 'one record per file, everything (.jsonl)' },
  { format: 'json', label: 'JSON', hint: () => 'one array of records (.json)' },
  { format: 'csv', label: 'CSV', hint: () => 'one row per file, for spreadsheets (.csv)' },
  {
    format: 'md',
    label: 'Markdown',
    hint: (desktop) => (desktop ? 'a folder: one .md per file, and an index.md' : 'one .md file, a section per file'),
  },
  { format: 'sqlite', label: 'SQLite', hint: () => 'a standalone database: documents, pages, tables, metadata (.sqlite)' },
];

/**
 * Export what the person is looking at: the selected rows, the current view
 * (the search, or the list's filters and batch), or everything; in the
 * format chosen. Self-contained: the toolbar's dialog (ExportDialog.tsx)
 * only mounts it.
 */
export function ExportPanel() {
  const [exporting, last, exportResults, desktop, view, parent, selection, allMatching] = useJobs(
    useShallow((s) => [s.exporting, s.lastExport, s.exportResults, s.app?.canChooseFolder ?? false, s.view, s.parent, s.selection, s.allMatching] as const),
  );
  const route = useRoute();
  const scopes: Array<[Which, ExportScope]> = [];
  const selected = selectionScope({ selection, allMatching });
  if (selected) scopes.push(['selection', selected]);
  const current = viewScope({ view, parent }, route);
  if (current) scopes.push(['view', current]);
  scopes.push(['all', EVERYTHING]);
  const [chosen, setChosen] = useState<Which | null>(null);
  const [format, setFormat] = useState<ExportFormat>('jsonl');
  // The choice stands while it is on offer; otherwise the narrowest scope shown (the selection, then the view).
  const [which, scope] = scopes.find(([w]) => w === chosen) ?? scopes[0]!;
  const name = useId();
  return (
    <section className="panel export-panel" aria-labelledby="export-title">
      <h2 id="export-title">Export results</h2>
      <p className="muted">Text, tables and metadata of finished files. {desktop ? 'You choose the folder.' : 'The file is downloaded.'}</p>
      <fieldset className="export-choice">
        <legend>What</legend>
        {scopes.map(([w, s]) => (
          <label key={w}>
            <input type="radio" name={`${name}-what`} value={w} checked={w === which} onChange={() => setChosen(w)} />
            <span>{s.label}</span>
            {w === 'view' && <span className="muted"> (this view)</span>}
          </label>
        ))}
      </fieldset>
      <fieldset className="export-choice">
        <legend>Format</legend>
        {FORMATS.map((f) => (
          <label key={f.format}>
            <input type="radio" name={`${name}-format`} value={f.format} checked={f.format === format} onChange={() => setFormat(f.format)} />
            <span>{f.label}</span>
            <span className="muted"> · {f.hint(desktop)}</span>
          </label>
        ))}
      </fieldset>
      <div className="export-actions">
        <button type="button" className="primary" disabled={exporting !== null} onClick={() => void exportResults(format, scope)}>
          {exporting ? 'Exporting…' : `Export ${FORMATS.find((f) => f.format === format)!.label}`}
        </button>
      </div>
      <p role="status" aria-label="Export status" className="export-status">
        {exporting ? `Exporting ${scope.label.toLowerCase()} as ${FORMATS.find((f) => f.format === exporting)!.label}…` : last ? reportText(last) : ''}
      </p>
      {!exporting && <RevealExport exportId={last?.exportId} />}
    </section>
  );
}

/** "412 documents written to …": the full path on the desktop (which folder), the file's name in the browser. */
function reportText(r: ExportReport): string {
  const where = r.downloaded ? `${r.fileName} (downloaded)` : r.file;
  return `${r.jobs.toLocaleString('en')} document${r.jobs === 1 ? '' : 's'} written to ${where}. ${r.scope}.`;
}
