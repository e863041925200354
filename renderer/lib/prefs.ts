/**
 * The window's remembered choices (theme, intake options), in localStorage.
 * Reads never throw: storage may be disabled, full, or hold an old shape, and
 * a preference is never worth a broken window. Each caller validates what it
 * reads back.
 */
const PREFIX = 'quarry.';

export function readPref(key: string): unknown {
  try {
    const raw = window.localStorage.getItem(PREFIX + key);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return undefined;
  }
}

export function writePref(key: string, value: unknown): void {
  try {
    window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage refused (private mode, quota): the choice holds for this session only.
  }
}
