/**
 * Tar archives, plain or compressed (.tar, .tar.gz / .tgz, .tar.bz2 / .tbz2,
 * .tar.xz / .txz; workers/compress): read as a
 * stream, entry by entry (workers/tar/reader.ts); with a spoolDir the files
 * are written there through the spool's sanitiser and returned as
 * `children`, as ZIP entries are. The same zip-bomb limits apply (entry
 * count, size per entry and in total, expansion ratio of the compressed
 * stream, nesting depth); links, devices and FIFOs are never written.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ExtractionError, type Table } from '../../shared/extraction';
import { compressionError, compressionOf, decompressor, type Compression } from '../compress';
import { Spool } from '../spool';
import { TarReader, type TarEntry } from '../tar/reader';
import { zipError } from '../zip/archive';
import { archiveLimits, decompressionGuard, human } from './archive-limits';
import { markdownTable, WarningList } from './common';
import type { ExtractInput, Extractor } from './types';

const FILE_TYPES = new Set(['0', '7', '\0']);
const SKIPPED: Record<string, string> = { '1': 'a hard link', '2': 'a symbolic link', '3': 'a device', '4': 'a device', '6': 'a FIFO' };

async function compression(path: string): Promise<Compression | null> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(16), 0, 16, 0);
    return compressionOf(buffer.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * The archive's bytes, decompressed when compressed, through the size and
 * ratio guard; `close` releases the file when reading stops before its end
 * (the end-of-archive blocks, a limit, damage).
 */
function source(input: ExtractInput, kind: Compression | null, what: string, guard: ReturnType<typeof decompressionGuard>) {
  const raw = input.stream();
  const fail = (err: unknown) => guard.destroy(kind ? compressionError(kind, err, what) : err instanceof ExtractionError ? err : zipError(err, what));
  raw.on('error', fail);
  const decoder = kind ? decompressor(kind) : null;
  decoder?.on('error', fail);
  const bytes: AsyncIterable<Buffer> = decoder ? (raw.pipe(decoder) as Readable).pipe(guard) : raw.pipe(guard);
  return {
    bytes,
    close(): void {
      for (const s of [raw, decoder, guard]) s?.destroy();
    },
  };
}

export const tarExtractor: Extractor = {
  name: 'tar',
  version: '1.1.0',
  formats: ['tar'],
  async extract(input, ctx) {
    const limits = archiveLimits(input.options);
    const kind = await compression(input.path);
    const what = kind ? `${kind}-compressed tar archive` : 'tar archive';
    const guard = decompressionGuard(input.size, limits, what);
    const src = source(input, kind, what, guard);
    const reader = new TarReader(src.bytes);
    const warnings = new WarningList(200);
    const tooDeep = input.options.depth >= limits.maxDepth;
    if (tooDeep) warnings.add(`Archive nested ${input.options.depth} levels deep: entries listed, not unpacked (limit ${limits.maxDepth})`);
    const spool = input.spoolDir && !tooDeep ? new Spool(input.spoolDir) : null;

    const entries: Array<TarEntry & { status: string }> = [];
    let stopped: ExtractionError | null = null;
    for (;;) {
      let e: TarEntry | null;
      try {
        e = await reader.next();
      } catch (err) {
        stopped = err instanceof ExtractionError ? err : zipError(err, what);
        break;
      }
      if (!e) break;
      if (entries.length >= limits.maxEntries) {
        warnings.add(`The archive has more than ${limits.maxEntries} entries; only the first ${limits.maxEntries} are read (limit)`);
        break;
      }
      ctx.progress(entries.length, 0);
      const status = await unpack(e, reader, spool, limits.maxEntryBytes, entries.length, warnings).catch((err: unknown) => {
        stopped = err instanceof ExtractionError ? err : zipError(err, what);
        return 'unreadable';
      });
      entries.push({ ...e, status });
      if (stopped) break;
    }
    src.close();
    const stop = stopped as ExtractionError | null;
    const files = entries.filter((e) => FILE_TYPES.has(e.type));
    if (stop) {
      const read = files.filter((e) => e.status === 'ok').length;
      if (stop.code === 'corrupt_file' && read === 0) throw stop;
      if (stop.code !== 'corrupt_file' && stop.code !== 'resource_limit') throw stop;
      warnings.add(`${stop.message}; ${read} file${read === 1 ? '' : 's'} before that point ${read === 1 ? 'was' : 'were'} read`);
    }
    ctx.progress(entries.length, entries.length);

    const rows = [['Name', 'Size', 'Modified', 'Status']];
    for (const e of entries) rows.push([e.name, e.type === '5' ? '' : String(e.size), e.modified ?? '', e.status]);
    const table: Table = { name: 'entries', rows, hasHeader: true };
    const expanded = files.reduce((s, e) => s + e.size, 0);
    if (!files.length) warnings.add('The archive has no files');
    const label = kind ? what : 'Tar archive';
    return {
      text: entries.map((e) => (e.type === '5' ? e.name : `${e.name}\t${human(e.size)}`)).join('\n'),
      markdown: `${label[0]!.toUpperCase()}${label.slice(1)}, ${files.length} file${files.length === 1 ? '' : 's'} (${human(expanded)})\n\n${markdownTable(rows, true)}`,
      metadata: {
        compression: kind ?? 'none',
        tarFormat: reader.variant ?? 'unknown',
        entries: entries.length,
        files: files.length,
        folders: entries.filter((e) => e.type === '5').length,
        expandedBytes: expanded,
        ...(kind ? { decompressedBytes: guard.bytes } : {}),
        unpacked: !!spool,
        depth: input.options.depth,
        ...(spool ? {} : { entryNames: files.map((e) => e.name).slice(0, 1000) }),
      },
      tables: [table],
      warnings: warnings.toArray(),
      children: spool ? spool.children : undefined,
      counters: { items: files.length, entries: entries.length, files: files.length, extracted: spool?.children.length ?? 0 },
    };
  },
};

/** Writes (or, without a spool, reads through) one entry; returns its status for the listing. */
async function unpack(e: TarEntry, reader: TarReader, spool: Spool | null, maxEntryBytes: number, index: number, warnings: WarningList): Promise<string> {
  if (e.type === '5') return 'folder';
  if (!FILE_TYPES.has(e.type)) {
    warnings.add(`Skipped "${e.name}": ${SKIPPED[e.type] ?? `entry type "${e.type}"`} (never unpacked)`);
    return 'skipped';
  }
  if (e.size > maxEntryBytes) {
    warnings.add(`Skipped "${e.name}": ${human(e.size)}, over the ${human(maxEntryBytes)} limit for one entry`);
    return 'limit';
  }
  if (spool) await spool.write(e.name, async () => [reader.data()], { fallback: `entry-${index + 1}`, limit: maxEntryBytes });
  else await reader.skip();
  return 'ok';
}
