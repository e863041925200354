/**
 * How the worker classifies what a parser throws. A library that throws on a
 * file's bytes fails that file for good: the same bytes fail the same way on
 * every attempt, so it is never 'internal' (retried) and its message stays.
 * The errors here are thrown by real code: linkedom, node:assert, a DataView.
 */
import assert from 'node:assert';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { categoryOf, type ErrorCode } from '../../../shared/extraction';
import { serializeError } from '../../../workers/errors';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('errors thrown while parsing', () => {
  const libraryTypeError = thrownBy(() => parseHTML('').document.body); // linkedom on an empty page
  const assertion = thrownBy(() => assert.strictEqual(1, 2, 'table row count mismatch'));
  const pastTheEnd = thrownBy(() => new DataView(new ArrayBuffer(2)).getInt32(0));

  it.each([
    ['a TypeError inside a library', libraryTypeError, 'extractor_error'],
    ['a failed assertion inside a library', assertion, 'extractor_error'],
    ['a RangeError reading past the end of the data', pastTheEnd, 'corrupt_file'],
    ['a library error about the data', new Error('bad XRef entry'), 'corrupt_file'],
  ] as const)('%s fails the file permanently, with the library message kept', (_what, err, code) => {
    const out = serializeError(err, 'html', 'parse');
    expect(out.code).toBe(code);
    expect(categoryOf(out.code as ErrorCode)).toBe('permanent');
    const message = (err as Error).message;
    expect(out.message).toContain(message);
    expect(out.details).toMatchObject({ cause: message, name: (err as Error).name, format: 'html' });
  });

  it('resource exhaustion is resource_limit, and outside parsing an exception is still ours (internal)', () => {
    const deep = thrownBy(() => {
      const f = (): number => f() + 1;
      return f();
    });
    expect(serializeError(deep, 'html', 'parse').code).toBe('resource_limit');
    expect(serializeError(libraryTypeError, 'html', 'other').code).toBe('internal');
  });
});

describe('library wording about a broken ZIP', () => {
  it('becomes a sentence a person understands; the library text stays in the details', async () => {
    const JSZip = (await import('jszip')).default;
    const zip = new JSZip();
    zip.file('word/document.xml', '<w:document/>');
    const bytes = Buffer.from(await zip.generateAsync({ type: 'nodebuffer' }));
    bytes[1] = 0x4c; // the first local header's signature
    const err = await JSZip.loadAsync(bytes).then(
      () => null,
      (e: unknown) => e,
    );
    const out = serializeError(err, 'docx', 'parse');
    expect(out.code).toBe('corrupt_file');
    expect(out.message).toBe(
      'The DOCX file is damaged: its ZIP structure is broken (a record is missing or not where the archive says), so it cannot be opened',
    );
    expect(out.message).not.toMatch(/\\x|signature/);
    expect(out.details?.cause).toMatch(/unexpected signature/);
  });
});
