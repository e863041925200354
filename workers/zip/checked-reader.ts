/**
 * yauzl's file reader (its own fd-slicer), refusing reads outside the file.
 * Offsets in a ZIP come from the file itself (the ZIP64 end record, the
 * central directory, each entry's record); fs.read throws, rather than
 * calling back, for a position past 2^53, and inside yauzl's callbacks that
 * throw escapes every handler and ends the thread. Here such a read calls
 * back with an error, which yauzl reports as a damaged archive.
 */
import { close, fstat, open, read as readFd } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import { FdSlicer } from 'yauzl/fd-slicer.js';
import { MAX_TAIL, zipWindow, type ZipWindow } from './window';

type ReadCallback = (err: Error | null, bytesRead?: number, buffer?: Buffer) => void;

const outside = (what: string, size: number) => new Error(`a read at ${what} lies outside the file (${size} bytes): the archive's offsets are damaged`);

/**
 * An open reader for yauzl.fromRandomAccessReader over the ZIP inside the file
 * (see window.ts: bytes before or after it are left out), the ZIP's size, and
 * the window when it is not the whole file. Closed when yauzl lets go of it.
 */
export async function openChecked(file: string): Promise<{ reader: FdSlicer; size: number; window?: ZipWindow; fileSize: number }> {
  const fd = await promisify(open)(file, 'r');
  try {
    const fileSize = (await promisify(fstat)(fd)).size;
    const tail = Buffer.alloc(Math.min(fileSize, MAX_TAIL));
    await promisify(readFd)(fd, tail, 0, tail.length, fileSize - tail.length);
    const found = zipWindow(tail, fileSize);
    const window = found && (found.start > 0 || found.end < fileSize) ? found : undefined;
    const shift = window?.start ?? 0;
    const size = window ? window.end - window.start : fileSize;
    const reader = new FdSlicer(fd);
    const within = (start: number, length: number) =>
      Number.isSafeInteger(start) && Number.isSafeInteger(length) && start >= 0 && length >= 0 && start + length <= size;
    const read = reader.read.bind(reader);
    reader.read = (buffer: Buffer, offset: number, length: number, position: number, cb: ReadCallback) => {
      if (!within(position, length)) return void setImmediate(() => cb(outside(String(position), size)));
      read(buffer, offset, length, position + shift, cb);
    };
    const createReadStream = reader.createReadStream.bind(reader);
    reader.createReadStream = (o: { start?: number; end?: number } = {}): Readable => {
      const start = o.start ?? 0;
      if (!within(start, (o.end ?? size) - start)) {
        const failed = new PassThrough();
        setImmediate(() => failed.destroy(outside(`${start}-${o.end}`, size)));
        return failed;
      }
      return createReadStream({ ...o, start: start + shift, ...(o.end !== undefined ? { end: o.end + shift } : {}) });
    };
    return { reader, size, fileSize, ...(window ? { window } : {}) };
  } catch (err) {
    close(fd, () => undefined);
    throw err;
  }
}
