/** ZIP archives: children in the spool folder, limits, encryption, corruption, hostile names. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../workers/extract';
import { sanitizeRelative } from '../../../workers/spool';
import { zipWindow } from '../../../workers/zip/window';
import { fixtureDir, makeDocx, makeZipWith } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-zip-');
afterAll(() => fx.cleanup());
let n = 0;
const spool = () => path.join(fx.dir, `spool-${n++}`);

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  return out.sort();
}

/**
 * A ZIP whose one entry's directory record says, through a ZIP64 extra field,
 * that its data starts at `offset` (past 2^53: yauzl's reader threw outside
 * any callback for it, which ended the thread).
 */
function zipWithEntryAt(offset: bigint): Buffer {
  const zip = makeZipWith([{ name: 'a.txt', data: 'x', method: 0 }]);
  const cdStart = zip.readUInt32LE(zip.length - 22 + 16);
  const nameLen = zip.readUInt16LE(cdStart + 28);
  const central = Buffer.from(zip.subarray(cdStart, cdStart + 46 + nameLen));
  central.writeUInt32LE(0xffffffff, 42);
  central.writeUInt16LE(12, 30);
  const extra = Buffer.alloc(12);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8, 2);
  extra.writeBigUInt64LE(offset, 4);
  const eocd = Buffer.from(zip.subarray(zip.length - 22));
  eocd.writeUInt32LE(central.length + extra.length, 12);
  return Buffer.concat([zip.subarray(0, cdStart), central, extra, eocd]);
}

describe('ZIP', () => {
  it('writes entries under spoolDir and lists them as children', async () => {
    const p = fx.write(
      'a.zip',
      makeZipWith([
        { name: 'docs/readme.txt', data: 'hello' },
        { name: 'data.csv', data: 'a,b\n1,2\n', method: 0 },
        { name: 'empty/', data: '' },
      ]),
    );
    const dir = spool();
    const out = await run({ path: p, options: {}, spoolDir: dir });
    if (!out.ok) throw new Error(out.error.message);
    expect(out.result.children).toEqual([
      { path: path.join(dir, 'docs', 'readme.txt'), name: 'docs/readme.txt', size: 5 },
      { path: path.join(dir, 'data.csv'), name: 'data.csv', size: 8 },
    ]);
    expect(readFileSync(path.join(dir, 'docs', 'readme.txt'), 'utf8')).toBe('hello');
    expect(out.result.metadata).toMatchObject({ entries: 3, files: 2, folders: 1, unpacked: true });
    expect(out.result.text).toContain('docs/readme.txt');
  });

  it('without a spool folder the entries are verified and listed only', async () => {
    const r = await extractOk(fx.write('b.zip', makeZipWith([{ name: 'x.txt', data: 'x' }])));
    expect(r.children).toBeUndefined();
    expect(r.metadata).toMatchObject({ unpacked: false, entryNames: ['x.txt'] });
    expect(r.counters).toMatchObject({ verified: 1 });
  });

  it('hostile names never leave the spool folder; duplicates get unique names', async () => {
    const p = fx.write(
      'evil.zip',
      makeZipWith([
        { name: '../../escape.txt', data: '1' },
        { name: '/etc/passwd', data: '2' },
        { name: 'C:\\Windows\\win.ini', data: '3' },
        { name: 'same.txt', data: '4' },
        { name: 'SAME.txt', data: '5' },
        { name: 'con.txt', data: '6' },
        { name: 'link', data: '/etc/shadow', unixMode: 0o120777 },
      ]),
    );
    const dir = spool();
    const out = await run({ path: p, options: {}, spoolDir: dir });
    if (!out.ok) throw new Error(out.error.message);
    for (const c of out.result.children!) expect(c.path.startsWith(dir + path.sep)).toBe(true);
    expect(files(dir)).toEqual(
      ['C_/Windows/win.ini', 'SAME (2).txt', '_con.txt', 'escape.txt', 'etc/passwd', 'same.txt'].map((f) => f.split('/').join(path.sep)).sort(),
    );
    expect(out.result.warnings.some((w) => /symbolic link/.test(w))).toBe(true);
    expect(sanitizeRelative('..\\..\\a\\..\\b.txt')).toBe('a/b.txt');
  });

  it('an archive whose every entry is encrypted -> encrypted; some encrypted -> a warning per entry', async () => {
    expect((await extractErr(fx.write('enc.zip', makeZipWith([{ name: 'a.txt', data: 'x', encrypted: true }])))).code).toBe('encrypted');
    const r = await extractOk(
      fx.write(
        'mixed.zip',
        makeZipWith([
          { name: 'a.txt', data: 'x', encrypted: true },
          { name: 'b.txt', data: 'y' },
        ]),
      ),
    );
    expect(r.warnings).toContain('Skipped "a.txt": encrypted');
    expect(r.counters.verified).toBe(1);
  });

  it('a CRC mismatch is corrupt_file and leaves no partial file behind', async () => {
    const dir = spool();
    const out = await run({ path: fx.write('crc.zip', makeZipWith([{ name: 'a.txt', data: 'hello', crc: 1234 }])), options: {}, spoolDir: dir });
    expect(out).toMatchObject({ ok: false, error: { code: 'corrupt_file' } });
    expect(() => files(dir)).not.toThrow();
    expect(files(dir)).toEqual([]);
  });

  it('an entry whose directory points past the end of the archive fails typed, also past 2^53', async () => {
    for (const offset of [5_000n, 2n ** 53n + 100n]) {
      const out = await run({ path: fx.write(`past-end-${offset}.zip`, zipWithEntryAt(offset)), options: {}, spoolDir: spool() });
      expect(out.ok, String(offset)).toBe(false);
      if (!out.ok) {
        expect(out.error.code).toBe('corrupt_file');
        expect(out.error.message).toMatch(/"a\.txt" points past the end of the archive/);
      }
    }
  });

  it('a ZIP64 end record said to lie past 2^53 fails typed (the open itself read there)', async () => {
    const zip = makeZipWith([{ name: 'a.txt', data: 'x' }]);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(2n ** 53n + 100n, 8);
    locator.writeUInt32LE(1, 16);
    const file = fx.write('zip64-far.zip', Buffer.concat([zip.subarray(0, zip.length - 22), locator, zip.subarray(zip.length - 22)]));
    const out = await run({ path: file, options: {}, spoolDir: spool() });
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error.code).toBe('corrupt_file');
      expect(out.error.message).toMatch(/outside the file/);
    }
  });

  it('zip-bomb limits: expansion ratio, per-entry size, total size, entry count', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024); // zeros: ~1000x
    const r1 = await extractOk(
      fx.write(
        'ratio.zip',
        makeZipWith([
          { name: 'zeros.bin', data: big },
          { name: 'ok.txt', data: 'fine' },
        ]),
      ),
      { maxRatio: 100 },
    );
    expect(r1.warnings.some((w) => /zeros\.bin.*zip bomb/.test(w))).toBe(true);
    expect(r1.counters.verified).toBe(1);
    const r2 = await extractOk(
      fx.write(
        'size.zip',
        makeZipWith([
          { name: 'a.bin', data: Buffer.alloc(5000, 1) },
          { name: 'b.txt', data: 'x' },
        ]),
      ),
      { maxEntryBytes: 1000 },
    );
    expect(r2.warnings.some((w) => /a\.bin.*limit for one entry/.test(w))).toBe(true);
    // A header that lies about the size is caught while inflating.
    const r3 = await extractOk(
      fx.write(
        'liar.zip',
        makeZipWith([
          { name: 'liar.bin', data: Buffer.alloc(5000, 1), declaredSize: 10 },
          { name: 'b.txt', data: 'x' },
        ]),
      ),
    );
    expect(r3.warnings.some((w) => /liar\.bin/.test(w))).toBe(true);
    const many = makeZipWith(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' })));
    const r4 = await extractOk(fx.write('many.zip', many), { maxEntries: 10 });
    expect(r4.counters.files).toBe(10);
    expect(r4.warnings[0]).toMatch(/only the first 10/);
  });

  it('nesting depth: an archive at maxDepth is listed, not unpacked', async () => {
    const dir = spool();
    const out = await run({ path: fx.write('deep.zip', makeZipWith([{ name: 'a.txt', data: 'x' }])), options: { depth: 3 }, spoolDir: dir });
    if (!out.ok) throw new Error(out.error.message);
    expect(out.result.children).toBeUndefined();
    expect(out.result.warnings[0]).toMatch(/nested 3 levels deep/);
  });

  it('corrupt archives: no end of central directory, truncated data', async () => {
    const whole = makeZipWith([{ name: 'a.txt', data: 'hello world '.repeat(100) }]);
    expect((await extractErr(fx.write('noeocd.zip', whole.subarray(0, 60)))).code).toBe('corrupt_file');
    const dir = spool();
    const cut = Buffer.concat([whole.subarray(0, 40), whole.subarray(whole.length - 22 - 46 - 5)]);
    const out = await run({ path: fx.write('cut.zip', cut), options: {}, spoolDir: dir });
    expect(out.ok ? 'ok' : out.error.code).toBe('corrupt_file');
    expect(statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? files(dir) : []).toEqual([]);
  });
});

describe('ZIP with bytes around it (as unzip, zipfile and JSZip read it)', () => {
  const zip = makeZipWith([
    { name: 'a.txt', data: 'alpha', method: 8 },
    { name: 'b.txt', data: 'beta', method: 0 },
  ]);
  const unpacked = async (name: string, bytes: Buffer) => {
    const spoolDir = spool();
    const out = await run({ path: fx.write(name, bytes), options: {}, spoolDir });
    if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
    return { result: out.result, contents: out.result.children?.map((c) => [c.name, readFileSync(c.path, 'utf8')]) };
  };

  it('bytes appended after the end record: read, with a warning', async () => {
    const { result, contents } = await unpacked('appended.zip', Buffer.concat([zip, Buffer.from('trailing junk after the archive\n')]));
    expect(contents).toEqual([
      ['a.txt', 'alpha'],
      ['b.txt', 'beta'],
    ]);
    expect(result.warnings.join()).toMatch(/32 bytes after its end record/);
  });

  it('bytes prepended (a self-extracting stub, offsets not adjusted): read, with a warning', async () => {
    const stub = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(1000, 0x90)]);
    const { result, contents } = await unpacked('sfx.zip', Buffer.concat([stub, zip, Buffer.from('tail')]));
    expect(contents).toEqual([
      ['a.txt', 'alpha'],
      ['b.txt', 'beta'],
    ]);
    expect(result.warnings.join()).toMatch(/1002 bytes before it .* and 4 bytes after/);
  });

  it('a Word document with bytes appended is read too (packages go through the same reader)', async () => {
    const docx = Buffer.concat([makeDocx({ body: [{ text: 'Still readable' }] }), Buffer.alloc(100, 0x20)]);
    const r = await extractOk(fx.write('padded.docx', docx));
    expect([r.format, r.text.trim()]).toEqual(['docx', 'Still readable']);
  });

  it('a plain archive gets no such warning; one without an end record still fails as corrupt_file', async () => {
    expect((await unpacked('plain.zip', zip)).result.warnings).toEqual([]);
    expect((await extractErr(fx.write('noeocd.zip', zip.subarray(0, zip.length - 22)))).code).toBe('corrupt_file');
  });
});

describe('zipWindow', () => {
  it('a comment that contains the end-record signature is not taken for the record', () => {
    const zip = makeZipWith([{ name: 'a.txt', data: 'a', method: 0 }]);
    const fake = Buffer.alloc(22);
    fake.writeUInt32LE(0x06054b50, 0);
    const comment = Buffer.concat([Buffer.from('note '), fake, Buffer.from(' more')]);
    const eocd = Buffer.from(zip.subarray(zip.length - 22));
    eocd.writeUInt16LE(comment.length, 20);
    const withComment = Buffer.concat([zip.subarray(0, zip.length - 22), eocd, comment]);
    expect(zipWindow(withComment, withComment.length)).toEqual({ start: 0, end: withComment.length });
  });
});
