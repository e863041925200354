/**
 * Turns a browser drop into files with relative paths, walking dropped
 * folders through the File and Directory Entries API. Entries must be taken
 * from the DataTransfer synchronously, during the drop event: the browser
 * empties it afterwards. The walk itself is asynchronous.
 */
import type { Rejection } from '../../../shared/contract.js';
import { isSystemClutter } from '../../../shared/system-files.js';
import { setRelativePath } from '../../transport/relative-path.js';

/** Call inside the drop handler. */
export function entriesOf(dt: DataTransfer): { entries: FileSystemEntry[]; loose: File[] } {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  return { entries, loose };
}

export async function walkEntries(entries: readonly FileSystemEntry[]): Promise<{ files: File[]; rejected: Rejection[] }> {
  const files: File[] = [];
  const rejected: Rejection[] = [];

  const visit = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      try {
        const file = await new Promise<File>((ok, ko) => (entry as FileSystemFileEntry).file(ok, ko));
        setRelativePath(file, path);
        files.push(file);
      } catch (err) {
        rejected.push({ path, reason: `Could not read it: ${describe(err)}` });
      }
    } else if (entry.isDirectory) {
      let children: FileSystemEntry[];
      try {
        children = await readAll((entry as FileSystemDirectoryEntry).createReader());
      } catch (err) {
        rejected.push({ path, reason: `Could not list the folder: ${describe(err)}` });
        return;
      }
      if (children.length === 0) rejected.push({ path: `${path}/`, reason: 'The folder is empty' });
      // Inside a folder, what the OS left there is not the person's: passed by, as main's walk does.
      for (const child of children) if (!(child.isFile && isSystemClutter(child.name))) await visit(child, `${path}/${child.name}`);
    }
  };

  for (const entry of entries) await visit(entry, entry.name);
  return { files, rejected };
}

/** readEntries answers in batches (100 in Chromium) until it returns an empty one. */
async function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, ko) => reader.readEntries(ok, ko));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

function describe(err: unknown): string {
  return err instanceof Error || err instanceof DOMException ? err.message || err.name : String(err);
}
