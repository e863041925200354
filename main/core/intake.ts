/**
 * Intake: turns what a person dropped (files and folders) into new jobs, and
 * says what was rejected and why. Folders are walked recursively; symbolic
 * links are not followed (a link loop must not hang intake).
 */
import { constants } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { NewJob } from './store/job-store.js';

export interface Rejected {
  path: string;
  reason: string;
}

export interface IntakeResult {
  files: NewJob[];
  rejected: Rejected[];
}

export async function expandPaths(inputs: readonly string[]): Promise<IntakeResult> {
  const files: NewJob[] = [];
  const rejected: Rejected[] = [];
  const seen = new Set<string>();
  const addFile = (abs: string, size: number) => {
    if (seen.has(abs)) return;
    seen.add(abs);
    files.push({ sourcePath: abs, fileName: path.basename(abs), sizeBytes: size });
  };
  for (const input of inputs) {
    const abs = path.resolve(input);
    let st;
    try {
      st = await stat(abs);
    } catch (err) {
      rejected.push({ path: input, reason: describeFsError(err) });
      continue;
    }
    if (st.isFile()) {
      const unreadable = await unreadableReason(abs);
      if (unreadable) rejected.push({ path: input, reason: unreadable });
      else addFile(abs, st.size);
    } else if (st.isDirectory()) {
      await walk(abs, addFile, rejected);
    } else {
      rejected.push({ path: input, reason: 'not a regular file or folder' });
    }
  }
  return { files, rejected };
}

async function walk(dir: string, addFile: (p: string, size: number) => void, rejected: Rejected[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    rejected.push({ path: dir, reason: describeFsError(err) });
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, addFile, rejected);
    else if (e.isFile()) {
      const reason = await unreadableReason(p);
      if (reason) rejected.push({ path: p, reason });
      else addFile(p, (await lstat(p)).size);
    } else if (e.isSymbolicLink()) rejected.push({ path: p, reason: 'symbolic link (not followed inside folders)' });
  }
}

async function unreadableReason(p: string): Promise<string | undefined> {
  try {
    await access(p, constants.R_OK);
    return undefined;
  } catch (err) {
    return describeFsError(err);
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (not readable)';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    default:
      return (err as Error)?.message ?? String(err);
  }
}
