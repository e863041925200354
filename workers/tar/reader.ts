/**
 * Reads a tar stream entry by entry, pulling bytes as they are needed, so an
 * entry's data can be piped to the spool without holding the archive (or the
 * entry) in memory. The caller consumes or skips each entry's data before
 * asking for the next header.
 */
import { Readable } from 'node:stream';
import { ExtractionError } from '../../shared/extraction';
import { BLOCK, isZeroBlock, parseHeader, paxPath, type TarHeader } from './ustar';

/** Exact-size reads over an async byte source; a short result means the source ended. */
class Pull {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  /** Bytes handed out so far (the offset of the next read). */
  offset = 0;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
  }

  /** Exactly n bytes, fewer only where the source ends. */
  async read(n: number): Promise<Buffer> {
    await this.fill(Math.min(n, 1));
    if (this.buffered === 0) return Buffer.alloc(0);
    if (this.buffered < n) await this.fill(n);
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const take = Math.min(n, all.length);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    this.offset += take;
    return out;
  }

  /** Some bytes, up to n: what is buffered or the next chunk, so large entries stream in pieces. */
  async some(n: number): Promise<Buffer> {
    if (this.buffered === 0) await this.fill(1);
    return this.read(Math.min(n, Math.max(this.buffered, 1)));
  }
}

export interface TarEntry extends TarHeader {
  /** Offset of the entry's header in the (decompressed) archive. */
  offset: number;
}

const MAX_NAME_RECORD = 1024 * 1024;

export class TarReader {
  private readonly pull: Pull;
  /** Data bytes of the current entry not yet consumed, and its padding. */
  private remaining = 0;
  private padding = 0;
  /** The archive's variant, from the first header's magic: "ustar" (POSIX), "gnu" or "v7". */
  variant?: string;

  constructor(source: AsyncIterable<Buffer>) {
    this.pull = new Pull(source[Symbol.asyncIterator]());
  }

  private truncated(what: string): ExtractionError {
    return new ExtractionError('corrupt_file', `The tar archive is truncated: it ends inside ${what} (at byte ${this.pull.offset})`, {
      offset: this.pull.offset,
    });
  }

  /** The next entry, or null at the end-of-archive blocks (or a clean end of the data). */
  async next(): Promise<TarEntry | null> {
    await this.skip();
    let longName: string | undefined;
    for (;;) {
      const offset = this.pull.offset;
      const block = await this.pull.read(BLOCK);
      if (block.length === 0 || (block.length === BLOCK && isZeroBlock(block))) return null;
      if (block.length < BLOCK) throw this.truncated('a header');
      const header = parseHeader(block);
      if (!header) {
        throw new ExtractionError('corrupt_file', `The tar archive has a damaged header at byte ${offset} (checksum or size field invalid)`, { offset });
      }
      this.variant ??= variantOf(block);
      this.remaining = header.size;
      this.padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
      // Extension entries name the entry after them.
      if (header.type === 'L' || header.type === 'x') {
        if (header.size > MAX_NAME_RECORD) throw new ExtractionError('corrupt_file', `The tar archive has a ${header.size}-byte name record (damaged)`);
        const data = await this.readAll();
        longName = header.type === 'L' ? data.toString('utf8').replace(/\0+$/, '') : (paxPath(data) ?? longName);
        continue;
      }
      if (header.type === 'g') {
        await this.skip();
        continue;
      }
      return { ...header, name: longName ?? header.name, offset };
    }
  }

  private async readAll(): Promise<Buffer> {
    const data = await this.pull.read(this.remaining);
    if (data.length < this.remaining) throw this.truncated('an entry');
    this.remaining = 0;
    await this.skip();
    return data;
  }

  /** The current entry's data as a stream (read once, before calling next()). */
  data(): Readable {
    return Readable.from(this.chunks());
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      const chunk = await this.pull.some(Math.min(this.remaining, 1024 * 1024));
      if (chunk.length === 0) throw this.truncated('an entry');
      this.remaining -= chunk.length;
      yield chunk;
    }
  }

  /** Skips what is left of the current entry and its padding. */
  async skip(): Promise<void> {
    while (this.remaining > 0) {
      const chunk = await this.pull.some(Math.min(this.remaining, 1024 * 1024));
      if (chunk.length === 0) throw this.truncated('an entry');
      this.remaining -= chunk.length;
    }
    if (this.padding) {
      // Padding may be missing at the very end of a truncated file: that loses nothing.
      await this.pull.read(this.padding);
      this.padding = 0;
    }
  }
}

function variantOf(block: Buffer): string {
  const magic = block.toString('latin1', 257, 263);
  return magic === 'ustar\0' ? 'ustar' : magic === 'ustar ' ? 'gnu' : 'v7';
}
