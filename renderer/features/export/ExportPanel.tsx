import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CHUNK_SIZE_MAX, type ExportChunking, type ExportFormat } from '../../../shared/contract.js';
import { CHUNK_DEFAULTS } from '../../../shared/chunks.js';
import { useJobs } from '../../store/context.js';
import { EVERYTHING, selectionScope, viewScope, type ExportReport, type ExportScope } from '../../store/export.js';
import { useRoute } from '../../store/route.js';
import { RevealExport } from './RevealExport.js';

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
  { format: 'chunks', label: 'Chunks', hint: () => 'retrieval-sized pieces with their file, pages and headings, for search and Q&A (.jsonl)' },
];

/** The chunk size and overlap as typed; the export's chunking, or why it cannot be. */
function chunking(size: string, overlap: string, unit: 'chars' | 'tokens'): { ok: ExportChunking } | { problem: string } {
  const n = Number(size);
  const o = Number(overlap);
  if (!Number.isInteger(n) || n < 1 || n > CHUNK_SIZE_MAX)
    return { problem: `The chunk size is a whole number from 1 to ${CHUNK_SIZE_MAX.toLocaleString('en')}.` };
  if (!Number.isInteger(o) || o < 0) return { problem: 'The overlap is a whole number, 0 or more.' };
  if (o >= n) return { problem: 'The overlap must be smaller than the chunk size.' };
  return { ok: { size: n, overlap: o, unit } };
}

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
  const [revealNote, setRevealNote] = useState('');
  const [format, setFormat] = useState<ExportFormat>('jsonl');
  const [size, setSize] = useState(String(CHUNK_DEFAULTS.size));
  const [overlap, setOverlap] = useState(String(CHUNK_DEFAULTS.overlap));
  const [unit, setUnit] = useState<'chars' | 'tokens'>(CHUNK_DEFAULTS.unit);
  const chunks = format === 'chunks' ? chunking(size, overlap, unit) : undefined;
  const problem = chunks && 'problem' in chunks ? chunks.problem : undefined;
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
      {format === 'chunks' && (
        <fieldset className="export-choice export-chunking">
          <legend>Chunks</legend>
          <label>
            <span>Chunk size</span>
            <input
              type="number"
              min={1}
              max={CHUNK_SIZE_MAX}
              step={1}
              value={size}
              onChange={(e) => setSize(e.target.value)}
              aria-invalid={problem !== undefined}
            />
            <select aria-label="Chunk size unit" value={unit} onChange={(e) => setUnit(e.target.value as 'chars' | 'tokens')}>
              <option value="chars">characters</option>
              <option value="tokens">tokens (about 4 characters)</option>
            </select>
          </label>
          <label>
            <span>Overlap</span>
            <input type="number" min={0} step={1} value={overlap} onChange={(e) => setOverlap(e.target.value)} aria-invalid={problem !== undefined} />
            <span className="muted">repeated from the end of the chunk before</span>
          </label>
          <p className="muted">
            Same as{' '}
            <code>
              quarry export --format chunks --chunk-size {chunks && 'ok' in chunks ? chunks.ok.size : size} --overlap {overlap}
            </code>
            {unit === 'tokens' ? ' --chunk-unit tokens' : ''}.
          </p>
          {problem && (
            <p role="alert" className="export-problem">
              {problem}
            </p>
          )}
        </fieldset>
      )}
      <div className="export-actions">
        <button
          type="button"
          className="primary"
          disabled={exporting !== null || problem !== undefined}
          onClick={() => void exportResults(format, scope, chunks && 'ok' in chunks ? chunks.ok : undefined)}
        >
          {exporting ? 'Exporting…' : `Export ${FORMATS.find((f) => f.format === format)!.label}`}
        </button>
      </div>
      <p role="status" aria-label="Export status" className="export-status">
        {exporting ? `Exporting ${scope.label.toLowerCase()} as ${FORMATS.find((f) => f.format === exporting)!.label}…` : last ? reportText(last) : ''}
      </p>
      {!exporting && last && <RevealExport exportId={last.exportId} fileName={last.fileName} onNote={setRevealNote} />}
      {revealNote && (
        <p role="alert" className="export-status">
          {revealNote}
        </p>
      )}
    </section>
  );
}

/** "412 documents written to …": the full path on the desktop (which folder), the file's name in the browser. */
function reportText(r: ExportReport): string {
  const where = r.downloaded ? `${r.fileName} (downloaded)` : r.file;
  return `${r.jobs.toLocaleString('en')} document${r.jobs === 1 ? '' : 's'} written to ${where}. ${r.scope}.`;
}
