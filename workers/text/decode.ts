/**
 * Bytes -> string for every text-based format.
 *
 * Order of trust: a byte-order mark (unambiguous), then an explicit user
 * option, then a charset the document declares (HTML <meta>, XML prolog),
 * then "is it valid UTF-8?" (cheap and almost never wrong on real text, while
 * statistical detectors misread short UTF-8 as Latin-x), then chardet's
 * guess, then windows-1252 as the last resort because every byte maps.
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';

export type EncodingSource = 'bom' | 'option' | 'declared' | 'utf8' | 'utf16-heuristic' | 'chardet' | 'fallback';

export interface EncodingGuess {
  /** Canonical name as recorded in Detection.encoding, e.g. "UTF-8", "ISO-8859-1". */
  encoding: string;
  source: EncodingSource;
  /** Bytes of BOM to skip before decoding. */
  bomLength: number;
}

export interface Decoded extends EncodingGuess {
  text: string;
  warnings: string[];
}

const BOMS: Array<[number[], string]> = [
  // UTF-32 first: its LE BOM starts with the UTF-16 LE one.
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32LE'],
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32BE'],
  [[0xef, 0xbb, 0xbf], 'UTF-8'],
  [[0xff, 0xfe], 'UTF-16LE'],
  [[0xfe, 0xff], 'UTF-16BE'],
];

export function detectBom(bytes: Uint8Array): { encoding: string; length: number } | null {
  for (const [sig, encoding] of BOMS) {
    if (bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b)) {
      return { encoding, length: sig.length };
    }
  }
  return null;
}

/** How much of the file the statistical detectors look at. */
const SAMPLE_BYTES = 64 * 1024;

/**
 * UTF-16 without a BOM: ASCII-heavy text has a zero in every other byte.
 * chardet only recognises UTF-16 by its BOM, so this covers the rest.
 */
function sniffUtf16(bytes: Uint8Array): string | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros / pairs > 0.3 && evenZeros / pairs < 0.05) return 'UTF-16LE';
  if (evenZeros / pairs > 0.3 && oddZeros / pairs < 0.05) return 'UTF-16BE';
  return null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * True when `bytes` is valid UTF-8. When `truncated` (a head sample), up to
 * three trailing bytes of a cut multi-byte sequence are forgiven.
 */
export function isValidUtf8(bytes: Uint8Array, truncated = false): boolean {
  let end = bytes.length;
  if (truncated) {
    // Back up to the start of the last (possibly incomplete) sequence.
    let i = end - 1;
    let back = 0;
    while (i >= 0 && back < 4 && (bytes[i]! & 0xc0) === 0x80) {
      i--;
      back++;
    }
    if (i >= 0 && bytes[i]! >= 0xc0) end = i;
  }
  try {
    strictUtf8.decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** Normalises an encoding label to the name iconv-lite knows, or null. */
export function normaliseEncoding(label: string | undefined | null): string | null {
  if (!label) return null;
  const l = label.trim().toLowerCase();
  if (!l) return null;
  // WHATWG: these labels all mean windows-1252 on the web, and real
  // "Latin-1" files routinely contain 0x80-0x9F curly quotes.
  if (['ascii', 'us-ascii', 'iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'cp819'].includes(l)) return 'ISO-8859-1';
  if (l === 'utf8' || l === 'utf-8' || l === 'unicode-1-1-utf-8') return 'UTF-8';
  return iconv.encodingExists(l) ? label.trim() : null;
}

export function guessEncoding(bytes: Uint8Array, opts: { override?: string; declared?: string; truncated?: boolean } = {}): EncodingGuess {
  const bom = detectBom(bytes);
  if (bom) return { encoding: bom.encoding, source: 'bom', bomLength: bom.length };

  const override = normaliseEncoding(opts.override);
  if (override) return { encoding: override, source: 'option', bomLength: 0 };

  const sample = bytes.subarray(0, SAMPLE_BYTES);
  const sampleTruncated = opts.truncated || bytes.length > SAMPLE_BYTES;
  const utf16 = sniffUtf16(sample);
  if (utf16) return { encoding: utf16, source: 'utf16-heuristic', bomLength: 0 };

  const declared = normaliseEncoding(opts.declared);
  // A declared UTF-8 that is not valid UTF-8 is a lie; let detection decide.
  if (declared && !(declared === 'UTF-8' && !isValidUtf8(sample, sampleTruncated))) {
    return { encoding: declared, source: 'declared', bomLength: 0 };
  }

  if (isValidUtf8(sample, sampleTruncated)) return { encoding: 'UTF-8', source: 'utf8', bomLength: 0 };

  const guess = normaliseEncoding(chardet.detect(sample));
  if (guess && guess !== 'UTF-8') return { encoding: preferWestern(sample, guess), source: 'chardet', bomLength: 0 };
  return { encoding: 'windows-1252', source: 'fallback', bomLength: 0 };
}

/**
 * On short samples chardet often names a Latin sibling (ISO-8859-9 for
 * German text, say) that decodes these bytes exactly as Latin-1 does. Then
 * the text is the same and "ISO-8859-1" (or windows-1252, when 0x80-0x9F
 * bytes are present: curly quotes, euro sign) is the honest label.
 */
function preferWestern(sample: Uint8Array, guess: string): string {
  const buf = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength);
  const hasC1 = buf.some((b) => b >= 0x80 && b <= 0x9f);
  const western = hasC1 ? 'windows-1252' : 'ISO-8859-1';
  if (guess === western) return guess;
  try {
    return iconv.decode(buf, guess) === iconv.decode(buf, western) ? western : guess;
  } catch {
    return guess;
  }
}

/** Decodes a whole file's bytes, BOM removed, recording how the encoding was chosen. */
export function decodeText(bytes: Uint8Array, opts: { override?: string; declared?: string; truncated?: boolean } = {}): Decoded {
  const guess = guessEncoding(bytes, opts);
  const body = bytes.subarray(guess.bomLength);
  const warnings: string[] = [];
  let text: string;
  if (guess.encoding === 'UTF-8') {
    text = new TextDecoder('utf-8').decode(body);
    if (guess.source !== 'utf8' && text.includes('\uFFFD') && !isValidUtf8(body)) {
      warnings.push('File contains bytes that are not valid UTF-8; they were replaced with U+FFFD');
    }
  } else {
    text = iconv.decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), guess.encoding);
  }
  // A sample can look like UTF-8 while a later part is not: fall back once.
  if (guess.source === 'utf8' && !opts.truncated && bytes.length > SAMPLE_BYTES && text.includes('\uFFFD') && !isValidUtf8(body)) {
    const rest = normaliseEncoding(chardet.detect(body)) ?? 'windows-1252';
    if (rest !== 'UTF-8') {
      text = iconv.decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), rest);
      warnings.push(`File starts as UTF-8 but later bytes are not; decoded as ${rest}`);
      return { ...guess, encoding: rest, source: 'chardet', text, warnings };
    }
  }
  return { ...guess, text, warnings };
}

/**
 * Looks for a charset declaration in the first bytes of a document: HTML
 * <meta charset> / http-equiv, or an XML prolog's encoding="...". Read as
 * Latin-1 so any ASCII-compatible encoding can be scanned before decoding.
 */
export function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('latin1');
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  if (xml) return xml[1];
  const meta = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return meta?.[1];
}
