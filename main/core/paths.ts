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
