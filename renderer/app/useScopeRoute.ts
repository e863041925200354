/**
 * Keeps the jobs list's batch scope and the URL in step: #/batches/<id> shows
 * that batch's files; leaving it shows every file again. The route drives the
 * scope when it changes (a link, Back, a reload); a scope changed from inside
 * the page ("Show files of…", "Show all jobs") moves the route along.
 */
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { jobName } from '../lib/job-view.js';
import { useJobs } from '../store/context.js';
import { navigate, type Route } from '../store/route.js';

export function useScopeRoute(route: Route): void {
  const [parentId, showChildren, batchJobs] = useJobs(useShallow((s) => [s.parent?.id ?? null, s.showChildren, s.batchView.jobs] as const));
  const synced = useRef<string | null | undefined>(undefined);
  const wanted = route.view === 'batches' && route.id ? route.id : null;

  useEffect(() => {
    if (wanted !== synced.current) {
      synced.current = wanted;
      const batch = wanted ? batchJobs[wanted] : undefined;
      if (parentId !== wanted) showChildren(wanted ? { id: wanted, name: batch ? jobName(batch) : 'this batch' } : null);
    } else if (parentId !== wanted) {
      synced.current = parentId;
      navigate(parentId ? { view: 'batches', id: parentId } : { view: 'batches' });
    }
    // batchJobs only names the batch: a change of it alone must not re-scope.
  }, [wanted, parentId, showChildren]);
}
