/**
 * The setting "notify me when a batch finishes": on unless turned off,
 * remembered in the window's preferences. In the browser the page shows the
 * notification; in Electron main does, and is told (renderer/platform/electron.ts).
 */
import { readPref, writePref } from '../lib/prefs.js';

const NOTIFY_PREF = 'notifyBatches';
const listeners = new Set<(on: boolean) => void>();

export function notificationsEnabled(): boolean {
  return readPref(NOTIFY_PREF) !== false;
}

export function setNotificationsEnabled(on: boolean): void {
  writePref(NOTIFY_PREF, on);
  for (const l of listeners) l(on);
}

export function onNotificationsSetting(listener: (on: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
