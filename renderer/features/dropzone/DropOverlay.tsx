import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';
import { intakeSummary } from '../intake/IntakeSummary.js';
import { carriesFiles, intakeDrop } from './drop.js';

export const DROP_NAME = 'Drop files or folders here';

/**
 * The whole window is a drop target: while files are dragged over it, a
 * full-window overlay says what will happen (and with which options). A
 * drop outside the overlay never makes the window navigate to the file.
 */
export function DropOverlay() {
  const [intake, transport, options] = useJobs(useShallow((s) => [s.intake, s.app?.transport, s.intakeOptions] as const));
  const [dragging, setDragging] = useState(false);
  // dragenter/dragleave fire for every element crossed; count them to know when the drag really left.
  const depth = useRef(0);
  const latest = useRef({ intake, transport });
  latest.current = { intake, transport };

  useEffect(() => {
    const enter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      e.preventDefault(); // also for drags without files: never navigate to what is dropped
      if (carriesFiles(e) && e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth.current = 0;
      setDragging(false);
      if (e.dataTransfer && carriesFiles(e)) intakeDrop(e.dataTransfer, latest.current.transport, latest.current.intake);
    };
    const end = () => {
      depth.current = 0;
      setDragging(false);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    window.addEventListener('dragend', end);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
      window.removeEventListener('dragend', end);
    };
  }, []);

  if (!dragging) return null;
  return (
    <div role="region" aria-label={DROP_NAME} className="drop-overlay is-dragover">
      <div className="drop-target">
        <div className="drop-icon" aria-hidden="true">
          ⇣
        </div>
        <p className="drop-title">Release to add them</p>
        <p className="drop-hint">PDF, Office, spreadsheets, HTML, CSV, e-mail, CAD, archives… folders are walked.</p>
        <p className="drop-hint">New jobs: {intakeSummary(options)}</p>
      </div>
    </div>
  );
}
