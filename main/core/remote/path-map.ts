/**
 * `--map FROM=TO`: the owner's path FROM is TO on this worker (a network
 * share mounted in different places). The first matching prefix wins, and a
 * prefix matches whole path components only ("/srv/share" maps
 * "/srv/share/a.pdf", never "/srv/shared/a.pdf").
 */
import path from 'node:path';
import { InvalidInputError } from '../errors.js';

export interface PathMapping {
  from: string;
  to: string;
}

export function parseMapping(spec: string): PathMapping {
  const eq = spec.indexOf('=');
  const from = spec.slice(0, eq);
  const to = spec.slice(eq + 1);
  if (eq <= 0 || !to || !path.isAbsolute(to)) throw new InvalidInputError(`--map takes FROM=TO with an absolute TO (got "${spec}").`);
  return { from: trimSep(from), to: trimSep(to) };
}

function trimSep(p: string): string {
  return p.length > 1 && /[\\/]$/.test(p) ? p.slice(0, -1) : p;
}

function under(p: string, prefix: string): string | undefined {
  if (p === prefix) return '';
  if (p.startsWith(prefix) && (p[prefix.length] === '/' || p[prefix.length] === '\\')) return p.slice(prefix.length);
  return undefined;
}

/** The owner's path as this worker sees it. */
export function toLocal(p: string, maps: readonly PathMapping[]): string {
  for (const m of maps) {
    const rest = under(p, m.from);
    if (rest !== undefined) return m.to + rest;
  }
  return p;
}

/** A path this worker wrote, as the owner sees it (the inverse mapping). */
export function toOwner(p: string, maps: readonly PathMapping[]): string {
  for (const m of maps) {
    const rest = under(p, m.to);
    if (rest !== undefined) return m.from + rest;
  }
  return p;
}
