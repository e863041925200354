import { useEffect, useId, useRef, useState } from 'react';
import { useJobs } from '../../store/context.js';
import { FAILURE_ACTION_LABEL } from '../../lib/batch-view.js';
import type { IntakeOptions as Options } from '../../store/intake.js';
import { IntakeOptions } from './IntakeOptions.js';

/** "extract · on failure: continue": what new files are queued with, in a line. */
export function intakeSummary(o: Options): string {
  const policy =
    o.failureAction === 'stop_all' && o.maxChildFailures > 0
      ? `stop all after ${o.maxChildFailures} failures`
      : FAILURE_ACTION_LABEL[o.failureAction].toLowerCase();
  return `${o.definition} · on failure: ${policy}`;
}

/**
 * The intake options as a one-line summary in the toolbar; the button opens
 * a small popover to change them (remembered across sessions by the store).
 */
export function IntakeSummary() {
  const options = useJobs((s) => s.intakeOptions);
  const [open, setOpen] = useState(false);
  const popId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    // Closes on Escape (focus back to the button) and on a click elsewhere.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  const summary = intakeSummary(options);
  return (
    <div className="intake-summary-wrap" ref={root}>
      <button
        ref={button}
        type="button"
        className="intake-summary-button"
        aria-expanded={open}
        aria-controls={popId}
        aria-label={`Options for new files: ${summary}`}
        title="How new files are queued: pipeline and failure policy"
        onClick={() => setOpen(!open)}
      >
        <span className="muted">New jobs:</span> {summary} <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div id={popId} className="popover intake-popover">
          <IntakeOptions />
          <div className="popover-actions">
            <button type="button" className="small" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
