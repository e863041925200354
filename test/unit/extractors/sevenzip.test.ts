/** 7z archives, made here by 7-Zip itself (the same WebAssembly build the extractor reads with). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExtractionResult, SerializedError } from '../../../shared/extraction';
import { detectFile } from '../../../workers/detect';
import { run } from '../../../workers/extract';
import { parseListing } from '../../../workers/extractors/sevenzip';
import { fixtureDir } from '../../helpers/fixtures';

const fx = fixtureDir('quarry-7z-');
afterAll(() => fx.cleanup());

interface Module {
  FS: { writeFile(p: string, d: string | Uint8Array): void; readFile(p: string): Uint8Array; mkdir(p: string): void; chdir(p: string): void };
  callMain(args: string[]): number;
}

/** Files (name → content) packed by 7-Zip with the given switches (-p, -mhe, -m0 …). */
async function make7z(files: Record<string, string | Uint8Array>, switches: string[] = []): Promise<Buffer> {
  const factory = createRequire(import.meta.url)('7z-wasm') as (o: object) => Promise<Module>;
  const sz = await factory({ print: () => undefined, printErr: () => undefined, stdin: () => null });
  sz.FS.mkdir('/in');
  for (const [name, data] of Object.entries(files)) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      try {
        sz.FS.mkdir(`/in/${parts.slice(0, i).join('/')}`);
      } catch {
        // exists
      }
    }
    sz.FS.writeFile(`/in/${name}`, data);
  }
  sz.FS.chdir('/in');
  const code = sz.callMain(['a', '-t7z', ...switches, '/a.7z', ...new Set(Object.keys(files).map((n) => n.split('/')[0]!))]);
  if (code !== 0) throw new Error(`7z a exited ${code}`);
  return Buffer.from(sz.FS.readFile('/a.7z'));
}

let n = 0;
async function extract(name: string, data: Buffer, options: Record<string, unknown> = {}) {
  const spoolDir = path.join(fx.dir, `spool-${++n}`);
  return run({ path: fx.write(name, data), options, spoolDir });
}
async function ok(name: string, data: Buffer, options: Record<string, unknown> = {}): Promise<ExtractionResult> {
  const out = await extract(name, data, options);
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return out.result;
}
async function err(name: string, data: Buffer, options: Record<string, unknown> = {}): Promise<SerializedError> {
  const out = await extract(name, data, options);
  if (out.ok) throw new Error(`expected a failure, got ${out.result.format}`);
  return out.error;
}
const contents = (r: ExtractionResult) => r.children?.map((c) => [c.name, readFileSync(c.path, 'utf8')]);

describe('7z', () => {
  it('detected by content; files become children, folders listed, sizes and methods in metadata', async () => {
    const bytes = await make7z({ 'docs/a.txt': 'alpha\n', 'b.txt': 'beta\n' }, ['-mx=9']);
    expect(await detectFile(fx.write('archive.bin', bytes))).toMatchObject({ format: '7z', method: 'magic' });
    const r = await ok('pack.7z', bytes);
    expect([r.format, contents(r)]).toEqual([
      '7z',
      [
        ['b.txt', 'beta\n'],
        ['docs/a.txt', 'alpha\n'],
      ],
    ]);
    expect(r.metadata).toMatchObject({ files: 2, folders: 1, expandedBytes: 11, unpacked: true });
    expect(r.tables[0]!.rows.slice(1).map((row) => [row[0], row[3]])).toEqual(
      expect.arrayContaining([
        ['docs', 'folder'],
        ['docs/a.txt', 'ok'],
        ['b.txt', 'ok'],
      ]),
    );
  });

  it('password-protected names: encrypted, naming --password; the right password opens it', async () => {
    const bytes = await make7z({ 'secret.txt': 'hidden\n' }, ['-pS3cret', '-mhe=on']);
    expect(await err('locked.7z', bytes)).toMatchObject({ code: 'encrypted', message: expect.stringMatching(/--password/), details: { password: 'required' } });
    expect(await err('locked2.7z', bytes, { password: 'nope' })).toMatchObject({
      code: 'encrypted',
      message: expect.stringMatching(/does not open/),
      details: { password: 'incorrect' },
    });
    expect(contents(await ok('open.7z', bytes, { password: 'S3cret' }))).toEqual([['secret.txt', 'hidden\n']]);
  });

  it('encrypted contents only: encrypted without a password; a wrong one leaves the file out, with a warning', async () => {
    const bytes = await make7z({ 'secret.txt': 'hidden\n' }, ['-pS3cret']);
    expect((await err('enc.7z', bytes)).code).toBe('encrypted');
    const wrong = await ok('wrong.7z', bytes, { password: 'nope' });
    expect([wrong.children, wrong.warnings.join()]).toEqual([[], expect.stringMatching(/"secret.txt" could not be unpacked: .*password/i)]);
  });

  it('truncated or damaged: corrupt_file in words, 7-Zip text in details; a bad CRC drops that file only', async () => {
    const bytes = await make7z({ 'a.txt': 'x'.repeat(5000), 'b.txt': 'y'.repeat(5000) }, ['-ms=off', '-m0=Copy']);
    const cut = await err('cut.7z', bytes.subarray(0, 40));
    expect([cut.code, cut.message, cut.details?.library]).toEqual(['corrupt_file', expect.stringMatching(/7z archive/), expect.any(String)]);
    expect((await err('junk.7z', Buffer.concat([bytes.subarray(0, 6), Buffer.alloc(200, 0x41)]))).code).toBe('corrupt_file');
    const flipped = Buffer.from(bytes);
    flipped[32 + 100]! ^= 0xff; // inside a.txt's stored bytes (the packed streams start after the 32-byte signature header)
    const r = await ok('crc.7z', flipped);
    expect(contents(r)).toEqual([['b.txt', 'y'.repeat(5000)]]);
    expect(r.warnings.join()).toMatch(/"a.txt" could not be unpacked: CRC Failed/i);
  });

  it('limits: a bomb by its declared sizes (resource_limit), a file over the entry limit skipped, the entry count', async () => {
    expect(await err('bomb.7z', await make7z({ 'zeros.bin': new Uint8Array(8 * 1024 * 1024) }))).toMatchObject({
      code: 'resource_limit',
      message: expect.stringMatching(/expands more than 200×/),
    });
    const two = await make7z({ 'big.txt': 'b'.repeat(5000), 'small.txt': 's' });
    const r = await ok('two.7z', two, { maxEntryBytes: 4096 });
    expect([contents(r), r.warnings.join()]).toEqual([[['small.txt', 's']], expect.stringMatching(/Skipped "big.txt"/)]);
    expect((await ok('count.7z', two, { maxEntries: 1 })).children).toHaveLength(1);
  });

  it('parses the -slt listing, progress backspaces included', () => {
    const e = parseListing([
      '  0M Scan /\b\b\bPath = a b.txt',
      'Size = 610',
      'Attributes = A -rw-r--r--',
      'Encrypted = -',
      'Modified = 2007-11-14 10:19:02.0000000',
      '',
      'Path = dir',
      'Attributes = D drwxr-xr-x',
      '',
    ]);
    expect(e).toEqual([
      { path: 'a b.txt', size: 610, folder: false, encrypted: false, method: undefined, modified: '2007-11-14T10:19:02' },
      { path: 'dir', size: 0, folder: true, encrypted: false, method: undefined, modified: undefined },
    ]);
  });
});
