/**
 * Exporting results: where the file goes (a folder the person chooses in the
 * desktop app; the data folder's exports/ and then a download in the
 * browser), which export runs now, and the report of the last one.
 */
import type { ExportFormat } from '../../shared/contract.js';
import type { ConnectionState } from './connection.js';
import type { SliceKit } from './slice.js';

export interface ExportReport {
  format: ExportFormat;
  jobs: number;
  fileName: string;
  /** Where it was written: a folder path (desktop) or "downloads" (browser). */
  file: string;
  downloaded: boolean;
}

export interface ExportState {
  exporting: ExportFormat | null;
  lastExport: ExportReport | null;
}

export interface ExportActions {
  exportResults(format: ExportFormat): Promise<void>;
}

export function createExportSlice({ client, set, get, reportError }: SliceKit<ExportState & Pick<ConnectionState, 'app'>>): ExportState & ExportActions {
  return {
    exporting: null,
    lastExport: null,

    async exportResults(format) {
      if (get().exporting) return;
      set({ exporting: format });
      try {
        const app = get().app;
        let report: ExportReport;
        if (app?.canChooseFolder) {
          const { handle } = await client.invoke('dialog.chooseFolder', {});
          if (!handle) return; // the person cancelled the dialog
          const r = await client.invoke('results.export', { format, folder: handle });
          report = { format, jobs: r.jobs, fileName: r.fileName, file: r.file, downloaded: false };
        } else {
          const r = await client.invoke('results.export', { format });
          const download = client.transport.download;
          if (download) await download.call(client.transport, r.fileName);
          report = { format, jobs: r.jobs, fileName: r.fileName, file: r.file, downloaded: Boolean(download) };
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
