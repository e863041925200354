/**
 * The owner's remote-workers setting (`settings.remote`): kept in the job
 * database's settings beside `queue.paused`, so the desktop app and
 * `npm run serve` start with it and apply a change at once. The password
 * lives only in the saved URL; what goes back to a window never holds it.
 */
import { redisUrlProblem, type RemoteSettings, type RemoteSettingsInput } from '../../../shared/workers.js';
import { InvalidInputError } from '../errors.js';
import { redact } from './connection.js';

/** As saved: the URL with its password. */
export interface RemoteSetting {
  enabled: boolean;
  url: string;
  localThreads: boolean;
}

export const REMOTE_OFF: RemoteSetting = { enabled: false, url: '', localThreads: true };

/** A saved value read back (another version may have written it): anything odd reads as off. */
export function readSetting(raw: unknown): RemoteSetting {
  if (!raw || typeof raw !== 'object') return REMOTE_OFF;
  const r = raw as Partial<RemoteSetting>;
  const url = typeof r.url === 'string' && redisUrlProblem(r.url) === null ? r.url : '';
  return { enabled: r.enabled === true && url !== '', url, localThreads: r.localThreads !== false };
}

/** The saved setting with a change applied; refused when it would leave nothing to extract. */
export function applyInput(saved: RemoteSetting, input: RemoteSettingsInput): RemoteSetting {
  // Without a new URL the saved one is the base, less its password: otherwise the
  // password inside it would "win" and could never be forgotten.
  const url =
    input.url !== undefined || input.password !== undefined ? withPassword(input.url ?? withoutPassword(saved.url), input.password, saved.url) : saved.url;
  const next = { enabled: input.enabled ?? saved.enabled, url, localThreads: input.localThreads ?? saved.localThreads };
  if (next.enabled && !next.url) throw new InvalidInputError('Remote workers need a Redis URL (redis://host:6379).');
  if (!next.enabled && !next.localThreads) {
    throw new InvalidInputError("This machine's threads can be off only while remote workers are on: something has to extract.");
  }
  return next;
}

/** The setting as a window sees it: the URL without its password. */
export function settingView(s: RemoteSetting, active: string | undefined): RemoteSettings {
  const parsed = s.url ? new URL(s.url) : undefined;
  if (parsed) parsed.password = '';
  return {
    enabled: s.enabled,
    url: parsed ? parsed.toString().replace(/\/$/, '') : '',
    hasPassword: !!s.url && new URL(s.url).password !== '',
    localThreads: s.localThreads,
    active: active ? redact(active) : null,
  };
}

/**
 * The URL to save: `password` given (a string sets it, null or '' removes
 * it) or kept from the saved URL when absent and the server is the same one
 * (a password is never sent to another host). A password typed into the URL
 * itself wins.
 */
function withPassword(url: string, password: string | null | undefined, savedUrl: string): string {
  if (!url) return '';
  const u = new URL(url.trim());
  if (u.password) return u.toString();
  // The saved password belongs to the saved server: it is kept only while the host and port stay the same.
  const saved = savedUrl ? new URL(savedUrl) : undefined;
  const keep = saved && saved.host === u.host ? saved.password : '';
  const pass = password === undefined ? keep : (password ?? '');
  u.password = pass ? encodeURIComponent(pass) : '';
  return u.toString();
}

function withoutPassword(url: string): string {
  if (!url) return '';
  const u = new URL(url);
  u.password = '';
  return u.toString();
}
