/** Tar, tar.gz and gzip on archives written here byte by byte, hostile ones included. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExtractionResult, SerializedError } from '../../../shared/extraction';
import { run } from '../../../workers/extract';
import { fixtureDir } from '../../helpers/fixtures';

const fx = fixtureDir('quarry-tar-');
afterAll(() => fx.cleanup());

/** One ustar header block (+ data, padded), with a correct checksum unless told otherwise. */
function entry(name: string, data: string | Buffer = '', type = '0', opts: { badChecksum?: boolean; linkTo?: string } = {}): Buffer {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('14712345670\0', 136);
  h.write(type, 156);
  if (opts.linkTo) h.write(opts.linkTo, 157);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write((opts.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad]);
}
const tar = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

let n = 0;
async function extract(name: string, bytes: Buffer, options: Record<string, unknown> = {}) {
  const spoolDir = path.join(fx.dir, `spool-${++n}`);
  const out = await run({ path: fx.write(name, bytes), options, spoolDir });
  return { out, spoolDir };
}
async function ok(name: string, bytes: Buffer, options: Record<string, unknown> = {}): Promise<ExtractionResult> {
  const { out, spoolDir } = await extract(name, bytes, options);
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  for (const c of out.result.children ?? []) expect(c.path.startsWith(spoolDir + path.sep)).toBe(true);
  return out.result;
}
async function err(name: string, bytes: Buffer, options: Record<string, unknown> = {}): Promise<SerializedError> {
  const { out } = await extract(name, bytes, options);
  if (out.ok) throw new Error(`expected a failure, got ${out.result.format}`);
  return out.error;
}
const contents = (r: ExtractionResult) => r.children?.map((c) => [c.name, readFileSync(c.path, 'utf8')]);

const longName = `${'deep/'.repeat(30)}file.txt`;
const pax = (p: string) => {
  const rec = ` path=${p}\n`;
  let len = rec.length + 1;
  if (String(len).length + rec.length !== len) len = String(len + 1).length + rec.length;
  return `${String(String(len).length + rec.length)}${rec}`;
};
const SAMPLE = tar(
  entry('docs/', '', '5'),
  entry('docs/a.txt', 'alpha\n'),
  entry('././@LongLink', longName + '\0', 'L'),
  entry(longName.slice(0, 99), 'gnu long\n'),
  entry('PaxHeaders/x', pax('pax/name.txt'), 'x'),
  entry('short', 'pax long\n'),
);

describe('tar', () => {
  it('unpacks files as children (GNU and pax long names), lists folders', async () => {
    const r = await ok('sample.tar', SAMPLE);
    expect([r.format, r.metadata.compression, r.metadata.tarFormat]).toEqual(['tar', 'none', 'ustar']);
    expect(contents(r)).toEqual([
      ['docs/a.txt', 'alpha\n'],
      [longName, 'gnu long\n'],
      ['pax/name.txt', 'pax long\n'],
    ]);
    expect(r.counters).toMatchObject({ files: 3, entries: 4, extracted: 3 });
    expect(r.tables[0]!.rows[1]).toEqual(['docs/', '', expect.any(String), 'folder']);
  });

  it('.tar.gz is detected by content and unpacked the same way', async () => {
    const r = await ok('sample.bin', gzipSync(SAMPLE));
    expect([r.format, r.metadata.compression, r.children?.length]).toEqual(['tar', 'gzip', 3]);
  });

  it('hostile names stay inside the spool; links are never written', async () => {
    const r = await ok('evil.tar', tar(entry('../../escape.txt', 'x'), entry('/etc/passwd', 'y'), entry('link', '', '2', { linkTo: '/etc/shadow' })));
    expect(r.children).toHaveLength(2);
    expect(r.warnings.join('\n')).toMatch(/"link": a symbolic link/);
  });

  it('a file cut inside its second entry keeps the first, with a warning; cut inside the first fails as corrupt_file', async () => {
    const whole = tar(entry('one.txt', 'first\n'), entry('two.txt', Buffer.alloc(2000, 0x61)));
    const r = await ok('cut.tar', whole.subarray(0, 512 * 4));
    expect(contents(r)).toEqual([['one.txt', 'first\n']]);
    expect(r.warnings.join('\n')).toMatch(/truncated/);
    expect((await err('cut1.tar', tar(entry('big.txt', Buffer.alloc(3000))).subarray(0, 1024))).code).toBe('corrupt_file');
  });

  it('a damaged header checksum is corrupt_file', async () => {
    expect(await err('bad.tar', tar(entry('a.txt', 'a', '0', { badChecksum: true })), { format: 'tar' })).toMatchObject({ code: 'corrupt_file' });
  });

  it('limits: entry count, entry size, and a compressed bomb', async () => {
    const three = tar(entry('1.txt', '1'), entry('2.txt', '2'), entry('3.txt', '3'));
    const r = await ok('many.tar', three, { maxEntries: 2 });
    expect([r.children?.length, r.warnings.join()]).toEqual([2, expect.stringMatching(/more than 2 entries/)]);
    const big = await ok('big.tar', tar(entry('big.bin', Buffer.alloc(5000)), entry('small.txt', 's')), { maxEntryBytes: 4096 });
    expect(big.children?.map((c) => c.name)).toEqual(['small.txt']);
    const bomb = await ok('bomb.tgz', gzipSync(tar(entry('zeros.bin', Buffer.alloc(8 * 1024 * 1024)))));
    expect(bomb.warnings.join()).toMatch(/expands more than 200×/);
    expect(bomb.children).toEqual([]);
  });
});

describe('gzip', () => {
  it('one child named from FNAME (its last component), decompressed', async () => {
    const gz = gzipSync('hello gzip\n');
    const named = Buffer.concat([gz.subarray(0, 3), Buffer.from([0x08]), gz.subarray(4, 10), Buffer.from('../../x/report.txt\0', 'latin1'), gz.subarray(10)]);
    const r = await ok('anything.gz', named);
    expect([r.format, r.metadata.originalName, contents(r)]).toEqual(['gzip', '../../x/report.txt', [['report.txt', 'hello gzip\n']]]);
    expect(r.counters.uncompressedBytes).toBe(11);
  });

  it('without FNAME, the file name minus .gz', async () => {
    expect(contents(await ok('notes.txt.gz', gzipSync('n')))).toEqual([['notes.txt', 'n']]);
  });

  it('truncated or corrupt: corrupt_file; a bomb: resource_limit', async () => {
    const gz = gzipSync(Buffer.alloc(100_000, 0x61));
    expect((await err('cut.gz', gz.subarray(0, gz.length - 20))).code).toBe('corrupt_file');
    const flipped = Buffer.from(gz);
    flipped[gz.length - 6]! ^= 0xff; // the CRC-32 trailer
    expect((await err('crc.gz', flipped)).code).toBe('corrupt_file');
    expect((await err('bomb.gz', gzipSync(Buffer.alloc(8 * 1024 * 1024)))).code).toBe('resource_limit');
  });

  it('7z, bzip2 and xz signatures alone are read, and fail as corrupt_file, naming the format', async () => {
    const sz = Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]);
    expect(await err('a.7z', sz)).toMatchObject({ code: 'corrupt_file', message: expect.stringContaining('7z') });
    expect(await err('a.bz2', Buffer.from('BZh91AY&SY\0\0\0\0', 'latin1'))).toMatchObject({ code: 'corrupt_file', message: expect.stringMatching(/bzip2/) });
    expect(await err('a.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]))).toMatchObject({
      code: 'corrupt_file',
      message: expect.stringMatching(/xz/),
    });
  });
});
