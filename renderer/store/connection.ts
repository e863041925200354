/**
 * The dashboard's link to the engine: subscribing to its pushed events
 * (start), loading everything (refresh: at start, on resync, after a batch is
 * paused, and once for a burst of jobs.added), the app info, the engine
 * switches the app info carries (concurrency, pause), and whether the engine
 * can be reached at all (link).
 */
import type { LinkState, Output } from '../../shared/contract.js';
import type { AutomationActions } from './automation.js';
import type { FrameBatcher } from './event-batch.js';
import type { SliceKit } from './slice.js';

export type AppInfo = Output<'app.info'>;

export interface ConnectionState {
  ready: boolean;
  app: AppInfo | null;
  /** Whether the engine can be reached (the browser version's server may stop); the banner reads it. */
  link: LinkState;
}

export interface ConnectionActions {
  /** Subscribes to events and loads everything; returns the unsubscribe. */
  start(): () => void;
  refresh(): Promise<void>;
  setConcurrency(n: number): Promise<void>;
  setPaused(paused: boolean): Promise<void>;
}

/** A large intake announces itself once ('jobs.added'); reloads for a burst of them are merged. */
const RELOAD_DELAY_MS = 250;

/** How long the first load waits for the event stream to open (its open loads everything): about one frame's worth of a busy server. */
const FIRST_OPEN_WAIT_MS = 150;

/** A part of the store refresh reloads: asked for at once; the step it returns applies the answer. */
export type Load = () => Promise<() => void>;

/** How the connection reaches the other slices. */
export interface ConnectionWiring {
  /** Where pushed job and stats events go, to be folded into the store once per frame. */
  feed: FrameBatcher;
  /** The parts refresh reloads besides the app info (counts, table, batches), in the order their answers apply. */
  loads: readonly Load[];
  /** Told of each stats.changed event as it arrives (counts.ts). */
  statsPushed(): void;
  /** Stops what the slices run on their own (batch progress requests). */
  dispose(): void;
}

export function createConnectionSlice(
  { client, set, get, reportError }: SliceKit<ConnectionState & ConnectionActions & Pick<AutomationActions, 'loadAutomation'>>,
  { feed, loads, statsPushed, dispose }: ConnectionWiring,
): ConnectionState & ConnectionActions {
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const reloadSoon = () => {
    reloadTimer ??= setTimeout(() => {
      reloadTimer = undefined;
      void get().refresh();
    }, RELOAD_DELAY_MS);
  };

  const loadApp: Load = async () => {
    const app = await client.invoke('app.info', {});
    return () => set({ app });
  };

  return {
    ready: false,
    app: null,
    link: 'up',

    start() {
      const offs = [
        client.on('job.changed', (j) => feed.jobChanged(j)),
        client.on('jobs.changed', (jobs) => jobs.forEach((j) => feed.jobChanged(j))),
        client.on('job.removed', (r) => feed.jobRemoved(r)),
        client.on('job.progress', (p) => feed.jobProgress(p)),
        client.on('stats.changed', (s) => {
          statsPushed();
          feed.statsChanged(s);
        }),
        // A large intake comes as one event instead of one per job: reload the windows.
        client.on('jobs.added', () => reloadSoon()),
        // Paused or resumed elsewhere (another window, `quarry pause`): the banner and the button follow.
        client.on('engine.changed', (sw) => set((s) => (s.app ? { app: { ...s.app, ...sw } } : {}))),
      ];
      const transport = client.transport;
      if (transport.onLink) offs.push(transport.onLink((link) => set({ link })));
      const loadAll = () => {
        void get().refresh();
        void get().loadAutomation();
      };
      let firstLoad: ReturnType<typeof setTimeout> | undefined;
      if (transport.onResync) {
        // Every open of the event stream reloads (events may have been missed). The first open
        // is also the first load: loading before it would have to be done again (the stream
        // might open after the answers were read), which doubled every query of an opening.
        // A busy server may be slow to open it: the window then loads at once rather than wait
        // (and loads again when it opens; rows whose job did not change keep their object, so
        // that second load re-renders none of them: table.ts).
        offs.push(
          transport.onResync(() => {
            clearTimeout(firstLoad);
            firstLoad = undefined;
            loadAll();
          }),
        );
        firstLoad = setTimeout(loadAll, FIRST_OPEN_WAIT_MS);
      } else loadAll();
      return () => {
        for (const off of offs) off();
        feed.dispose();
        dispose();
        clearTimeout(reloadTimer);
        clearTimeout(firstLoad);
      };
    },

    async refresh() {
      // Each part on its own: one failing channel must not blank the others.
      // All are asked for now and applied together, once every one has answered.
      const answers = await Promise.allSettled([loadApp, ...loads].map((load) => load()));
      set({ ready: true });
      for (const a of answers) if (a.status === 'fulfilled') a.value();
      for (const a of answers) if (a.status === 'rejected') reportError(a.reason);
    },

    async setConcurrency(n) {
      try {
        const { concurrency } = await client.invoke('engine.setConcurrency', { concurrency: n });
        set((s) => (s.app ? { app: { ...s.app, concurrency } } : {}));
      } catch (err) {
        reportError(err);
      }
    },

    async setPaused(paused) {
      try {
        const res = paused ? await client.invoke('engine.pause', {}) : await client.invoke('engine.resume', {});
        set((s) => (s.app ? { app: { ...s.app, paused: res.paused } } : {}));
      } catch (err) {
        reportError(err);
      }
    },
  };
}
