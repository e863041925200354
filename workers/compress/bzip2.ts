/**
 * bzip2 decompression as a Node Transform, on the pure-JS decoder of the
 * `unbzip2-stream` package (micro-bunzip's port; block and stream CRCs are
 * checked). Its own stream wrapper is not used: it collects each block's
 * output as an array of numbers (up to ~46 M of them for a hostile block of
 * runs), where this one writes bytes into 64 KiB buffers.
 *
 * Concatenated streams (pbzip2, `cat a.bz2 b.bz2`) are read one after the
 * other; bytes after the last complete stream that are not another stream
 * are left unread and counted in `trailingBytes` (bzip2 itself warns and
 * ignores them).
 */
import { Transform, type TransformCallback } from 'node:stream';
import bitIterator from 'unbzip2-stream/lib/bit_iterator.js';
import bz2 from 'unbzip2-stream/lib/bzip2.js';
import { ExtractionError } from '../../shared/extraction';

const OUT_CHUNK = 64 * 1024;
/** Bytes that must be buffered before a block is decoded: a whole block (100 kB × level) and its tables. */
const needed = (level: number) => (level ? 25_000 + 100_000 * level : 4);

export class Bunzip2 extends Transform {
  private readonly queue: Buffer[] = [];
  private received = 0;
  private bits: ReturnType<typeof bitIterator> | null = null;
  /** 1-9 inside a stream, 0 between streams. */
  private level = 0;
  private crc: number | null = null;
  private streams = 0;
  private work: Int32Array | null = null;
  private out = Buffer.allocUnsafe(OUT_CHUNK);
  private at = 0;
  private done = false;
  trailingBytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.done) {
      this.trailingBytes += chunk.length;
      return cb();
    }
    this.queue.push(chunk);
    this.received += chunk.length;
    this.bits ??= bitIterator(() => this.queue.shift());
    try {
      while (!this.done && this.received - this.bits.bytesRead + 1 >= needed(this.level)) this.step();
      cb();
    } catch (err) {
      cb(bzip2Error(err));
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      while (!this.done && this.bits && this.received > this.bits.bytesRead) this.step();
      if (!this.bits) throw new ExtractionError('corrupt_file', 'The bzip2 file is empty');
      if (this.level || this.streams === 0) throw new ExtractionError('corrupt_file', 'The bzip2 file is truncated (it ends inside a compressed block)');
      cb();
    } catch (err) {
      cb(bzip2Error(err));
    }
  }

  /** Reads one stream header or decodes one block. */
  private step(): void {
    const bits = this.bits!;
    if (!this.level) {
      const before = bits.bytesRead;
      try {
        this.level = bz2.header(bits);
      } catch (err) {
        // After a complete stream, what is not another stream is trailing data, not damage.
        if (this.streams === 0) throw err;
        this.done = true;
        this.trailingBytes += this.received - before;
        return;
      }
      this.crc = 0;
      if (this.work?.length !== 100_000 * this.level) this.work = new Int32Array(100_000 * this.level);
      return;
    }
    this.crc = bz2.decompress(bits, this.byte, this.work!, this.work!.length, this.crc);
    this.drain();
    if (this.crc === null) {
      this.level = 0;
      this.streams++;
    }
  }

  private readonly byte = (b: number): void => {
    this.out[this.at++] = b;
    if (this.at === OUT_CHUNK) this.drain();
  };

  private drain(): void {
    if (!this.at) return;
    this.push(Buffer.from(this.out.subarray(0, this.at)));
    this.at = 0;
  }
}

/** The decoder's messages are terse or whimsical ("meow i'm a kitty"): one sentence, the original in details. */
function bzip2Error(err: unknown): ExtractionError {
  if (err instanceof ExtractionError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof TypeError)
    return new ExtractionError('corrupt_file', 'The bzip2 file is truncated (it ends inside a compressed block)', { library: message });
  if (/No magic number|Not a BZIP/i.test(message)) return new ExtractionError('corrupt_file', 'Not a bzip2 file (no bzip2 header)', { library: message });
  if (/crc32/i.test(message)) return new ExtractionError('corrupt_file', 'The bzip2 data is damaged: a checksum does not match', { library: message });
  return new ExtractionError('corrupt_file', 'The bzip2 data is damaged and cannot be decompressed', { library: message });
}
