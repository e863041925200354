/**
 * Pipelines and automation: job definitions, watch folders and schedules.
 * None of them has an event, and none changes without a person's action
 * (or another process), so they are loaded at start and on resync, and
 * reloaded after each action here — never polled.
 */
import type { Output } from '../../shared/contract.js';
import type { SliceKit } from './slice.js';

export type Definition = Output<'definitions.list'>[number];
export type WatchFolder = Output<'watches.list'>[number];
export type Schedule = Output<'schedules.list'>[number];

export interface NewSchedule {
  name: string;
  cron: string;
  paths: string[];
  definition: string;
}

export interface AutomationState {
  /** null until loaded. */
  definitions: Definition[] | null;
  watches: WatchFolder[] | null;
  schedules: Schedule[] | null;
}

export interface AutomationActions {
  loadAutomation(): Promise<void>;
  /** Resolves true when added (the form then clears); failures go to the alert region. */
  addWatch(path: string, definition: string): Promise<boolean>;
  removeWatch(path: string): Promise<void>;
  addSchedule(schedule: NewSchedule): Promise<boolean>;
  setScheduleEnabled(name: string, enabled: boolean): Promise<void>;
  removeSchedule(name: string): Promise<void>;
  /** The native folder dialog (desktop only); null when cancelled or unavailable. */
  chooseFolder(): Promise<string | null>;
}

/** The definition jobs run when none is named. */
export const DEFAULT_DEFINITION = 'extract';

export function createAutomationSlice({ client, set, get, reportError }: SliceKit<AutomationState>): AutomationState & AutomationActions {
  /** Reloads one list; a failure is reported and leaves the list as it was. */
  const reload = async <K extends keyof AutomationState>(key: K, load: () => Promise<NonNullable<AutomationState[K]>>) => {
    try {
      set({ [key]: await load() } as Partial<AutomationState>);
    } catch (err) {
      reportError(err);
    }
  };
  const loadWatches = () => reload('watches', () => client.invoke('watches.list', {}));
  const loadSchedules = () => reload('schedules', () => client.invoke('schedules.list', {}));

  /** Runs an action, reports its failure, and reloads the list it changed either way. */
  const attempt = async (action: () => Promise<unknown>, after: () => Promise<void>): Promise<boolean> => {
    let ok = false;
    try {
      await action();
      ok = true;
    } catch (err) {
      reportError(err);
    }
    await after();
    return ok;
  };

  // The default definition is named explicitly only when another one is chosen.
  const definitionInput = (definition: string) => (definition && definition !== DEFAULT_DEFINITION ? { definition } : {});

  return {
    definitions: null,
    watches: null,
    schedules: null,

    async loadAutomation() {
      await Promise.all([reload('definitions', () => client.invoke('definitions.list', {})), loadWatches(), loadSchedules()]);
    },

    addWatch: (path, definition) => attempt(() => client.invoke('watches.add', { path, ...definitionInput(definition) }), loadWatches),

    removeWatch: async (path) => void (await attempt(() => client.invoke('watches.remove', { path }), loadWatches)),

    async addSchedule({ name, cron, paths, definition }) {
      // The engine answers a taken name with a raw database error; say it plainly instead.
      if (get().schedules?.some((s) => s.name === name)) {
        reportError(`A schedule named "${name}" already exists: remove it first, or choose another name.`);
        return false;
      }
      return attempt(() => client.invoke('schedules.add', { name, cron, paths, ...definitionInput(definition) }), loadSchedules);
    },

    async setScheduleEnabled(name, enabled) {
      // Shown at once (a checkbox must follow the click); the reload below has the last word.
      const schedules = get().schedules;
      if (schedules) set({ schedules: schedules.map((s) => (s.name === name ? { ...s, enabled } : s)) });
      await attempt(() => client.invoke('schedules.setEnabled', { name, enabled }), loadSchedules);
    },

    removeSchedule: async (name) => void (await attempt(() => client.invoke('schedules.remove', { name }), loadSchedules)),

    async chooseFolder() {
      try {
        return (await client.invoke('dialog.chooseFolder', {})).path;
      } catch (err) {
        reportError(err);
        return null;
      }
    },
  };
}
