/**
 * Exporting results: what is exported (what the person is looking at: the
 * search's query, or the list's status filter and batch; the rows selected;
 * or everything), where the file goes (a folder the person chooses in the
 * desktop app; the data folder's exports/ and then a download in the
 * browser), which export runs now, and the report of the last one.
 */
import type { ExportFormat } from '../../shared/contract.js';
import type { ExportFilter } from '../../shared/export-filter.js';
import { MAX_EXPORT_IDS } from '../../shared/export-filter.js';
import type { ConnectionState } from './connection.js';
import type { Route } from './route.js';
import type { SliceKit } from './slice.js';
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
}

export interface ExportState {
  exporting: ExportFormat | null;
  lastExport: ExportReport | null;
}

export interface ExportActions {
  exportResults(format: ExportFormat, scope?: ExportScope): Promise<void>;
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
 * or the jobs list with its status filter and batch. Null when that is
 * everything (nothing narrows it).
 */
export function viewScope(table: Pick<TableState, 'view' | 'parent'>, route: Route): ExportScope | null {
  const q = route.params.q?.trim();
  if (route.view === 'search' && q) {
    const format = route.params.format as ExportFilter['format'] | undefined;
    return {
      filter: { query: q, ...(format ? { format } : {}) },
      label: `Files matching “${q}”${format ? ` (${format})` : ''}`,
    };
  }
  // The list's view (renderer/store/list-view.ts), as far as an export's filter can say it:
  // one status and one format at most (a view of several offers no "view" scope).
  const f = table.view.filter;
  if ((f.status?.length ?? 0) > 1 || (f.format?.length ?? 0) > 1) return null;
  const filter: ExportFilter = {};
  const parts: string[] = [];
  const status = f.status?.[0];
  if (status) {
    filter.status = status;
    parts.push(`${STATUS_LABEL[status] ?? status} files`);
  }
  const format = f.format?.[0];
  if (format) {
    filter.format = format;
    parts.push(parts.length ? `in ${format.toUpperCase()}` : `${format.toUpperCase()} files`);
  }
  if (table.parent) {
    filter.batch = table.parent.id;
    parts.push(`${parts.length ? 'in' : 'Files in'} batch ${table.parent.name}`);
  }
  if (f.text) {
    filter.search = f.text;
    parts.push(`${parts.length ? 'matching' : 'Files matching'} “${f.text}”`);
  }
  if (f.createdFrom !== undefined || f.createdTo !== undefined) {
    if (f.createdFrom !== undefined) filter.createdFrom = f.createdFrom;
    if (f.createdTo !== undefined) filter.createdTo = f.createdTo;
    parts.push(`${parts.length ? 'added' : 'Files added'} in the chosen dates`);
  }
  return parts.length ? { filter, label: parts.join(' ') } : null;
}

/** The selected rows, when there are some. */
export function selectionScope(selection: ReadonlySet<string>): ExportScope | null {
  if (!selection.size) return null;
  const ids = [...selection].slice(0, MAX_EXPORT_IDS);
  return { filter: { ids }, label: `The ${ids.length} selected file${ids.length === 1 ? '' : 's'}` };
}

export function createExportSlice({ client, set, get, reportError }: SliceKit<ExportState & Pick<ConnectionState, 'app'>>): ExportState & ExportActions {
  return {
    exporting: null,
    lastExport: null,

    async exportResults(format, scope = EVERYTHING) {
      if (get().exporting) return;
      set({ exporting: format });
      try {
        const app = get().app;
        const filter = Object.keys(scope.filter).length ? { filter: scope.filter } : {};
        let report: ExportReport;
        if (app?.canChooseFolder) {
          const { handle } = await client.invoke('dialog.chooseFolder', {});
          if (!handle) return; // the person cancelled the dialog
          const r = await client.invoke('results.export', { format, folder: handle, ...filter });
          report = { format, jobs: r.jobs, fileName: r.fileName, file: r.file, downloaded: false, scope: scope.label };
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
