/**
 * bzip2 and xz, alone and around a tar. The compressed bytes were made with
 * Python's bz2 and lzma modules (no compressor for either ships with Node),
 * from the plain inputs named beside each; the tests cut, flip and join
 * them to make the hostile variants.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExtractionResult, SerializedError } from '../../../shared/extraction';
import { detectFile } from '../../../workers/detect';
import { run } from '../../../workers/extract';
import { fixtureDir } from '../../helpers/fixtures';

const fx = fixtureDir('quarry-bzxz-');
afterAll(() => fx.cleanup());

const B64 = {
  /** bz2.compress(b'hello bzip2\n') */
  HELLO_BZ2: 'QlpoOTFBWSZTWatrofEAAALZgAAQQAAQABJkwBAgADEA000EAB6j705RogeLuSKcKEhVtdD4gA==',
  /** lzma.compress(b'hello xz\n', format=FORMAT_XZ, check=CHECK_CRC64) */
  HELLO_XZ: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQAIaGVsbG8geHoKAAAAAMFJOvpjUhRaAAEhCWwYxdUftvN9AQAAAAAEWVo=',
  /** bz2.compress(bytes(8 MiB)) */
  BOMB_BZ2: 'QlpoOTFBWSZTWaI9S1gAQEBAgMAAAAQACCAAMMwFKaYBANiAgHi7kinChIUR6lrA',
  /** lzma.compress(bytes(8 MiB), format=FORMAT_XZ) */
  BOMB_XZ:
    '/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj//8RAWxdAABv/f//o7f/Rz5IFXI5YVG4kijmo4YH+e7kHoLTL8U6PAFLsX7JiopNL6MN2X+m44wjEVPgWRjFdYrid/i2lH8MasDedElk4ulcU7IE2PdEDKtfDW1G6eXDdoi3llestk3haR1v+0uIEGxCy4g/XACP0E6vJiiUcR89jyThcJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvEgn5lif/xABKwDsc1On/b6ufDEan7eNMW5wnqcjX+woy4XRlZiKfiqR8id19xnABphNmP3Yr9WQD8QlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlUQ8/sp//EAErAOxzU6f9vq58MRqft40xbnCepyNf7CjLhdGVmIp+KpHyJ3X3GcAGmE2Y/div1ZAPxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVRDz+yn/8QASsA7HNTp/2+rnwxGp+3jTFucJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVEPP7KAA7oABQB7YffvAAAAAC0r4M46TxjTAAGmCoCAgARmzyJ2scRn+wIAAAAABFla',
  /** lzma.compress(b'sha\n', format=FORMAT_XZ, check=CHECK_SHA256) */
  SHA256_XZ: '/Td6WFoAAArh+wyhAgAhARYAAAB0L+WjAQADc2hhCgBGUJ55we7DYOG2ae5rvjVHhdn7Ss0keYNcGrpCkOxPWAABNATFgsGcGJtLmgEAAAAAClla',
  /** bz2.compress(a ustar archive of a.txt "alpha\n" and docs/b.txt "beta\n") */
  TAR_BZ2:
    'QlpoOTFBWSZTWa3Ci2QAAJB7gMkQACBAAfeAAQh+RN5ACIggAJIJUnqDIADQAZqBVImmoaBoNqAaB+zYE1ZAlSIhDa9JNBVjjNVCEkZJxaee9eRe1JhlagsolNg15aVVy5ZyvSc4ajGzkswdaPihunqvhr7BD6IovZEUwMxjA/F3JFOFCQrcKLZA',
  /** lzma.compress(the same archive, format=FORMAT_XZ) */
  TAR_XZ:
    '/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj4Cf/AH9dADCLiofEDvKXpPh1PcWp7dmabcoh9LMrmF6QQiRD3kVhr5WHdfX88YNGO6L/C4poZxALmKPgvxjZ+B0VO6ratBwCxNHrwOlRw5a2NoKcntjo2M612PI+Ca3+aqb/XZgYozj6MVBQv+8i1wE3oWLQ1d5aSRcUXb5ARmOSkpk7dwAAALHJzd3eo7IYAAGbAYBQAABmg3EIscRn+wIAAAAABFla',
};
const bytes = (k: keyof typeof B64) => Buffer.from(B64[k], 'base64');

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
const flip = (b: Buffer, at: number) => {
  const c = Buffer.from(b);
  c[at]! ^= 0xff;
  return c;
};

describe('bzip2', () => {
  it('is detected by content and becomes one child named from the file', async () => {
    expect(await detectFile(fx.write('noext', bytes('HELLO_BZ2')))).toMatchObject({ format: 'bzip2', method: 'magic' });
    const r = await ok('notes.txt.bz2', bytes('HELLO_BZ2'));
    expect([r.format, r.metadata.compression, contents(r)]).toEqual(['bzip2', 'bzip2', [['notes.txt', 'hello bzip2\n']]]);
    expect(r.counters.uncompressedBytes).toBe(12);
  });

  it('reads concatenated streams; trailing bytes after the last one are a warning', async () => {
    const two = Buffer.concat([bytes('HELLO_BZ2'), bytes('HELLO_BZ2')]);
    expect(contents(await ok('two.bz2', two))).toEqual([['two', 'hello bzip2\nhello bzip2\n']]);
    const junk = await ok('junk.bz2', Buffer.concat([bytes('HELLO_BZ2'), Buffer.from('\0\0\0\0garbage')]));
    expect([contents(junk), junk.warnings.join()]).toEqual([[['junk', 'hello bzip2\n']], expect.stringMatching(/after the end of the bzip2 data ignored/)]);
  });

  it('truncated, damaged or not bzip2 at all: corrupt_file with a sentence, the decoder text in details', async () => {
    const whole = bytes('HELLO_BZ2');
    expect(await err('cut.bz2', whole.subarray(0, 30))).toMatchObject({ code: 'corrupt_file', message: expect.stringMatching(/truncated/) });
    const bad = await err('crc.bz2', flip(whole, 20));
    expect(bad.code).toBe('corrupt_file');
    expect(bad.message).toMatch(/^The bzip2 data is damaged/);
    expect(bad.details?.library).toEqual(expect.any(String));
    expect(await err('forced.bz2', Buffer.from('plain text, not bzip2'), { format: 'bzip2' })).toMatchObject({
      code: 'corrupt_file',
      message: 'Not a bzip2 file (no bzip2 header)',
    });
  });

  it('a bomb stops at the expansion ratio (resource_limit)', async () => {
    expect(await err('bomb.bz2', bytes('BOMB_BZ2'))).toMatchObject({
      code: 'resource_limit',
      message: expect.stringMatching(/bzip2 file expands more than 200×/),
    });
  });

  it('.tar.bz2 is unpacked as a tar archive; under another name it is one .tar child', async () => {
    const r = await ok('pack.tar.bz2', bytes('TAR_BZ2'));
    expect([r.format, r.metadata.compression, contents(r)]).toEqual([
      'tar',
      'bzip2',
      [
        ['a.txt', 'alpha\n'],
        ['docs/b.txt', 'beta\n'],
      ],
    ]);
    const tbz = await ok('pack.tbz2', bytes('TAR_BZ2'));
    expect(tbz.children?.length).toBe(2);
    const single = await ok('pack.bz2', bytes('TAR_BZ2'));
    expect([single.format, single.children?.map((c) => c.name)]).toEqual(['bzip2', ['pack']]);
    expect((await detectFile(single.children![0]!.path)).format).toBe('tar');
  });

  it('a .tar.bz2 cut short keeps what came before the cut, or fails as corrupt_file', async () => {
    expect(await err('cut.tar.bz2', bytes('TAR_BZ2').subarray(0, 60))).toMatchObject({ code: 'corrupt_file' });
  });
});

describe('xz', () => {
  it('is detected by content and becomes one child', async () => {
    expect(await detectFile(fx.write('noext2', bytes('HELLO_XZ')))).toMatchObject({ format: 'xz', method: 'magic' });
    const r = await ok('notes.txt.xz', bytes('HELLO_XZ'));
    expect([r.format, r.metadata.compression, contents(r)]).toEqual(['xz', 'xz', [['notes.txt', 'hello xz\n']]]);
  });

  it('concatenated streams are read', async () => {
    expect(contents(await ok('two.xz', Buffer.concat([bytes('HELLO_XZ'), bytes('HELLO_XZ')])))).toEqual([['two', 'hello xz\nhello xz\n']]);
  });

  it('truncated or damaged: corrupt_file; a SHA-256 check: unsupported_format, saying why', async () => {
    const whole = bytes('HELLO_XZ');
    expect(await err('cut.xz', whole.subarray(0, 40))).toMatchObject({ code: 'corrupt_file', message: expect.stringMatching(/truncated|damaged/) });
    const bad = await err('crc.xz', flip(whole, whole.length - 20));
    expect([bad.code, bad.details?.library]).toEqual(['corrupt_file', expect.stringMatching(/error code/)]);
    expect(await err('sha.xz', bytes('SHA256_XZ'))).toMatchObject({ code: 'unsupported_format', message: expect.stringMatching(/SHA-256/) });
    expect(await err('forced.xz', Buffer.from('plain text, not xz'), { format: 'xz' })).toMatchObject({
      code: 'corrupt_file',
      message: 'Not an xz file (no xz header)',
    });
  });

  it('a bomb stops at the expansion ratio; limits are the archive options', async () => {
    expect(await err('bomb.xz', bytes('BOMB_XZ'))).toMatchObject({ code: 'resource_limit', message: expect.stringMatching(/xz file expands more than 200×/) });
    expect(await err('small.xz', bytes('BOMB_XZ'), { maxTotalBytes: 1024 * 1024 })).toMatchObject({
      code: 'resource_limit',
      message: expect.stringMatching(/1048576-byte limit/),
    });
  });

  it('the decoder runs one file at a time per thread: files in parallel, and after an abandoned one, all finish', async () => {
    const names = await Promise.all(['p1.xz', 'p2.xz', 'p3.xz'].map(async (name) => contents(await ok(name, bytes('HELLO_XZ')))));
    expect(names.map((c) => c?.[0]?.[1])).toEqual(['hello xz\n', 'hello xz\n', 'hello xz\n']);
    const [bomb, after] = await Promise.all([err('bomb2.xz', bytes('BOMB_XZ')), ok('after.xz', bytes('HELLO_XZ'))]);
    expect([bomb.code, contents(after)]).toEqual(['resource_limit', [['after', 'hello xz\n']]]);
  });

  it('.tar.xz / .txz are unpacked as tar archives', async () => {
    for (const name of ['pack.tar.xz', 'pack.txz']) {
      const r = await ok(name, bytes('TAR_XZ'));
      expect([r.format, r.metadata.compression, r.children?.map((c) => c.name)]).toEqual(['tar', 'xz', ['a.txt', 'docs/b.txt']]);
    }
  });
});
