/** A file written a chunk at a time, waiting when the disk falls behind (the exports' one writer). */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Write } from './full-text.js';

export interface FileWriter {
  write: Write;
  /** Ends the file; its size in bytes. */
  close(): Promise<number>;
}

export function openWriter(file: string): FileWriter {
  const out = createWriteStream(file);
  // An error (disk full) is thrown by the next write or by close, not lost.
  let failed: Error | undefined;
  out.on('error', (err) => (failed = err));
  return {
    async write(chunk) {
      if (failed) throw failed;
      // once() rejects on 'error' and takes both its listeners off either way (a race of two once() calls left
      // an 'error' listener behind at every drain: Node warned of a leak past ten).
      if (!out.write(chunk)) await once(out, 'drain');
      if (failed) throw failed;
    },
    async close() {
      if (failed) throw failed;
      out.end();
      await once(out, 'finish');
      return out.bytesWritten;
    },
  };
}
