import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { categoryOf, FORMATS } from '../../../shared/extraction';
import { fsErrorCode } from '../../../workers/errors';
import { hash, listExtractors, run } from '../../../workers/extract';
import { extractorFor, routedFormats } from '../../../workers/extractors/registry';
import { createProgressReporter } from '../../../workers/progress';
import { fixtureDir, makeDxf, makeIfc } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-worker-');
afterAll(() => fx.cleanup());

describe('worker entry: file checks', () => {
  it('missing file -> file_not_found', async () => {
    const err = await extractErr(path.join(fx.dir, 'nope.txt'));
    expect(err.code).toBe('file_not_found');
    expect(err.message).toContain('nope.txt');
  });

  it('directory -> not_a_file', async () => {
    const dir = path.join(fx.dir, 'a-directory');
    mkdirSync(dir);
    expect((await extractErr(dir)).code).toBe('not_a_file');
  });

  it('over maxBytes -> too_large', async () => {
    const p = fx.write('big.txt', 'x'.repeat(2048));
    const err = await extractErr(p, { maxBytes: 1024 });
    expect(err).toMatchObject({ code: 'too_large', details: { size: 2048, maxBytes: 1024 } });
  });

  it('busy/locked errors map to the retryable file_busy', () => {
    for (const code of ['EBUSY', 'EAGAIN', 'EMFILE']) {
      const c = fsErrorCode(Object.assign(new Error(code), { code }));
      expect(c).toBe('file_busy');
      expect(categoryOf(c!)).toBe('retryable');
    }
  });

  it('EACCES/EPERM map to the permanent permission_denied', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const c = fsErrorCode(Object.assign(new Error(code), { code }));
      expect(c).toBe('permission_denied');
      expect(categoryOf(c!)).toBe('permanent');
    }
  });

  it('an unreadable file -> permission_denied (where this user can be denied at all)', async () => {
    const p = fx.write('locked.txt', 'secret');
    chmodSync(p, 0o000);
    try {
      // root reads everything; the mapping itself is tested above.
      if (process.getuid?.() === 0) return;
      expect((await extractErr(p)).code).toBe('permission_denied');
      expect(await hash({ path: p })).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    } finally {
      chmodSync(p, 0o644);
    }
  });

  it('returns the sha256 of the bytes it read', async () => {
    const content = 'hello,world\n1,2\n';
    const out = await run({ path: fx.write('hashed.csv', content), options: {} });
    expect(out.ok && out.sha256).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('returns the sha256 of streamed files too (IFC, DXF)', async () => {
    for (const [name, content] of [
      ['h.ifc', makeIfc()],
      ['h.dxf', makeDxf([['LINE']])],
    ] as const) {
      const out = await run({ path: fx.write(name, content), options: {} });
      expect(out.ok && out.sha256, name).toBe(createHash('sha256').update(content).digest('hex'));
    }
  });

  it('a task without a path fails cleanly', async () => {
    const out = await run({ path: '', options: {} });
    expect(out).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});

describe('worker entry: formats', () => {
  it('a legacy binary Office file whose compound structure is damaged -> corrupt_file that says what it is', async () => {
    // An OLE2 header and a "Workbook" name in its head, but no valid directory: a broken legacy .xls.
    const head = Buffer.alloc(1024);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(head);
    Buffer.from('Workbook', 'utf16le').copy(head, 600);
    const err = await extractErr(fx.write('old.xls', head));
    expect(err).toMatchObject({ code: 'corrupt_file', details: { format: 'xls' } });
    expect(err.message).toMatch(/^Not a readable Excel workbook \(\.xls\): its compound file structure is damaged/);
  });

  it('unrecognised binary -> unsupported_format', async () => {
    const p = fx.write('blob', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 13) % 256)));
    expect((await extractErr(p)).code).toBe('unsupported_format');
  });

  it('options.format forces the extractor', async () => {
    const r = await extractOk(fx.write('forced.dat', 'a,b\n1,2\n'), { format: 'text' });
    expect(r.format).toBe('text');
    expect(r.detection.method).toBe('forced');
  });

  it('xml gets a result with its root element', async () => {
    const r = await extractOk(
      fx.write(
        'doc.xml',
        '<?xml version="1.0"?>\n<w:document xmlns:w="urn:w"><w:body><w:p><w:t>Hello</w:t></w:p><w:p><w:t>World</w:t></w:p></w:body></w:document>',
      ),
    );
    expect(r.metadata).toMatchObject({ rootElement: 'w:document', namespaces: { w: 'urn:w' } });
    expect(r.text).toBe('Hello\nWorld');
  });

  it('registry: one extractor per supported format, each with name and version', async () => {
    const list = await listExtractors();
    expect(list.map((e) => e.name)).toEqual([
      'text',
      'markdown',
      'json',
      'xml',
      'csv',
      'html',
      'pdf',
      'docx',
      'pptx',
      'xlsx',
      'ods',
      'odt',
      'odp',
      'doc',
      'ppt',
      'xls',
      'rtf',
      'epub',
      'zip',
      '7z',
      'tar',
      'compressed',
      'eml',
      'msg',
      'mbox',
      'ics',
      'vcf',
      'encrypted-ooxml',
      'image',
      'dxf',
      'ifc',
      'step',
    ]);
    for (const e of list) expect(e.version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await extractorFor('tsv'))?.name).toBe('csv');
    // Every format has an extractor; only 'unknown' does not.
    for (const f of FORMATS) expect(Boolean(await extractorFor(f)), f).toBe(f !== 'unknown');
    // The registry routes each module's own formats (it lists them to load modules lazily).
    expect(routedFormats().map((f) => [...f])).toEqual(list.map((e) => e.formats));
  });
});

describe('hash task', () => {
  it('streams the file through sha256 and returns its size', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const p = fx.write('big.bin', big);
    expect(await hash({ path: p })).toEqual({ ok: true, sha256: createHash('sha256').update(big).digest('hex'), size: big.length });
  });

  it('typed errors: missing file, directory, no path', async () => {
    expect(await hash({ path: path.join(fx.dir, 'missing.bin') })).toMatchObject({ ok: false, error: { code: 'file_not_found' } });
    const dir = path.join(fx.dir, 'hash-dir');
    mkdirSync(dir);
    expect(await hash({ path: dir })).toMatchObject({ ok: false, error: { code: 'not_a_file' } });
    expect(await hash({ path: '' })).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});

describe('progress reporter', () => {
  it('throttles to one message per interval, always sends the final state, then closes the port', async () => {
    const { port1, port2 } = new MessageChannel();
    const got: unknown[] = [];
    port1.on('message', (m) => got.push(m));
    const closed = new Promise<void>((resolve) => port1.once('close', () => resolve()));
    const reporter = createProgressReporter(port2, 10_000);
    for (let i = 1; i <= 1000; i++) reporter.report(i, 1000);
    await reporter.finish();
    await closed;
    expect(got).toEqual([
      { processed: 1, total: 1000 },
      { processed: 1000, total: 1000 },
    ]);
    // Reporting after close is a no-op, never a throw.
    expect(() => reporter.report(1, 1)).not.toThrow();
  });
});
