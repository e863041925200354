import { useEffect } from 'react';
import { useJobs } from '../../store/context.js';
import { Definitions } from './Definitions.js';
import { Schedules } from './Schedules.js';
import { WatchFolders } from './WatchFolders.js';

/** Pipelines, watch folders and schedules: their own place, loaded fresh on arrival. */
export function AutomationView() {
  const load = useJobs((s) => s.loadAutomation);
  // Next run times move, another process may have changed them.
  useEffect(() => void load(), [load]);
  return (
    <section className="view automation-view" aria-labelledby="automation-title">
      <h2 id="automation-title" className="view-title">
        Pipelines & automation
      </h2>
      <div className="automation-grid">
        <Definitions />
        <WatchFolders />
        <Schedules />
      </div>
    </section>
  );
}
