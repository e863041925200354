import { useEffect, useRef } from 'react';
import { ExportPanel } from './ExportPanel.js';

/**
 * "Export" in the toolbar opens the export panel in a modal dialog (native
 * <dialog>: focus is trapped, Escape closes it, focus returns to the button).
 * The panel's content is its own; this only mounts it.
 */
const OPEN_EVENT = 'quarry:export';

/** Opens the export dialog from elsewhere (the desktop app's File > Export… menu). */
export function openExport(): void {
  window.dispatchEvent(new Event(OPEN_EVENT));
}

export function ExportButton() {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const open = () => dialog.current?.open || dialog.current?.showModal();
    window.addEventListener(OPEN_EVENT, open);
    return () => window.removeEventListener(OPEN_EVENT, open);
  }, []);
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
