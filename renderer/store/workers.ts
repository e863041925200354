/**
 * The Workers view's list (workers.list): loaded when the view opens and
 * refreshed while it stays open, one request at a time.
 */
import type { WorkersList } from '../../shared/workers.js';
import type { SliceKit } from './slice.js';

export interface WorkersState {
  workers: WorkersList | null;
}

export interface WorkersActions {
  /** Asks for the list again unless a request is already out. */
  loadWorkers(): Promise<void>;
}

export function createWorkersSlice({ client, set, reportError }: SliceKit<WorkersState>): WorkersState & WorkersActions {
  let inFlight: Promise<void> | null = null;
  return {
    workers: null,
    loadWorkers() {
      inFlight ??= client
        .invoke('workers.list', {})
        .then((workers) => set({ workers }), reportError)
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
  };
}
