/**
 * Picks the desktop platform (shared/platform.ts) once, at start: Electron
 * when the preload is there (window.quarry), the browser otherwise. The
 * window's buttons ask `platform()` what it can do and call it.
 */
import type { Client } from '../../shared/client.js';
import type { PlatformActions } from '../../shared/platform.js';
import type { JobsStore } from '../store/jobs.js';
import { browserPlatform, followStore } from './browser.js';
import { electronPlatform, installElectron } from './electron.js';

let current: PlatformActions | undefined;

export function installPlatform(client: Client, store: JobsStore): PlatformActions {
  if (client.transport.kind === 'electron') {
    current = electronPlatform(client);
    installElectron(client, store);
  } else {
    const browser = browserPlatform();
    followStore(store, browser);
    current = browser;
  }
  return current;
}

/** The platform installed at start (the browser's before that: tests render parts without a start). */
export function platform(): PlatformActions {
  return (current ??= browserPlatform());
}
