/**
 * Exporting results: what is exported (what the person is looking at: the
 * search's query, or the list's status filter and batch; the rows selected;
 * or everything), where the file goes (a folder the person chooses in the
 * desktop app; the data folder's exports/ and then a download in the
 * browser), which export runs now, and the report of the last one.
 */
import type { ExportChunking, ExportFormat } from '../../shared/contract.js';
import type { ExportFilter } from '../../shared/export-filter.js';
import { MAX_EXPORT_IDS } from '../../shared/export-filter.js';
import type { ConnectionState } from './connection.js';
import type { Route } from './route.js';
import type { SliceKit } from './slice.js';
import type { ListFilter } from '../../shared/list-query.js';
import type { TableState } from './table.js';

/** A set of jobs to export: its filter, and how to say it to a person. */
export interface ExportScope {
  filter: ExportFilter;
  /** e.g. "Failed files in batch invoices", "Files matching “budget”". */
  label: string;
}

export interface ExportReport {
  format: ExportFormat;
  jobs: number;
  fileName: string;
  /** Where it was written: a folder path (desktop) or "downloads" (browser). */
  file: string;
  downloaded: boolean;
  /** What was exported, as the scope's label said. */
  scope: string;
  /** Electron: the id the platform shows it in its folder by (shared/platform.ts). */
  exportId?: string;
}

export interface ExportState {
  exporting: ExportFormat | null;
  lastExport: ExportReport | null;
}

export interface ExportActions {
  /** `chunking` goes with the chunks format only (its size, overlap and unit). */
  exportResults(format: ExportFormat, scope?: ExportScope, chunking?: ExportChunking): Promise<void>;
}

const STATUS_LABEL: Record<string, string> = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  partial: 'Partial',
};

/** Everything finished. */
export const EVERYTHING: ExportScope = { filter: {}, label: 'Every finished file' };

/**
 * What the person is looking at: the search results (route #/search?q=…),
 * or the jobs list's view (its status, format, batch, text and date
 * filters). Null when that is everything (nothing narrows it).
 */
export function viewScope(table: Pick<TableState, 'view' | 'parent'>, route: Route): ExportScope | null {
  const q = route.params.q?.trim();
  if (route.view === 'search') {
    if (!q) return null;
    const format = route.params.format as ExportFilter['format'] | undefined;
    const status = route.params.status as ExportFilter['status'] | undefined;
    return {
      filter: { query: q, ...(format ? { format } : {}), ...(status ? { status } : {}) },
      label: `Files matching “${q}”${format ? ` (${format})` : ''}${status ? ` (${STATUS_LABEL[status] ?? status})` : ''}`,
    };
  }
  return listScope(table.view.filter, table.parent?.name);
}

/** The list's filter as an export's, and in words: "Failed or Partial pdf files in batch invoices matching “2024”". */
export function listScope(f: ListFilter, batchName?: string): ExportScope | null {
  const filter: ExportFilter = {};
  if (f.status) filter.statuses = [...f.status];
  if (f.format) filter.formats = [...f.format];
  if (f.batch) filter.batch = f.batch;
  if (f.text) filter.search = f.text;
  if (f.createdFrom !== undefined) filter.createdFrom = f.createdFrom;
  if (f.createdTo !== undefined) filter.createdTo = f.createdTo;
  if (!Object.keys(filter).length) return null;
  const statuses = f.status?.map((st) => STATUS_LABEL[st] ?? st).join(' or ');
  const parts = [`${statuses ? `${statuses} ` : ''}${f.format ? `${f.format.join(' or ')} ` : ''}files`];
  if (f.batch) parts.push(`in batch ${batchName ?? f.batch.slice(0, 8)}`);
  if (f.text) parts.push(`matching “${f.text}”`);
  if (f.createdFrom !== undefined || f.createdTo !== undefined) parts.push('in the dates chosen');
  const label = parts.join(' ');
  return { filter, label: label.charAt(0).toUpperCase() + label.slice(1) };
}

/** The selected rows, when there are some: ticked one by one, or "all N matching" the list's filter. */
export function selectionScope(table: Pick<TableState, 'selection' | 'allMatching'>): ExportScope | null {
  const all = table.allMatching;
  if (all) {
    const scope = listScope(all.filter);
    const exclude = [...all.except].slice(0, MAX_EXPORT_IDS);
    const n = all.count - all.except.size;
    return {
      filter: { ...(scope?.filter ?? {}), maxSeq: all.maxSeq, ...(exclude.length ? { exclude } : {}) },
      label: `The ${n.toLocaleString('en')} selected file${n === 1 ? '' : 's'}`,
    };
  }
  if (!table.selection.size) return null;
  const ids = [...table.selection].slice(0, MAX_EXPORT_IDS);
  return { filter: { ids }, label: `The ${ids.length.toLocaleString('en')} selected file${ids.length === 1 ? '' : 's'}` };
}

export function createExportSlice({ client, set, get, reportError }: SliceKit<ExportState & Pick<ConnectionState, 'app'>>): ExportState & ExportActions {
  return {
    exporting: null,
    lastExport: null,

    async exportResults(format, scope = EVERYTHING, chunking) {
      if (get().exporting) return;
      set({ exporting: format });
      try {
        const app = get().app;
        const filter = {
          ...(Object.keys(scope.filter).length ? { filter: scope.filter } : {}),
          ...(format === 'chunks' && chunking ? { chunking } : {}),
        };
        let report: ExportReport;
        if (app?.canChooseFolder) {
          const { handle } = await client.invoke('dialog.chooseFolder', {});
          if (!handle) return; // the person cancelled the dialog
          const r = await client.invoke('results.export', { format, folder: handle, ...filter });
          report = {
            format,
            jobs: r.jobs,
            fileName: r.fileName,
            file: r.file,
            downloaded: false,
            scope: scope.label,
            ...(r.exportId ? { exportId: r.exportId } : {}),
          };
        } else {
          const r = await client.invoke('results.export', { format, ...filter });
          const download = client.transport.download;
          if (download) await download.call(client.transport, r.fileName);
          report = { format, jobs: r.jobs, fileName: r.fileName, file: r.file, downloaded: Boolean(download), scope: scope.label };
        }
        set({ lastExport: report });
      } catch (err) {
        reportError(err);
      } finally {
        set({ exporting: null });
      }
    },
  };
}
