/**
 * The statistics view's numbers (stats.overview): loaded when the view
 * opens and refreshed while it stays open, one request at a time (a slow
 * answer is never overtaken by a pile of newer requests).
 */
import type { StatsOverview } from '../../shared/stats.js';
import type { SliceKit } from './slice.js';

export interface OverviewState {
  overview: StatsOverview | null;
}

export interface OverviewActions {
  /** Asks for fresh numbers unless a request is already out. */
  loadOverview(): Promise<void>;
}

export function createOverviewSlice({ client, set, reportError }: SliceKit<OverviewState>): OverviewState & OverviewActions {
  let inFlight: Promise<void> | null = null;
  return {
    overview: null,
    loadOverview() {
      inFlight ??= client
        .invoke('stats.overview', {})
        .then((overview) => set({ overview }), reportError)
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
  };
}
