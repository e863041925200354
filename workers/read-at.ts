/** Positioned reads that return what is there: a short read at the end of a file is not an error. */

/** What readAt needs: an open file (fs.promises FileHandle) or bytes already in memory (bufferReader). */
export interface PositionalReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

export async function readAt(fh: PositionalReader, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** A whole file already read, seen as a file to read from. */
export function bufferReader(data: Buffer): PositionalReader {
  return {
    read: async (buffer, offset, length, position) => ({
      bytesRead: position >= data.length ? 0 : data.copy(buffer, offset, position, Math.min(data.length, position + length)),
    }),
  };
}
