/** Turning whatever was thrown into a SerializedError that survives the thread boundary. */
import { ExtractionError, type ErrorCode, type Format, type SerializedError } from '../shared/extraction';
import { formatLabel } from './extractors/types';

/** Node fs error codes -> our codes. */
export function fsErrorCode(err: unknown): ErrorCode | null {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
      return 'file_not_found';
    case 'EISDIR':
    case 'ELOOP':
      return 'not_a_file';
    case 'EBUSY':
    case 'EAGAIN':
    case 'EMFILE':
    case 'ENFILE':
    case 'ETXTBSY':
      return 'file_busy';
    // Windows also reports files locked by another program as EPERM/EACCES; we cannot
    // tell the two apart, and a user retry (after closing the other program) covers the lock.
    case 'EPERM':
    case 'EACCES':
      return 'permission_denied';
    default:
      return null;
  }
}

export function fsErrorMessage(code: ErrorCode, filePath: string, err: unknown): string {
  const sys = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'file_not_found':
      return `File not found: ${filePath}`;
    case 'not_a_file':
      return `Not a regular file: ${filePath}`;
    case 'permission_denied':
      return `Permission denied (or the file is locked by another program): ${filePath}`;
    case 'file_busy':
      return `File is busy or too many files are open (${sys}): ${filePath}`;
    default:
      return `${(err as Error)?.message ?? String(err)}`;
  }
}

/**
 * Unexpected exceptions. Anything thrown while an extractor parses
 * (`phase: 'parse'`) is blamed on that file and is permanent: the same bytes
 * fail the same way on every attempt, so a retry only wastes a worker.
 * - resource exhaustion (call stack, string or array size) -> resource_limit;
 * - a library's own error about the data -> corrupt_file;
 * - a TypeError, ReferenceError or failed assertion inside a parser (it met
 *   input it did not expect) -> extractor_error: we cannot say the file is
 *   damaged, only that this extractor cannot read it.
 * The library's message is kept in the details either way. Anywhere else
 * (assembling the result) an exception is our own fault: 'internal'.
 */
export function serializeError(err: unknown, format: Format | undefined, phase: 'parse' | 'other'): SerializedError {
  if (err instanceof ExtractionError) {
    return { code: err.code, message: err.message, details: { ...err.details, ...(format ? { format } : {}) } };
  }
  const e = err as Error;
  const message = e?.message ?? String(err);
  const label = format ? formatLabel(format) : 'file';
  const details: Record<string, unknown> = { name: e?.name, ...(format ? { format } : {}) };
  const tooBig = (err as NodeJS.ErrnoException)?.code === 'ERR_STRING_TOO_LONG' || /string longer than|Invalid string length/i.test(message);
  if (tooBig || (e instanceof RangeError && /call stack|array length|allocation/i.test(message))) {
    return { code: 'resource_limit', message: `The ${label} file is too large or too deeply nested to process: ${message}`, details };
  }
  const fsCode = fsErrorCode(err);
  if (fsCode) return { code: fsCode, message: message, details };
  const withCause = { ...details, cause: message, stack: stackHead(e) };
  if (phase === 'parse' && isParserFault(e)) {
    return { code: 'extractor_error', message: `The ${label} extractor could not read this file: ${message}`, details: withCause };
  }
  if (phase === 'parse' && ZIP_LIBRARY_TEXT.test(message)) {
    // JSZip (inside mammoth) words it "unexpected signature (\x50\x4B\x01\x02 ...)": a person needs the sentence, support the bytes.
    return {
      code: 'corrupt_file',
      message: `The ${label} file is damaged: its ZIP structure is broken (a record is missing or not where the archive says), so it cannot be opened`,
      details: withCause,
    };
  }
  if (phase === 'parse') {
    return { code: 'corrupt_file', message: `Could not parse the ${label} file: ${message}`, details: withCause };
  }
  return { code: 'internal', message: `Internal error while extracting the ${label} file: ${message}`, details: withCause };
}

/** ZIP readers' own wording for a broken archive structure (signatures, central directory records). */
const ZIP_LIBRARY_TEXT = /Corrupted zip|unexpected signature|records in central dir|end of central directory/i;

/** A parser tripping over input it did not expect, rather than reporting bad data. */
function isParserFault(e: Error): boolean {
  return e instanceof TypeError || e instanceof ReferenceError || e?.name === 'AssertionError' || (e as NodeJS.ErrnoException)?.code === 'ERR_ASSERTION';
}

function stackHead(e: Error): string | undefined {
  return e?.stack?.split('\n').slice(0, 6).join('\n');
}
