/**
 * Does this worker see the owner's spool folder? A folder at the same (or
 * mapped) path proves nothing: another machine may have a folder of its own
 * there (the same home directory layout, an unmounted share's empty mount
 * point), and what a worker wrote into it would never reach the owner. The
 * owner puts a marker file with a random name in its spool root and names it
 * in every task; a worker sees the spool only when it finds that file.
 */
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/** A marker's name: nothing else is ever looked up on a task's word. */
export const SPOOL_MARKER_PATTERN = /^\.quarry-spool-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Owner side: the marker, placed in the spool root; `remove` when the owner stops. */
export function placeSpoolMarker(spoolRoot: string): { name: string; remove: () => void } {
  const name = `.quarry-spool-${randomUUID()}`;
  const file = path.join(spoolRoot, name);
  writeFileSync(file, 'Quarry: a worker that finds this file sees the owner’s spool folder.\n');
  return { name, remove: () => rmSync(file, { force: true }) };
}

/** Markers found lately (a stat per file saved), and when: a share unmounted since is noticed within SEEN_MS. */
const seen = new Map<string, number>();
const SEEN_MS = 5000;

/**
 * Worker side: whether the folder holding `localSpoolDir` (a job's spool
 * folder as this worker sees it) is the owner's spool root. Without a marker
 * (an owner from before markers), a folder there is taken as it.
 */
export async function seesSpool(localSpoolDir: string, marker: string | undefined): Promise<boolean> {
  const root = path.dirname(localSpoolDir);
  if (marker === undefined) return isDirectory(root);
  if (!SPOOL_MARKER_PATTERN.test(marker)) return false;
  const key = path.join(root, marker);
  if (Date.now() - (seen.get(key) ?? -Infinity) < SEEN_MS) return true;
  const found = await stat(key).then(
    (s) => s.isFile(),
    () => false,
  );
  if (found) seen.set(key, Date.now());
  else seen.delete(key);
  return found;
}

function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
