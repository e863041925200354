import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useJobs } from '../../store/context.js';
import { Definitions } from './Definitions.js';
import { Schedules } from './Schedules.js';
import { WatchFolders } from './WatchFolders.js';

function plural(n: number | undefined, one: string, many: string): string {
  return n === undefined ? '' : `${n} ${n === 1 ? one : many}`;
}

/** Definitions, watch folders and schedules, behind a disclosure button (collapsed by default). */
export function AutomationPanel() {
  const [open, setOpen] = useState(false);
  const bodyId = useId();
  const [definitions, watches, schedules, load] = useJobs(
    useShallow((s) => [s.definitions?.length, s.watches?.length, s.schedules?.length, s.loadAutomation] as const),
  );
  const summary = [
    plural(definitions, 'definition', 'definitions'),
    plural(watches, 'watch folder', 'watch folders'),
    plural(schedules, 'schedule', 'schedules'),
  ]
    .filter(Boolean)
    .join(' · ');

  const toggle = () => {
    // Opening shows fresh lists (next run times move, another process may have changed them).
    if (!open) void load();
    setOpen(!open);
  };

  return (
    <section className={`panel automation-panel${open ? ' is-open' : ''}`} aria-labelledby={`${bodyId}-title`}>
      <div className="disclosure-head">
        <h2 id={`${bodyId}-title`}>
          <button type="button" className="disclosure" aria-expanded={open} aria-controls={bodyId} onClick={toggle}>
            <span className="disclosure-icon" aria-hidden="true">
              {open ? '▾' : '▸'}
            </span>
            Pipelines & automation
          </button>
        </h2>
        <span className="muted disclosure-summary">{summary}</span>
      </div>
      <div id={bodyId} className="automation-grid" hidden={!open}>
        <Definitions />
        <WatchFolders />
        <Schedules />
      </div>
    </section>
  );
}
