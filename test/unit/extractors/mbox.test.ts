/** mbox mailboxes written here: messages split, ">From " unescaped, each message a child .eml. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExtractionResult } from '../../../shared/extraction';
import { run } from '../../../workers/extract';
import { fixtureDir } from '../../helpers/fixtures';
import { extractErr } from './helpers';

const fx = fixtureDir('quarry-mbox-');
afterAll(() => fx.cleanup());

const message = (from: string, subject: string, body: string) =>
  `From: ${from}\nTo: list@example.org\nSubject: ${subject}\nDate: Mon, 01 Jun 2009 04:28:28 +0000\nContent-Type: text/plain\n\n${body}\n`;
const multipart = [
  'From: Bea <bea@example.org>',
  'Subject: Files',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain',
  '',
  'See attached.',
  '--b1',
  'Content-Type: text/csv; name="data.csv"',
  'Content-Disposition: attachment; filename="data.csv"',
  '',
  'a,b',
  '--b1--',
  '',
].join('\n');
const MBOX = [
  'From ann@example.org Mon Jun 01 04:28:28 2009',
  message('Ann <ann@example.org>', 'First', 'Hello all.\n>From the minutes: nothing new.'),
  'From bea@example.org Mon Jun 01 05:00:00 2009',
  multipart,
  'From ann@example.org Mon Jun 01 06:00:00 2009',
  message('Ann <ann@example.org>', 'Third', 'Bye.'),
].join('\n');

let n = 0;
async function extract(name: string, data: string, options: Record<string, unknown> = {}): Promise<ExtractionResult> {
  const out = await run({ path: fx.write(name, data), options, spoolDir: path.join(fx.dir, `spool-${++n}`) });
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return out.result;
}

describe('mbox', () => {
  it('each message: subject, sender, body as a page, and a child .eml with ">From " unescaped', async () => {
    const r = await extract('box.txt', MBOX);
    expect(r.format).toBe('mbox');
    expect(r.counters.messages).toBe(3);
    expect(
      (r.metadata.messages as Array<{ subject: string; from: string; type: string; attachments: number }>).map((m) => [
        m.subject,
        m.from,
        m.type,
        m.attachments,
      ]),
    ).toEqual([
      ['First', 'Ann <ann@example.org>', 'text/plain', 0],
      ['Files', 'Bea <bea@example.org>', 'multipart/mixed', 1],
      ['Third', 'Ann <ann@example.org>', 'text/plain', 0],
    ]);
    expect(r.pages?.[0]?.text).toBe('Hello all.\nFrom the minutes: nothing new.');
    expect(r.children?.map((c) => c.name)).toEqual(['message 1.eml', 'message 2.eml', 'message 3.eml']);
    expect(readFileSync(r.children![0]!.path, 'latin1')).toContain('\nFrom the minutes');
    expect(readFileSync(r.children![0]!.path, 'latin1').startsWith('From: Ann')).toBe(true);
  });

  it('a mailbox cut inside a message keeps what is there; the message limit applies', async () => {
    const cut = MBOX.slice(0, MBOX.indexOf('See attached.'));
    expect((await extract('cut.mbox', cut)).counters.messages).toBe(2);
    const limited = await extract('limited.mbox', MBOX, { maxEntries: 2 });
    expect([limited.counters.messages, limited.warnings.join()]).toEqual([2, expect.stringMatching(/more than 2 messages/)]);
  });

  it('a .mbox that is not a mailbox is corrupt_file', async () => {
    expect((await extractErr(fx.write('not.mbox', 'just some words\n'))).code).toBe('corrupt_file');
  });
});
