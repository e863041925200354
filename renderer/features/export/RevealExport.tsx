/**
 * "Show in folder" for an export just written (the desktop app: main finds
 * the file by the export's id, never by a path from the window). A failure
 * is said where the caller shows its notes.
 */
import { platform } from '../../platform/index.js';

export function RevealExport({ exportId, fileName, onNote }: { exportId: string | undefined; fileName: string; onNote: (text: string) => void }) {
  const p = platform();
  if (!exportId || !p.can.reveal) return null;
  return (
    <button
      type="button"
      aria-label={`Show the export ${fileName} in its folder`}
      title="Show the export in the file manager"
      onClick={() => {
        onNote('');
        p.revealExport(exportId).catch((err: unknown) => onNote(`Could not show the export: ${err instanceof Error ? err.message : String(err)}`));
      }}
    >
      Show in folder
    </button>
  );
}
