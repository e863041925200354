// Type stubs for dependencies that ship none.
declare module '@joplin/turndown-plugin-gfm' {
  import type TurndownService from 'turndown';
  export const gfm: TurndownService.Plugin;
  export const tables: TurndownService.Plugin;
  export const strikethrough: TurndownService.Plugin;
  export const taskListItems: TurndownService.Plugin;
  export const highlightedCodeBlock: TurndownService.Plugin;
}

declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}

declare module 'yauzl/fd-slicer.js' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';
  /** yauzl's reader over a file descriptor (the RandomAccessReader it uses for files). */
  export class FdSlicer extends EventEmitter {
    constructor(fd: number);
    readonly fd: number;
    read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number, buffer?: Buffer) => void): void;
    createReadStream(options?: { start?: number; end?: number }): Readable;
  }
}
