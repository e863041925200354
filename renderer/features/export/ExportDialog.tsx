import { useRef } from 'react';
import { ExportPanel } from './ExportPanel.js';

/**
 * "Export" in the toolbar opens the export panel in a modal dialog (native
 * <dialog>: focus is trapped, Escape closes it, focus returns to the button).
 * The panel's content is its own; this only mounts it.
 */
export function ExportButton() {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button type="button" aria-haspopup="dialog" onClick={() => dialog.current?.showModal()}>
        Export
      </button>
      <dialog ref={dialog} className="dialog export-dialog" aria-label="Export results">
        <ExportPanel />
        <div className="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
