/**
 * The Workers view's list (workers.list): loaded when the view opens and
 * refreshed while it stays open, one request at a time. And the setting that
 * turns remote workers on (settings.remote), which the Settings view edits.
 */
import type { RemoteSettings, RemoteSettingsInput, WorkersList } from '../../shared/workers.js';
import type { SliceKit } from './slice.js';

export interface WorkersState {
  workers: WorkersList | null;
  /** The remote-workers setting as saved and applied (never with its password); null until loaded. */
  remoteSettings: RemoteSettings | null;
}

export interface WorkersActions {
  /** Asks for the list again unless a request is already out. */
  loadWorkers(): Promise<void>;
  /** True when the setting was read; a failure is reported as any other. */
  loadRemoteSettings(): Promise<boolean>;
  /** Saves and applies a change: null when done, or why it was refused (shown beside the field). */
  saveRemoteSettings(change: RemoteSettingsInput): Promise<string | null>;
}

export function createWorkersSlice({ client, set, reportError }: SliceKit<WorkersState>): WorkersState & WorkersActions {
  let inFlight: Promise<void> | null = null;
  return {
    workers: null,
    remoteSettings: null,
    loadRemoteSettings() {
      return client.invoke('settings.remote', {}).then(
        (remoteSettings) => (set({ remoteSettings }), true),
        (err: unknown) => (reportError(err), false),
      );
    },
    saveRemoteSettings(change) {
      return client.invoke('settings.remote', change).then(
        (remoteSettings) => {
          set({ remoteSettings });
          return null;
        },
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
    },
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
