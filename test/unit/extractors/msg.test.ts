/**
 * Outlook .msg files whose compound-file structure loops or overflows. Given
 * to @kenjiuno/msgreader as they are, they make it grow an array until V8
 * aborts the whole process ("Fatal JavaScript invalid size error"), so they
 * only ever run in a child process (extractInChild), never in the test
 * runner's: a regression kills that child, and the test says so.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerOutcome } from '../../../shared/extraction';
import { fixtureDir } from '../../helpers/fixtures';
import { skipWhen } from '../../helpers/skip';
import { extractInChild } from '../../helpers/child-extract';

const fx = fixtureDir('quarry-msg-');
afterAll(() => fx.cleanup());

const corpus = path.resolve(import.meta.dirname, '../../../../shared/corpus');
const original = (() => {
  try {
    return readFileSync(path.join(corpus, 'email/test1.msg'));
  } catch {
    return null;
  }
})();

const SECTOR = 512;
const sectorAt = (n: number) => (n + 1) * SECTOR;

/** test1.msg with int32 fields changed (FAT entries, fields of directory entries), as [offset, value] pairs. */
function patched(...changes: Array<[offset: number, value: number]>): Buffer {
  const b = Buffer.from(original!);
  for (const [at, value] of changes) b.writeInt32LE(value, at);
  return b;
}
/** Entries 0-3 sit in the directory's first sector. */
const dirEntry = (i: number) => sectorAt(original!.readInt32LE(0x30)) + i * 128;
const fatEntry = (sector: number) => sectorAt(original!.readInt32LE(0x4c)) + 4 * sector;
const [RIGHT, START, SIZE] = [0x48, 0x74, 0x78];

const failedCorrupt = (o: WorkerOutcome | undefined) => (o && !o.ok ? { code: o.error.code, structure: typeof o.error.details?.structure } : o);

describe(
  'damaged .msg structures fail as corrupt_file, in a real worker thread, without killing the process',
  skipWhen(!original, 'damaged .msg files: they are built from email/test1.msg of the shared corpus (../shared/corpus), which is absent here.'),
  () => {
    it('the corpus file (test1.msg with bytes 1153-4105 zeroed) and the same mutation built here', async () => {
      const zeroed = Buffer.from(original!).fill(0, 1152, 4105);
      const runs = await extractInChild([path.join(corpus, 'bad/msg-zeroed-range.msg'), fx.write('zeroed.msg', zeroed), path.join(corpus, 'email/test1.msg')]);
      expect({ status: runs.status, signal: runs.signal }, runs.stderr.slice(-2000)).toEqual({ status: 0, signal: null });
      const [corpusFile, built, intact] = runs.outcomes;
      expect(failedCorrupt(corpusFile)).toEqual({ code: 'corrupt_file', structure: 'string' });
      expect(failedCorrupt(built)).toEqual({ code: 'corrupt_file', structure: 'string' });
      expect(!built!.ok && built!.error.message).toMatch(/^Not a readable Outlook message: damaged compound file structure \(.*loops/);
      // The check passes a sound file through untouched.
      expect(intact).toMatchObject({ ok: true, result: { format: 'msg', metadata: { subject: 'title' } } });
    }, 60_000);

    it('a directory chain that loops, a directory tree that loops, and a stream larger than its sectors', async () => {
      const dirStart = original!.readInt32LE(0x30);
      const rootStart = original!.readInt32LE(dirEntry(0) + START);
      const files = [
        // The directory's first sector points to itself in the FAT.
        fx.write('dir-chain-loop.msg', patched([fatEntry(dirStart), dirStart])),
        // Entry 3 (a stream in the root's tree) is its own right sibling.
        fx.write('tree-loop.msg', patched([dirEntry(3) + RIGHT, 3])),
        // Entry 2 claims 2 GB stored in the ten sectors of the root's mini stream: msgreader would allocate the 2 GB first.
        fx.write('huge-stream.msg', patched([dirEntry(2) + START, rootStart], [dirEntry(2) + SIZE, 0x7ffffff0])),
      ];
      const runs = await extractInChild(files);
      expect({ status: runs.status, signal: runs.signal }, runs.stderr.slice(-2000)).toEqual({ status: 0, signal: null });
      const reasons = runs.outcomes.map((o) => (o.ok ? 'ok' : `${o.error.code}: ${o.error.details?.structure}`));
      expect(reasons).toEqual([
        expect.stringMatching(/^corrupt_file: the directory chain loops back to sector \d+$/),
        'corrupt_file: the directory tree reaches entry 3 twice',
        expect.stringMatching(/^corrupt_file: stream 2 declares 2147483632 bytes but its sectors hold \d+$/),
      ]);
    }, 60_000);
  },
);
