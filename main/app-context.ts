/**
 * What the desktop app and the browser bridge share at start-up: the data
 * folder layout and the engine, opened the same way in both.
 */
import path from 'node:path';
import pkg from '../package.json';
import { Engine } from './core/engine.js';
import type { HostLauncher } from './core/host/launcher.js';
import type { RemoteOptions } from './core/remote/owner.js';

export const VERSION: string = pkg.version;

export interface AppPaths {
  dataDir: string;
  dbPath: string;
  intakeDir: string;
  exportsDir: string;
}

export function appPaths(dataDir: string, dbPath?: string): AppPaths {
  return {
    dataDir,
    dbPath: dbPath ?? path.join(dataDir, 'quarry.db'),
    intakeDir: path.join(dataDir, 'intake'),
    exportsDir: path.join(dataDir, 'exports'),
  };
}

/** `launcher`: how the extraction host starts (the desktop app passes a utility process; default a Node child process). */
/**
 * `remote`: extract on remote workers too (a Redis URL; see main/core/remote).
 * Without it, the saved setting (Settings, `settings.remote`) says, and can
 * change it while the app runs. QUARRY_WORKER_TOKEN turns on the file
 * endpoint for workers that cannot see this machine's paths.
 */
export function openEngine(paths: AppPaths, concurrency?: number, launcher?: HostLauncher, remote?: RemoteOptions): Engine {
  const token = process.env.QUARRY_WORKER_TOKEN;
  return new Engine({
    dbPath: paths.dbPath,
    concurrency,
    background: true,
    spoolRoot: path.join(paths.dataDir, 'spool'),
    exportsDir: paths.exportsDir,
    ...(launcher ? { pool: { launcher } } : {}),
    ...(remote ? { remote } : { remoteFromSettings: true, ...(token ? { remoteDefaults: { files: { token } } } : {}) }),
  }).start();
}
