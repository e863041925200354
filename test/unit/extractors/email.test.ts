/** EML (postal-mime) and the shared e-mail helpers; MSG is covered by the corpus (no writer for OLE2 here). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../workers/extract';
import { mimeTree } from '../../../workers/extractors/email/mime-tree';
import { fixtureDir, makeEml } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-mail-');
afterAll(() => fx.cleanup());

const mail = makeEml({
  subject: 'Quarterly numbers ✔',
  from: 'Ann Example <ann@example.com>',
  to: 'Bob <bob@example.com>, carol@example.com',
  text: 'Hello Bob,\nnumbers attached.',
  html: '<p>Hello <b>Bob</b>,</p><table><tr><th>Q</th><th>N</th></tr><tr><td>Q1</td><td>3</td></tr></table>',
  attachments: [
    { name: 'numbers.csv', type: 'text/csv', data: Buffer.from('q,n\nQ1,3\n') },
    { name: '../../evil.txt', type: 'text/plain', data: Buffer.from('nope') },
  ],
});

describe('EML', () => {
  it('headers in metadata, text body, HTML body as Markdown, attachments as children in the spool folder', async () => {
    const spoolDir = path.join(fx.dir, 'spool');
    const out = await run({ path: fx.write('m.eml', mail), options: {}, spoolDir });
    if (!out.ok) throw new Error(out.error.message);
    const r = out.result;
    expect(r.format).toBe('eml');
    expect(r.metadata).toMatchObject({
      subject: 'Quarterly numbers ✔',
      from: 'Ann Example <ann@example.com>',
      to: ['Bob <bob@example.com>', 'carol@example.com'],
      date: '2024-01-02T09:00:00.000Z',
      messageId: '<fixture@quarry.test>',
      mimeParts: 6,
    });
    expect(r.text).toBe('Hello Bob,\nnumbers attached.');
    expect(r.markdown).toContain('**Subject:** Quarterly numbers ✔');
    expect(r.markdown).toMatch(/\| Q +\| N +\|\n\| --- \| --- \|\n\| Q1 +\| 3 +\|/);
    expect(r.children?.map((c) => c.name)).toEqual(['numbers.csv', '../../evil.txt']);
    for (const c of r.children!) expect(c.path.startsWith(spoolDir + path.sep)).toBe(true);
    expect(readFileSync(r.children![0]!.path, 'utf8')).toBe('q,n\nQ1,3\n');
    expect(r.entities.filter((e) => e.type === 'email').map((e) => e.value)).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
  });

  it('without a spool folder, attachments are listed in metadata only, with a warning', async () => {
    const r = await extractOk(fx.write('m2.eml', mail));
    expect(r.children).toBeUndefined();
    expect((r.metadata.attachments as Array<{ name: string; size: number }>).map((a) => [a.name, a.size])).toEqual([
      ['numbers.csv', 9],
      ['../../evil.txt', 4],
    ]);
    expect(r.warnings).toContain('2 attachments listed in metadata, not extracted (no spool folder for this job)');
  });

  it('an HTML-only message gets its text from the HTML', async () => {
    const raw =
      'From: a@example.com\r\nTo: b@example.com\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<h1>Title</h1><p>Body <i>text</i></p>';
    const r = await extractOk(fx.write('h.eml', raw));
    expect(r.text).toBe('Title\n\nBody text');
    expect(r.markdown).toContain('# Title');
  });

  it('an HTML body that broke the Markdown table rule (a NUL in a header row) loses neither text nor table', async () => {
    const html = '<table><tr><th>Q</th>\u0000<th>N</th></tr><tr><td>Q1</td><td>3</td></tr></table>';
    const both = await extractOk(fx.write('nul-both.eml', makeEml({ subject: 'nul', from: 'a@example.com', to: 'b@example.com', text: 'Plain part.', html })));
    expect(both.text).toBe('Plain part.');
    expect(both.markdown).toMatch(/\| Q +\| N +\|\n\| --- \| --- \|\n\| Q1 +\| 3 +\|/);
    const raw = `From: a@example.com\r\nTo: b@example.com\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Numbers</p>${html}`;
    const htmlOnly = await extractOk(fx.write('nul-html.eml', raw));
    expect(htmlOnly.text).toBe('Numbers\n\nQ\tN\nQ1\t3');
    expect(htmlOnly.warnings).toEqual([]);
  });

  it('forcing the eml format on a binary file still ends cleanly', async () => {
    const out = await run({ path: fx.write('junk.bin', Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 37) % 256))), options: { format: 'eml' } });
    if (!out.ok) expect(['corrupt_file', 'unsupported_format']).toContain(out.error.code);
    else expect(out.result.warnings.length).toBeGreaterThan(0);
  });

  it('MIME structure walk', () => {
    expect(mimeTree(mail).map((p) => `${p.depth}:${p.type}`)).toEqual([
      '0:multipart/mixed',
      '1:multipart/alternative',
      '2:text/plain',
      '2:text/html',
      '1:text/csv',
      '1:text/plain',
    ]);
  });

  it('a .msg that is not an OLE2 file -> corrupt_file', async () => {
    const err = await extractErr(fx.write('fake.msg', 'not an outlook message at all'), { format: 'msg' });
    expect(err.code).toBe('corrupt_file');
  });
});
