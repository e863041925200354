import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useJobs } from '../../store/context.js';
import { entriesOf, walkEntries } from './walk.js';

const ZONE_NAME = 'Drop files or folders here';

export function DropZone() {
  const intake = useJobs((s) => s.intake);
  const busy = useJobs((s) => s.intakeBusy);
  const kind = useJobs((s) => s.app?.transport);
  const [dragOver, setDragOver] = useState(false);
  // dragenter/dragleave fire for every child crossed; count them to know when we really left.
  const depth = useRef(0);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // Not in React's typings; Chromium and Electron both support it.
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, []);

  const onDragEnter = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    depth.current++;
    setDragOver(true);
  };
  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragOver(false);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    depth.current = 0;
    setDragOver(false);
    if (kind === 'electron') {
      // Electron knows the path of a dropped folder too; the engine expands it.
      void intake(Array.from(e.dataTransfer.files));
      return;
    }
    const { entries, loose } = entriesOf(e.dataTransfer); // synchronously, before the drop ends
    void walkEntries(entries).then(({ files, rejected }) => intake([...loose, ...files], rejected));
  };

  const onPicked = (input: HTMLInputElement | null) => {
    if (!input?.files?.length) return;
    const files = Array.from(input.files);
    input.value = ''; // so choosing the same files again still fires change
    void intake(files);
  };

  return (
    <section
      role="region"
      aria-label={ZONE_NAME}
      aria-busy={busy !== null}
      className={`dropzone${dragOver ? ' is-dragover' : ''}`}
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <div className="dropzone-icon" aria-hidden="true">
        ⇣
      </div>
      <p className="dropzone-title">{dragOver ? 'Release to add them' : (busy ?? ZONE_NAME)}</p>
      <p className="dropzone-hint">PDF, Office, spreadsheets, HTML, CSV, e-mail, CAD, archives… folders are walked.</p>
      <div className="dropzone-actions">
        <button type="button" className="primary" disabled={busy !== null} onClick={() => filesInput.current?.click()}>
          Choose files
        </button>
        <button type="button" disabled={busy !== null} onClick={() => folderInput.current?.click()}>
          Choose folder
        </button>
      </div>
      <input ref={filesInput} type="file" multiple hidden aria-label="Files to add" onChange={(e) => onPicked(e.currentTarget)} />
      <input ref={folderInput} type="file" multiple hidden aria-label="Folder to add" onChange={(e) => onPicked(e.currentTarget)} />
    </section>
  );
}
