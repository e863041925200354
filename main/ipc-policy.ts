/**
 * Who may talk to main, and where the window may go: pure rules, no Electron
 * import, so they are unit-tested under plain Node.
 */
import { ContractError, type WireError } from '../shared/contract.js';

/** The renderer is served from this custom, privileged scheme (see protocol.ts). */
export const APP_SCHEME = 'quarry';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Only our own page, in the top frame, may call main. */
export function isTrustedSender(frame: { url: string; isTopFrame: boolean } | null | undefined): boolean {
  if (!frame || !frame.isTopFrame) return false;
  try {
    const u = new URL(frame.url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Navigation away from the app page is never allowed (links open nowhere). */
export function isAllowedNavigation(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * Links that may leave the app for the system browser: https only, to hosts
 * the app itself links to. Quarry's pages link nowhere outside today, so the
 * list is empty and every window.open is simply refused; extracted content
 * never decides what the OS opens (file:, smb:, custom handlers...).
 */
export const EXTERNAL_HOSTS: readonly string[] = [];

export function isAllowedExternalUrl(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password && u.port === '' && hosts.includes(u.hostname);
  } catch {
    return false;
  }
}

/** What crosses IPC: a value, or an error a program can test and a person can read. */
export type Envelope = { ok: true; value: unknown } | { ok: false; error: WireError };

export async function envelope(run: () => Promise<unknown>): Promise<Envelope> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    const e = err instanceof ContractError ? err : new ContractError('internal', (err as Error)?.message ?? String(err));
    return { ok: false, error: e.toWire() };
  }
}
