/**
 * Where Quarry keeps its data by default: the same folder Electron uses as
 * the app's userData, so the desktop app and the CLI share one job store.
 */
import { homedir } from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.QUARRY_HOME) return path.resolve(env.QUARRY_HOME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'Quarry');
  if (platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'Quarry');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'Quarry');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.QUARRY_DB ? path.resolve(env.QUARRY_DB) : path.join(defaultDataDir(env), 'quarry.db');
}

/**
 * Where a database's jobs keep their files (archive entries, attachments, the
 * full text of large files), one folder per job id: spool/ beside the database.
 */
export function spoolRootFor(dbPath: string): string {
  return path.join(path.dirname(path.resolve(dbPath)), 'spool');
}

/** A job's own folder under the spool root; it goes when the job does. */
export function jobSpoolDir(spoolRoot: string, jobId: string): string {
  return path.join(spoolRoot, jobId);
}
