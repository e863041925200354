// The browser's walk of a dropped folder (File and Directory Entries API):
// the files an OS leaves in folders are passed by, as main's walk does; one
// dropped on its own goes to the engine, which judges it. The entries are
// the API's shape built from real File objects (Node has File; no DOM here).
import { describe, expect, it } from 'vitest';
import { walkEntries } from '../../../renderer/features/dropzone/walk.js';
import { relativePathOf } from '../../../renderer/transport/relative-path.js';

const file = (name: string) =>
  ({ isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File(['x'], name)) }) as unknown as FileSystemEntry;

const folder = (name: string, children: FileSystemEntry[]) =>
  ({
    isFile: false,
    isDirectory: true,
    name,
    createReader: () => {
      let given = false;
      return { readEntries: (ok: (e: FileSystemEntry[]) => void) => ok(given ? [] : ((given = true), children)) };
    },
  }) as unknown as FileSystemEntry;

describe('walkEntries', () => {
  it("passes by a folder's OS clutter, and keeps a clutter file dropped on its own for the engine to judge", async () => {
    const dropped = folder('trip', [
      file('a.txt'),
      file('.DS_Store'),
      file('._a.txt'),
      folder('scans', [file('Thumbs.db'), file('desktop.ini'), file('b.csv')]),
    ]);
    const { files, rejected } = await walkEntries([dropped, file('.DS_Store')]);
    expect(files.map(relativePathOf)).toEqual(['trip/a.txt', 'trip/scans/b.csv', '.DS_Store']);
    expect(rejected).toEqual([]);
  });
});
