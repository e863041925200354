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

declare module 'pdfjs-dist/legacy/image_decoders/pdf.image_decoders.mjs' {
  /** pdf.js's own JPEG decoder (baseline and progressive, grey, RGB, CMYK), in JavaScript. */
  export class JpegImage {
    constructor(options?: { decodeTransform?: number[] | null; colorTransform?: number });
    parse(data: Uint8Array): void;
    readonly width: number;
    readonly height: number;
    readonly numComponents: number;
    /** Pixels at the size asked for (sampled), RGB when forceRGB. */
    getData(opts: { width: number; height: number; forceRGB?: boolean; forceRGBA?: boolean; isSourcePDF?: boolean }): Uint8ClampedArray;
  }
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

declare module 'unbzip2-stream/lib/bit_iterator.js' {
  /** Reads n bits (n === null aligns to the next byte) from the buffers `next` hands out. */
  type BitReader = ((n: number | null) => number) & { bytesRead: number };
  export default function bitIterator(next: () => Buffer | undefined): BitReader;
}

declare module 'unbzip2-stream/lib/bzip2.js' {
  type BitReader = ((n: number | null) => number) & { bytesRead: number };
  const bzip2: {
    /** The stream header: returns the block-size level (1-9); throws on a bad magic. */
    header(bits: BitReader): number;
    /** Decodes one block into `write`; returns the running stream CRC, or null at the end of the stream. */
    decompress(bits: BitReader, write: (byte: number) => void, buf: Int32Array, bufsize: number, streamCRC: number | null): number | null;
  };
  export default bzip2;
}

declare module 'word-extractor' {
  interface WordDocument {
    getBody(): string;
    getFootnotes(): string;
    getEndnotes(): string;
    getAnnotations(): string;
    getTextboxes(opts?: { includeHeadersAndFooters?: boolean; includeBody?: boolean }): string;
    getHeaders(opts?: { includeFooters?: boolean }): string;
    getFooters(): string;
  }
  export default class WordExtractor {
    extract(source: Buffer | string): Promise<WordDocument>;
  }
}
