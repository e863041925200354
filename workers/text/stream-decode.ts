/**
 * Bytes -> text for a file too large to read whole: the encoding is guessed
 * from the head exactly as decodeText guesses it, then the file is decoded
 * chunk by chunk (multi-byte sequences cut by a chunk boundary are carried
 * over by the decoder) into a sink.
 *
 * decodeText re-decodes a file that looked like UTF-8 but is not; a stream
 * cannot take text back, so decoding starts over instead: the sink is
 * discarded and a fresh one gets the whole file in the other encoding. Only
 * invalid files pay for that second pass.
 */
import { open } from 'node:fs/promises';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import type { ExtractInput } from '../extractors/types';
import { readAt } from '../read-at';
import { guessEncoding, normaliseEncoding, type EncodingSource } from './decode';

export interface TextSink {
  write(text: string): void | Promise<void>;
  /** Forget everything written: decoding starts over. */
  discard(): Promise<void>;
}

export interface StreamDecoded<S> {
  sink: S;
  encoding: string;
  source: EncodingSource;
  warnings: string[];
}

/** What decodeText's guess looks at (its SAMPLE_BYTES). */
const HEAD_BYTES = 64 * 1024;
const CHUNK_BYTES = 1024 * 1024;

interface Decoder {
  write(bytes: Buffer): string;
  end(): string;
}

function makeDecoder(encoding: string, strict: boolean): Decoder {
  if (encoding === 'UTF-8') {
    // Same options as decodeText's TextDecoder, plus `fatal` to notice invalid bytes.
    const d = new TextDecoder('utf-8', { fatal: strict });
    return { write: (b) => d.decode(b, { stream: true }), end: () => d.decode() };
  }
  // iconv's UTF-16 decoders can end a chunk on the first half of a surrogate
  // pair (an emoji cut by a chunk boundary): hold it back for the next chunk,
  // or the sink would write half a character.
  const d = iconv.getDecoder(encoding);
  let held = '';
  return {
    write: (b) => {
      let s = held + d.write(b);
      held = '';
      const last = s.charCodeAt(s.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) [s, held] = [s.slice(0, -1), s.slice(-1)];
      return s;
    },
    end: () => held + (d.end() ?? ''),
  };
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    return await readAt(fh, 0, HEAD_BYTES);
  } finally {
    await fh.close();
  }
}

type PassOutcome = { ok: true; truncated: boolean } | { ok: false; badChunk: Buffer };

/** One pass over the file; a strict UTF-8 pass stops at the first invalid chunk. */
async function pass(input: ExtractInput, decoder: Decoder, bomLength: number, sink: TextSink, onBytes: (read: number) => void): Promise<PassOutcome> {
  let skip = bomLength;
  let read = 0;
  let truncated = false;
  for await (const chunk of input.stream({ highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    read += chunk.length;
    const body = skip ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
    skip = Math.max(0, skip - chunk.length);
    let text: string;
    try {
      text = decoder.write(body);
    } catch {
      return { ok: false, badChunk: body };
    }
    if (text) await sink.write(text);
    onBytes(read);
  }
  let tail: string;
  try {
    tail = decoder.end();
  } catch {
    // The file ends inside a character (cut short while being written, say):
    // like decodeText, that one character becomes U+FFFD; the rest stays UTF-8.
    tail = '\uFFFD';
    truncated = true;
  }
  if (tail) await sink.write(tail);
  return { ok: true, truncated };
}

export async function decodeStream<S extends TextSink>(
  input: ExtractInput,
  openSink: () => Promise<S>,
  onBytes: (read: number) => void = () => undefined,
): Promise<StreamDecoded<S>> {
  const head = await readHead(input.path);
  const guess = guessEncoding(head, { override: input.options.encoding, truncated: head.length < input.size });
  const warnings: string[] = [];
  let encoding = guess.encoding;
  let source = guess.source;
  let strict = encoding === 'UTF-8';
  for (;;) {
    const sink = await openSink();
    let outcome: PassOutcome;
    try {
      outcome = await pass(input, makeDecoder(encoding, strict), guess.bomLength, sink, onBytes);
    } catch (err) {
      // A read or write error: no half-written full text is left behind.
      await sink.discard();
      throw err;
    }
    if (outcome.ok) {
      if (outcome.truncated) warnings.push('The file ends in the middle of a character; it was replaced with U+FFFD');
      return { sink, encoding, source, warnings };
    }
    await sink.discard();
    strict = false;
    if (guess.source === 'utf8') {
      // As decodeText: a head that looked like UTF-8, later bytes that are not.
      const rest = normaliseEncoding(chardet.detect(outcome.badChunk)) ?? 'windows-1252';
      if (rest !== 'UTF-8') {
        warnings.push(`File starts as UTF-8 but later bytes are not; decoded as ${rest}`);
        encoding = rest;
        source = 'chardet';
      }
    } else {
      warnings.push('File contains bytes that are not valid UTF-8; they were replaced with U+FFFD');
    }
  }
}
