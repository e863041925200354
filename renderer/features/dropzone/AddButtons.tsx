import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';

/** "Add files" and "Add folder": the toolbar's way in besides a drop. */
export function AddButtons() {
  const [intake, busy] = useJobs(useShallow((s) => [s.intake, s.intakeBusy] as const));
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // Not in React's typings; Chromium and Electron both support it.
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, []);

  const onPicked = (input: HTMLInputElement | null) => {
    if (!input?.files?.length) return;
    const files = Array.from(input.files);
    input.value = ''; // so choosing the same files again still fires change
    void intake(files);
  };

  return (
    <div className="add-buttons" role="group" aria-label="Add work" aria-busy={busy !== null}>
      <button
        type="button"
        className="primary"
        disabled={busy !== null}
        title="Add files (or drop them anywhere in the window)"
        onClick={() => filesInput.current?.click()}
      >
        Add files
      </button>
      <button type="button" disabled={busy !== null} title="Add a folder: its files are walked" onClick={() => folderInput.current?.click()}>
        Add folder
      </button>
      <input ref={filesInput} type="file" multiple hidden aria-label="Files to add" onChange={(e) => onPicked(e.currentTarget)} />
      <input ref={folderInput} type="file" multiple hidden aria-label="Folder to add" onChange={(e) => onPicked(e.currentTarget)} />
    </div>
  );
}
