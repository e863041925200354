/**
 * Names from untrusted sources (archive entries, attachments, uploaded file
 * names, the source names the export step writes beside) made safe as path
 * components on every OS: no "..", drive letters or separators, no control,
 * bidi or reserved characters, no reserved Windows names, and short enough
 * for any file system once a suffix is added. Workers and main use this one
 * set of rules.
 */
import path from 'node:path';

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
/** C0 and C1 controls, path separators (a component is one name), and the characters Windows refuses in a name. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f<>:"|?*\\/]/g;
/**
 * Bidi controls make "evil\u202Etxt.exe" read as "evilexe.txt"; invisible,
 * so dropped rather than replaced.
 */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** In characters, as the UI shows them. */
export const MAX_COMPONENT_CHARS = 120;
/**
 * In UTF-8 bytes: file systems cap a name at 255 bytes, and callers add a
 * suffix (" (2)", ".<job id>.json", ".<pid>.tmp") after sanitising.
 */
export const MAX_COMPONENT_BYTES = 200;
const MAX_DEPTH = 16;

const fits = (s: string) => s.length <= MAX_COMPONENT_CHARS && Buffer.byteLength(s) <= MAX_COMPONENT_BYTES;

/** Shortens a name by code points from the end of its stem, keeping (a short) extension. */
function capLength(s: string): string {
  if (fits(s)) return s;
  const fullExt = path.extname(s);
  const ext = fits(fullExt) && fullExt.length <= 16 ? fullExt : '';
  const stem = Array.from(s.slice(0, s.length - fullExt.length));
  while (stem.length && !fits(stem.join('') + ext)) stem.pop();
  return stem.join('') + ext;
}

/** One safe path component ('' when nothing usable is left). */
export function sanitizeComponent(raw: string): string {
  const dropTrailing = (x: string) => x.replace(/[. ]+$/, ''); // Windows drops trailing dots and spaces
  let s = dropTrailing(raw.normalize('NFC').replace(BIDI, '').replace(UNSAFE, '_').trim());
  if (s === '' || /^\.+$/.test(s)) return '';
  if (RESERVED.test(s)) s = `_${s}`;
  return dropTrailing(capLength(s));
}

/** A relative, sanitised path ('/'-separated) for an untrusted name ("../../etc/passwd" -> "etc/passwd"). */
export function sanitizeRelative(name: string, fallback = 'unnamed'): string {
  const parts = name
    .split(/[\\/]+/)
    .map(sanitizeComponent)
    .filter(Boolean);
  if (parts.length > MAX_DEPTH) parts.splice(0, parts.length - MAX_DEPTH);
  return parts.length ? parts.join('/') : fallback;
}
