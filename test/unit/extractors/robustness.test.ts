/**
 * Safety: every extractor, fed truncated and bit-flipped versions of a valid
 * file of its format, must end each job with a result or a typed, readable,
 * permanent error (never 'internal', a throw, a hang or a crash).
 * Deterministic (seeded) so a failure reproduces. How long a file takes is
 * not asserted (a loaded machine would fail that); in the app, the job's time
 * limit stops a slow file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { categoryOf } from '../../../shared/extraction';
import { run } from '../../../workers/extract';
import { fixtureDir, makeDocx, makeDxf, makeEml, makeExif, makeIfc, makeOds, makePng, makePptx, makeStep, makeXlsx, makeZipWith } from '../../helpers/fixtures';
import { skipWhen } from '../../helpers/skip';

const fx = fixtureDir('quarry-robust-');
afterAll(() => fx.cleanup());

const corpus = path.resolve(import.meta.dirname, '../../../../shared/corpus');
const fromCorpus = (p: string) => {
  try {
    return readFileSync(path.join(corpus, p));
  } catch {
    return null;
  }
};

const seeds: Array<[string, Buffer | null]> = [
  ['a.docx', makeDocx({ title: 't', body: [{ text: 'Hello', style: 'Heading1' }, { text: 'b', bullet: true }, { table: [['a', 'b']] }] })],
  ['a.xlsx', makeXlsx({ sheets: [{ name: 'S', rows: [['a', 1, { date: 3 }, { formula: 'A1', value: 'x' }]], merges: ['A3:B3'] }] })],
  ['a.pptx', makePptx({ slides: [{ title: 'T', bullets: ['x'], notes: 'n', table: [['1']] }] })],
  ['a.ods', makeOds([{ name: 'S', rows: [['a', { float: 1 }, { lines: ['x', 'y'] }]] }])],
  [
    'a.eml',
    Buffer.from(
      makeEml({
        subject: 's',
        from: 'a@b.c',
        to: 'd@e.f',
        text: 't',
        html: '<p>x</p>',
        attachments: [{ name: 'x.txt', type: 'text/plain', data: Buffer.from('x') }],
      }),
    ),
  ],
  ['a.dxf', Buffer.from(makeDxf([['TEXT', [[1, 'x']]], ['MTEXT', [[1, 'y']]], ['LINE']]))],
  ['a.ifc', Buffer.from(makeIfc())],
  ['a.stp', Buffer.from(makeStep())],
  [
    'a.zip',
    makeZipWith([
      { name: 'a.txt', data: 'hello'.repeat(100) },
      { name: 'b.txt', data: 'x' },
    ]),
  ],
  ['a.png', makePng(32, 32, (x) => x * 8, makeExif({ make: 'M', model: 'N', dateTime: '2020:01:01 00:00:00' }))],
  ['a.msg', fromCorpus('email/test1.msg')],
  ['a.jpg', fromCorpus('image/IMG_20180725_163423-tiny.jpg')?.subarray(0, 60_000) ?? null],
];

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('corrupt input never crashes, hangs or reports an internal error', () => {
  for (const [name, seed] of seeds) {
    it(name, skipWhen(!seed, `robustness of ${name}: its seed file comes from the shared corpus (../shared/corpus), which is absent here.`), async () => {
      const r = rng(name.length * 7919);
      const variants: Array<[string, Buffer]> = [];
      for (const f of [0.05, 0.3, 0.6, 0.95]) variants.push([`cut ${f}`, seed!.subarray(0, Math.floor(seed!.length * f))]);
      for (let k = 0; k < 8; k++) {
        const b = Buffer.from(seed!);
        for (let j = 0, n = 1 + Math.floor(r() * 16); j < n; j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
        variants.push([`flip ${k}`, b]);
      }
      const problems: string[] = [];
      for (const [label, bytes] of variants) {
        const file = fx.write(`${label.replace(/\W/g, '_')}-${name}`, bytes);
        const out = await run({ path: file, options: { ocr: false }, spoolDir: path.join(fx.dir, 'spool', label.replace(/\W/g, '_'), name) });
        if (!out.ok) {
          const { code, message } = out.error;
          if (code === 'internal' || categoryOf(code) !== 'permanent' || !message) problems.push(`${label}: ${code}: ${message}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
