/**
 * The Tables tab: each table under its name (a sheet, a page, a slide), as
 * a grid with its first rows and "N more rows", and a copy as CSV or TSV.
 */
import { useState } from 'react';
import type { Table } from '../../../shared/extraction.js';
import type { Job } from '../../../shared/job.js';
import { columnName, tableLabel, tableShape, toDelimited } from '../../lib/result-view.js';
import { PartStatus, usePart } from './use-part.js';

/** Rows shown at first, and added by each "Show more". */
const ROW_STEP = 100;
/** Tables rendered at first (a workbook can have hundreds of sheets). */
const TABLE_STEP = 20;

export function TablesTab({ job }: { job: Job }) {
  const { value, error } = usePart(job.id, 'tables');
  const [shown, setShown] = useState(TABLE_STEP);
  if (!value) return <PartStatus error={error} />;
  const tables = value.tables;
  if (tables.length === 0) return <p className="muted">No tables were found in this file.</p>;
  return (
    <div className="tables-tab">
      {tables.length > 1 && (
        <nav className="table-index" aria-label="Tables in this file">
          {tables.slice(0, 200).map((t, i) => (
            <button
              key={i}
              type="button"
              className="link"
              onClick={() => {
                if (i >= shown) setShown(i + 1);
                requestAnimationFrame(() => document.getElementById(`detail-table-${i}`)?.scrollIntoView({ block: 'start' }));
              }}
            >
              {tableLabel(t, i)}
            </button>
          ))}
        </nav>
      )}
      {tables.slice(0, shown).map((t, i) => (
        <TableView key={i} table={t} index={i} />
      ))}
      {tables.length > shown && (
        <button type="button" className="small" onClick={() => setShown(shown + TABLE_STEP)}>
          Show more tables ({tables.length - shown} more)
        </button>
      )}
    </div>
  );
}

function TableView({ table, index }: { table: Table; index: number }) {
  const [rows, setRows] = useState(ROW_STEP);
  const [note, setNote] = useState('');
  const label = tableLabel(table, index);
  const { header, body, columns } = tableShape(table);
  const copy = async (kind: 'csv' | 'tsv') => {
    try {
      await navigator.clipboard.writeText(toDelimited(table.rows, kind));
      setNote(`Copied as ${kind.toUpperCase()}.`);
    } catch (err) {
      setNote(`Could not copy: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const hidden = body.length - Math.min(rows, body.length);
  return (
    <section className="table-view" id={`detail-table-${index}`} aria-label={label}>
      <div className="table-head">
        <h3>{label}</h3>
        <span className="muted">
          {body.length.toLocaleString('en-US')} row{body.length === 1 ? '' : 's'} × {columns} column{columns === 1 ? '' : 's'}
        </span>
        <button type="button" className="small" onClick={() => void copy('csv')}>
          Copy CSV
        </button>
        <button type="button" className="small" onClick={() => void copy('tsv')}>
          Copy TSV
        </button>
        <span className="detail-note" role="status">
          {note}
        </span>
      </div>
      <div className="grid-wrap">
        <table className="result-grid" aria-label={label}>
          <thead>
            <tr>
              {Array.from({ length: columns }, (_, c) => (
                <th key={c} scope="col">
                  {header ? (header[c] ?? '') : columnName(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.slice(0, rows).map((r, i) => (
              <tr key={i}>
                {Array.from({ length: columns }, (_, c) => (
                  <td key={c}>{r[c] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {hidden > 0 && (
        <p className="table-more">
          <span className="muted">{hidden.toLocaleString('en-US')} more rows</span>{' '}
          <button type="button" className="small" onClick={() => setRows(rows + ROW_STEP * 5)}>
            Show {Math.min(hidden, ROW_STEP * 5).toLocaleString('en-US')} more
          </button>
        </p>
      )}
    </section>
  );
}
