/**
 * What lets an open browser tab outlive a restart of `quarry serve`: the
 * bridge's token and port, kept in the data folder (bridge.json, readable by
 * the user only). The next start reuses them, so the tab's cookie is still
 * valid and its address still answers; the page reconnects by itself.
 *
 * A file anyone else could read (looser mode, another owner) is not trusted:
 * a fresh token replaces it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const IDENTITY_FILE = 'bridge.json';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface BridgeIdentity {
  token: string;
  /** The port last listened on (0: none yet). */
  port: number;
}

/** Only the owner may read it (POSIX); Windows has no mode bits to check. */
function privateToUser(file: string): boolean {
  const st = lstatSync(file);
  if (!st.isFile()) return false;
  if (process.platform === 'win32') return true;
  return (st.mode & 0o077) === 0 && (process.getuid === undefined || st.uid === process.getuid());
}

/** The identity kept in `dataDir`, or a new one (not yet saved) when there is none or it is not to be trusted. */
export function loadIdentity(dataDir: string): BridgeIdentity {
  const file = path.join(dataDir, IDENTITY_FILE);
  try {
    if (privateToUser(file)) {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<BridgeIdentity>;
      if (typeof raw.token === 'string' && TOKEN.test(raw.token)) {
        const port = Number.isInteger(raw.port) && raw.port! > 0 && raw.port! < 65536 ? raw.port! : 0;
        return { token: raw.token, port };
      }
    }
  } catch {
    // Missing or unreadable: a new identity.
  }
  return { token: randomBytes(32).toString('base64url'), port: 0 };
}

/** Writes it with mode 0600, atomically (a crash never leaves half a file). */
export function saveIdentity(dataDir: string, identity: BridgeIdentity): void {
  const file = path.join(dataDir, IDENTITY_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(identity) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask cannot loosen it, but an existing tmp could have another mode
  renameSync(tmp, file);
}
