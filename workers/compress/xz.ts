/**
 * xz decompression as a Node Duplex, on `xz-decompress` (xz-embedded, the
 * public-domain decoder of the XZ Utils authors, compiled to WebAssembly:
 * no native code, runs in a worker thread). It checks CRC32 and CRC64,
 * reads concatenated streams, and refuses a dictionary beyond its memory
 * limit instead of allocating it. It has no BCJ (executable) filters and
 * no SHA-256 check: such files fail as unsupported_format, saying so.
 */
import { Transform, type TransformCallback } from 'node:stream';
import xz from 'xz-decompress';
import { ExtractionError } from '../../shared/extraction';

/**
 * The library decodes a web ReadableStream and lets one decoder run at a
 * time per thread (a mutex it releases at the end, on an error, or on
 * cancel). So the compressed side here is a web stream this class feeds
 * and can always end, and the decoded side is read in a loop that pushes
 * into this Node stream; destroying it cancels the decoder, which frees
 * the next one. (Readable.toWeb/fromWeb around it left the mutex held when
 * a pipeline was torn down mid-stream, and every later xz file waited.)
 */
export class Unxz extends Transform {
  private pending: { chunk: Buffer; done: () => void } | null = null;
  private wake: (() => void) | null = null;
  private ended = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly finished: Promise<Error | null>;
  private resumeOutput: (() => void) | null = null;

  constructor() {
    super();
    const source = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (!this.pending && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
        if (this.pending) {
          const { chunk, done } = this.pending;
          this.pending = null;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          done();
        } else controller.close();
      },
    });
    this.reader = (new xz.XzReadableStream(source) as ReadableStream<Uint8Array>).getReader();
    this.finished = this.pump();
  }

  /** Decoded chunks into this stream, waiting while the reader downstream is behind. */
  private async pump(): Promise<Error | null> {
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) return null;
        if (value.byteLength && !this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) {
          await new Promise<void>((resolve) => (this.resumeOutput = resolve));
        }
      }
    } catch (err) {
      const typed = xzError(err);
      this.destroy(typed);
      return typed;
    }
  }

  override _read(size: number): void {
    const resume = this.resumeOutput;
    this.resumeOutput = null;
    resume?.();
    super._read(size);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    // A decoder failure destroys this stream, which drops the wait for the chunk to be taken.
    this.pending = { chunk, done: () => cb() };
    this.wakeSource();
  }

  override _flush(cb: TransformCallback): void {
    this.ended = true;
    this.wakeSource();
    void this.finished.then((err) => cb(err));
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.ended = true;
    this.wakeSource();
    this.resumeOutput?.();
    this.reader.cancel().catch(() => undefined);
    cb(err);
  }

  private wakeSource(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

export function unxz(): Unxz {
  return new Unxz();
}

/** xz-embedded's return codes (xz.h), as the library reports them: "get_next_output failed with error code N". */
const CODES: Record<number, [ExtractionError['code'], string]> = {
  2: ['unsupported_format', 'The xz file uses an integrity check this reader does not support (SHA-256)'],
  3: ['resource_limit', 'The xz file needs more memory to decompress than is allowed'],
  4: ['resource_limit', 'The xz file needs a dictionary larger than the decompressor allows'],
  5: ['corrupt_file', 'Not an xz file (no xz header)'],
  6: ['unsupported_format', 'The xz file uses options this reader does not support (a BCJ filter for executables, or a SHA-256 check)'],
  7: ['corrupt_file', 'The xz data is damaged: a checksum or the compressed data is wrong'],
  8: ['corrupt_file', 'The xz file is truncated (it ends inside the compressed data)'],
};

export function xzError(err: unknown): ExtractionError {
  if (err instanceof ExtractionError) return err;
  const message = (err as Error)?.message ?? String(err);
  const code = /error code (\d+)/.exec(message)?.[1];
  const known = code ? CODES[Number(code)] : undefined;
  if (known) return new ExtractionError(known[0], known[1], { library: message });
  return new ExtractionError('corrupt_file', 'The xz data is damaged and cannot be decompressed', { library: message });
}
