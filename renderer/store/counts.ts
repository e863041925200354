/**
 * The sidebar's status and format counts (jobs.stats). The engine pushes stats.changed
 * after every change, the last one included, so pushed counts are the ones
 * that settle; a jobs.stats reply from a reload fills in only when no push
 * arrived after it was asked for.
 */
import type { JobStats } from '../../shared/job.js';
import type { EventBatch } from './event-batch.js';
import type { SliceKit } from './slice.js';

export interface CountsState {
  stats: JobStats | null;
}

export interface CountsSlice {
  slice: CountsState;
  /** Called for each stats.changed event as it arrives, before it waits for its frame. */
  pushed(): void;
  /** Asks for the counts now; the returned step sets them (refresh runs it once every part has answered). */
  load(): Promise<() => void>;
  /** One frame of events: its last pushed counts. */
  fold(frame: EventBatch): Partial<CountsState>;
}

export function createCountsSlice({ client, set }: Pick<SliceKit<CountsState>, 'client' | 'set'>): CountsSlice {
  /**
   * Counts pushed stats events. A jobs.stats reply asked for before the
   * latest push may be older than it (the reply waits for the lists fetched
   * with it) and must not overwrite it: after the last change the engine
   * always pushes once more, so the pushed counts are the ones that settle.
   */
  let pushes = 0;
  return {
    slice: { stats: null },

    pushed() {
      pushes++;
    },

    async load() {
      const asked = pushes;
      const stats = await client.invoke('jobs.stats', {});
      return () => {
        if (asked === pushes) set({ stats });
      };
    },

    fold: (frame) => (frame.stats ? { stats: frame.stats } : {}),
  };
}
