import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { JobsActions, JobsState, JobsStore } from './jobs.js';

export const StoreContext = createContext<JobsStore | null>(null);

export function StoreProvider({ store, children }: { store: JobsStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** Selects from the dashboard store; pair with useShallow when selecting several fields. */
export function useJobs<T>(selector: (s: JobsState & JobsActions) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useJobs outside <StoreProvider>');
  return useStore(store, selector);
}
