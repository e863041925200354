/**
 * Legacy PowerPoint .ppt: record trees written here ([MS-PPT] headers:
 * version/instance, type, length) inside a compound file, then damaged.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExtractionResult, SerializedError } from '../../../shared/extraction';
import { detectFile } from '../../../workers/detect';
import { run } from '../../../workers/extract';
import { fixtureDir } from '../../helpers/fixtures';
import { compoundFile } from './cfb-fixture';

const fx = fixtureDir('quarry-ppt-');
afterAll(() => fx.cleanup());

/** An atom (bytes) or a container (child records); the instance goes in the high 12 bits. */
function rec(type: number, content: Buffer | Buffer[], instance = 0): Buffer {
  const container = Array.isArray(content);
  const body = container ? Buffer.concat(content) : content;
  const h = Buffer.alloc(8);
  h.writeUInt16LE((instance << 4) | (container ? 0xf : 0), 0);
  h.writeUInt16LE(type, 2);
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const header = (textType: number) => rec(0x0f9f, u32(textType));
const chars = (s: string) => rec(0x0fa0, Buffer.from(s, 'utf16le'));
const bytes = (s: string) => rec(0x0fa8, Buffer.from(s, 'latin1'));
const persist = () => rec(0x03f3, Buffer.alloc(20));

function presentation(opts: { stale?: boolean } = {}): Buffer {
  const list = rec(
    0x0ff0,
    [persist(), header(0), chars('Budget 2025 — draft'), header(1), bytes('Income\rSpending'), persist(), header(6), bytes('Thank you')],
    0,
  );
  const stale = rec(0x03e8, [rec(0x0ff0, [persist(), header(0), bytes('Old title')], 0)]);
  const doc = rec(0x03e8, [rec(0x0ff0, [persist()], 1), list]);
  const slide1 = rec(0x03ee, [rec(0xf00d, [header(4), bytes('A text box')])]);
  const slide2 = rec(0x03ee, []);
  const notes = rec(0x03f0, [rec(0xf00d, [header(2), bytes('Say the numbers slowly')])]);
  const master = rec(0x03f8, [header(0), bytes('Click to edit Master title style')]);
  return Buffer.concat([...(opts.stale ? [stale] : []), doc, master, slide1, slide2, notes]);
}
const makePpt = (stream: Buffer, extra: Array<{ name: string; data?: Buffer }> = []) =>
  compoundFile([{ name: 'PowerPoint Document', data: stream }, { name: 'Current User', data: Buffer.alloc(16) }, ...extra]);

let n = 0;
async function extract(name: string, data: Buffer) {
  return run({ path: fx.write(name, data), options: {}, spoolDir: path.join(fx.dir, `spool-${++n}`) });
}
async function ok(name: string, data: Buffer): Promise<ExtractionResult> {
  const out = await extract(name, data);
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return out.result;
}
async function err(name: string, data: Buffer): Promise<SerializedError> {
  const out = await extract(name, data);
  if (out.ok) throw new Error(`expected a failure, got ${out.result.format}`);
  return out.error;
}

describe('legacy PowerPoint .ppt', () => {
  it('detected by its streams; one page per slide with titles, text boxes and notes; master text left out', async () => {
    const file = makePpt(presentation());
    expect(await detectFile(fx.write('deck.bin', file))).toMatchObject({ format: 'ppt', method: 'container' });
    const r = await ok('deck.ppt', file);
    expect([r.format, r.counters.slides, r.pages?.map((p) => p.text)]).toEqual([
      'ppt',
      2,
      ['Budget 2025 — draft\nIncome\nSpending\nA text box\nSay the numbers slowly', 'Thank you'],
    ]);
    expect(r.metadata.slideTitles).toEqual(['Budget 2025 — draft', 'Thank you']);
    expect(r.markdown).toContain('## Slide 1: Budget 2025 — draft\n\nIncome\n\nSpending\n\nA text box\n\n**Notes:** Say the numbers slowly');
    expect(r.text).not.toContain('Master title');
  });

  it('after an incremental save, the last Document record is the presentation', async () => {
    const r = await ok('saved-twice.ppt', makePpt(presentation({ stale: true })));
    expect([r.counters.slides, r.text.includes('Old title')]).toEqual([2, false]);
  });

  it('a record longer than its stream, or records nested without end: corrupt_file', async () => {
    const long = presentation();
    long.writeUInt32LE(0x7fffffff, 4);
    expect(await err('long.ppt', makePpt(long))).toMatchObject({ code: 'corrupt_file', message: expect.stringMatching(/runs past the end/) });
    let deep = bytes('x');
    for (let i = 0; i < 40; i++) deep = rec(0x0400, [deep]);
    expect(await err('deep.ppt', makePpt(deep))).toMatchObject({ code: 'corrupt_file', message: expect.stringMatching(/nest deeper/) });
  });

  it('encrypted: encrypted; truncated: corrupt_file; no slides: a warning', async () => {
    expect((await err('locked.ppt', makePpt(presentation(), [{ name: 'EncryptedSummary', data: Buffer.alloc(8) }]))).code).toBe('encrypted');
    expect((await err('cut.ppt', makePpt(presentation()).subarray(0, 1500))).code).toBe('corrupt_file');
    expect((await ok('none.ppt', makePpt(rec(0x03e8, [])))).warnings).toEqual(['The presentation has no slides']);
  });
});
