/**
 * 7z archives, read with 7-Zip itself compiled to WebAssembly (`7z-wasm`,
 * 7-Zip 24.09, LGPL-2.1 with the unRAR restriction): no native code, the
 * decoder sandboxed in its own linear memory, in its own in-memory file
 * system (the real disk is never mounted). Only the 7z format is opened
 * (`-t7z`), so the other formats 7-Zip knows are not reachable through it.
 *
 * The listing comes first, and the zip-bomb limits are checked on the sizes
 * it declares (7-Zip stops each file at its declared size and checks its
 * CRC); then the files are unpacked in batches of at most BATCH_BYTES,
 * each batch spooled as children and dropped before the next. Encrypted
 * archives and entries fail as `encrypted` unless `password` opens them.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ExtractionError, GIVE_PASSWORD, type Table } from '../../shared/extraction';
import { Spool } from '../spool';
import { archiveLimits, human } from './archive-limits';
import { markdownTable, WarningList } from './common';
import type { Extractor } from './types';

/** The whole archive is copied into the decoder's file system. */
export const SEVENZIP_MAX_BYTES = 256 * 1024 ** 2;
/** Declared bytes unpacked into memory at once. */
const BATCH_BYTES = 64 * 1024 ** 2;
/** One file larger than this is listed, not unpacked (it would sit whole in memory). */
const MAX_IN_MEMORY_ENTRY = 256 * 1024 ** 2;
const RATIO_FLOOR = 1024 * 1024;

interface SevenZipFS {
  writeFile(p: string, data: Uint8Array | string): void;
  readFile(p: string): Uint8Array;
  mkdir(p: string): void;
  readdir(p: string): string[];
  lstat(p: string): { mode: number; size: number };
  isFile(mode: number): boolean;
  isDir(mode: number): boolean;
  unlink(p: string): void;
  rmdir(p: string): void;
}
interface SevenZipModule {
  FS: SevenZipFS;
  callMain(args: string[]): number | undefined;
}
type Factory = (opts: Record<string, unknown>) => Promise<SevenZipModule>;

export interface SevenZipEntry {
  path: string;
  size: number;
  folder: boolean;
  encrypted: boolean;
  method?: string;
  modified?: string;
  /** The solid block (folder of packed streams) the file is in. */
  block?: number;
}

/** A fresh 7-Zip per archive (about 0.1 s): its globals and file system go with the job. */
async function sevenZip(lines: string[]): Promise<SevenZipModule> {
  const req = createRequire(import.meta.url);
  const factory = req('7z-wasm') as Factory;
  // The wasm is read here and handed over, so no path has to be found from a bundle or an asar archive.
  const wasmBinary = await readFile(req.resolve('7z-wasm/7zz.wasm'));
  return factory({
    wasmBinary,
    print: (l: string) => lines.push(l),
    printErr: (l: string) => lines.push(l),
    // A prompt (a password, an overwrite) reads end-of-input rather than waiting on a terminal.
    stdin: () => null,
  });
}

/** `7z l -slt` output: blocks of "Key = Value" lines, one per entry. */
export function parseListing(lines: readonly string[]): SevenZipEntry[] {
  const entries: SevenZipEntry[] = [];
  let cur: Record<string, string> = {};
  const flush = () => {
    if (cur.Path !== undefined) {
      entries.push({
        path: cur.Path,
        size: Number(cur.Size) || 0,
        folder: /D/.test(cur.Attributes ?? '') || cur.Folder === '+',
        encrypted: cur.Encrypted === '+',
        method: cur.Method || undefined,
        modified: cur.Modified ? cur.Modified.replace(' ', 'T').replace(/\.\d+$/, '') : undefined,
        ...(cur.Block !== undefined && cur.Block !== '' ? { block: Number(cur.Block) } : {}),
      });
    }
    cur = {};
  };
  for (const raw of lines) {
    const line = raw.split('\b').pop()!.trimStart();
    if (!line.trim()) {
      flush();
      continue;
    }
    const m = /^([A-Za-z ]+?) = (.*)$/.exec(line);
    if (m) cur[m[1]!] = m[2]!;
  }
  flush();
  return entries;
}

/**
 * Whether the archive's header is itself encrypted (7z -mhe): the end
 * header is an encoded header (0x17) whose coder is 7zAES (06 F1 07 01).
 * 7-Zip in WebAssembly does not always say so: on a wrong or missing
 * password it can end with an uncaught C++ exception instead of its message.
 */
export function headerEncrypted(data: Buffer): boolean {
  if (data.length < 32) return false;
  const offset = Number(data.readBigUInt64LE(12));
  const size = Number(data.readBigUInt64LE(20));
  const start = 32 + offset;
  if (!Number.isSafeInteger(start) || size <= 0 || size > 1 << 20 || start + size > data.length) return false;
  const header = data.subarray(start, start + size);
  return header[0] === 0x17 && header.indexOf(Buffer.from([0x06, 0xf1, 0x07, 0x01])) > 0;
}

/** callMain's exit code; an uncaught exception out of 7-Zip (a number: a C++ exception's address) becomes code 255. */
function call(sz: SevenZipModule, args: string[]): number {
  try {
    return sz.callMain(args) ?? 0;
  } catch (err) {
    if (typeof err === 'number') return 255;
    throw err;
  }
}

/** 7-Zip's complaints, as a person would put them; its own words go in details. */
function openError(lines: readonly string[], password: boolean, encryptedHeader = false): ExtractionError {
  const said = lines.filter((l) => /error|cannot|can not|unexpected|wrong/i.test(l)).join(' | ') || '7-Zip stopped without a message';
  if (encryptedHeader || /encrypted archive|wrong password/i.test(said)) {
    return new ExtractionError(
      'encrypted',
      password
        ? 'The 7z archive is encrypted and the password given does not open it'
        : `The 7z archive is password-protected (its file names too): ${GIVE_PASSWORD}`,
      { library: said, password: password ? 'incorrect' : 'required' },
    );
  }
  if (/unexpected end|truncated/i.test(said)) return new ExtractionError('corrupt_file', 'The 7z archive is truncated', { library: said });
  return new ExtractionError('corrupt_file', 'Not a readable 7z archive (its headers are damaged)', { library: said });
}

export const sevenZipExtractor: Extractor = {
  name: '7z',
  version: '1.0.0',
  formats: ['7z'],
  async extract(input, ctx) {
    const limits = archiveLimits(input.options);
    if (input.size > SEVENZIP_MAX_BYTES) {
      throw new ExtractionError(
        'resource_limit',
        `The 7z archive is ${human(input.size)}; 7z archives over ${human(SEVENZIP_MAX_BYTES)} are not read (the reader holds them in memory)`,
      );
    }
    const lines: string[] = [];
    const sz = await sevenZip(lines);
    const data = await input.read();
    sz.FS.writeFile('/archive.7z', data);
    const password = input.options.password ?? '';
    const common = ['-t7z', `-p${password}`, '-bsp0', '-sccUTF-8', '-scsUTF-8'];

    if (call(sz, ['l', '-slt', '-ba', ...common, '/archive.7z']) !== 0) throw openError(lines, !!password, headerEncrypted(data));
    const all = parseListing(lines);
    const warnings = new WarningList(200);
    const entries = all.slice(0, limits.maxEntries);
    if (all.length > limits.maxEntries) warnings.add(`The archive has ${all.length} entries; only the first ${limits.maxEntries} are read (limit)`);
    const files = entries.filter((e) => !e.folder);
    const declared = files.reduce((s, e) => s + e.size, 0);
    if (declared > RATIO_FLOOR && declared / Math.max(1, input.size) > limits.maxRatio) {
      throw new ExtractionError(
        'resource_limit',
        `The 7z archive expands more than ${limits.maxRatio}× (${human(declared)} from ${human(input.size)}: a zip bomb?)`,
      );
    }
    const encrypted = files.filter((e) => e.encrypted);
    if (!password && files.length > 0 && encrypted.length === files.length) {
      throw new ExtractionError('encrypted', `The 7z archive is password-protected: ${GIVE_PASSWORD}`, { password: 'required' });
    }

    const status = new Map<SevenZipEntry, string>();
    const chosen = choose(files, limits, !!password, status, warnings);
    const tooDeep = input.options.depth >= limits.maxDepth;
    if (tooDeep) warnings.add(`Archive nested ${input.options.depth} levels deep: entries listed, not unpacked (limit ${limits.maxDepth})`);
    const spool = input.spoolDir && !tooDeep ? new Spool(input.spoolDir) : null;
    if (spool) await unpack(sz, lines, common, chosen, spool, status, warnings, (done) => ctx.progress(done, chosen.length));
    else for (const e of chosen) status.set(e, 'listed');

    const rows = [['Name', 'Size', 'Modified', 'Status']];
    for (const e of entries) rows.push([e.path, e.folder ? '' : String(e.size), e.modified ?? '', e.folder ? 'folder' : (status.get(e) ?? 'listed')]);
    const table: Table = { name: 'entries', rows, hasHeader: true };
    if (!files.length) warnings.add('The archive has no files');
    const methods = [...new Set(files.map((e) => e.method).filter(Boolean))];
    return {
      text: entries.map((e) => (e.folder ? e.path : `${e.path}\t${human(e.size)}`)).join('\n'),
      markdown: `7z archive, ${files.length} file${files.length === 1 ? '' : 's'} (${human(declared)})\n\n${markdownTable(rows, true)}`,
      metadata: {
        entries: entries.length,
        files: files.length,
        folders: entries.length - files.length,
        expandedBytes: declared,
        methods,
        blocks: new Set(files.map((e) => e.block).filter((b) => b !== undefined)).size,
        encryptedEntries: encrypted.length,
        unpacked: !!spool,
        depth: input.options.depth,
        ...(spool ? {} : { entryNames: files.map((e) => e.path).slice(0, 1000) }),
      },
      tables: [table],
      warnings: warnings.toArray(),
      children: spool ? spool.children : undefined,
      counters: { items: files.length, entries: entries.length, files: files.length, extracted: spool?.children.length ?? 0 },
    };
  },
};

/** The files to unpack, in order, within the per-entry and total limits; the others get their reason. */
function choose(
  files: SevenZipEntry[],
  limits: ReturnType<typeof archiveLimits>,
  password: boolean,
  status: Map<SevenZipEntry, string>,
  warnings: WarningList,
): SevenZipEntry[] {
  const chosen: SevenZipEntry[] = [];
  let total = 0;
  for (const e of files) {
    const cap = Math.min(limits.maxEntryBytes, MAX_IN_MEMORY_ENTRY);
    if (e.encrypted && !password) {
      status.set(e, 'encrypted');
      warnings.add(`Skipped "${e.path}": encrypted (give the password with --password)`);
    } else if (e.size > cap) {
      status.set(e, 'limit');
      warnings.add(`Skipped "${e.path}": ${human(e.size)}, over the ${human(cap)} limit for one entry`);
    } else if (total + e.size > limits.maxTotalBytes) {
      status.set(e, 'limit');
      warnings.add(`Skipped "${e.path}": the archive expands past the ${limits.maxTotalBytes}-byte limit in total`);
    } else {
      total += e.size;
      chosen.push(e);
    }
  }
  return chosen;
}

/** Unpacks the chosen files a batch at a time into the decoder's memory, spools them, and frees them. */
async function unpack(
  sz: SevenZipModule,
  lines: string[],
  common: string[],
  chosen: SevenZipEntry[],
  spool: Spool,
  status: Map<SevenZipEntry, string>,
  warnings: WarningList,
  progress: (done: number) => void,
): Promise<void> {
  let done = 0;
  for (const batch of batches(chosen)) {
    lines.length = 0;
    sz.FS.writeFile('/list.txt', batch.map((e) => e.path).join('\n'));
    sz.FS.mkdir('/out');
    // -spd: the names in the list are literal, never wildcards.
    const code = call(sz, ['x', ...common, '-y', '-spd', '-o/out', '/archive.7z', '-i@/list.txt']);
    if (code === 255) throw openError(lines, false);
    const failed = new Map(
      lines.flatMap((l) => {
        const m = /^ERROR: (.*) : (.+)$/.exec(l);
        return m ? [[m[2]!, m[1]!] as const] : [];
      }),
    );
    const written = regularFiles(sz.FS, '/out');
    if (code !== 0 && !written.length && lines.some((l) => /can ?not open/i.test(l))) throw openError(lines, false);
    const byPath = new Map(batch.map((e) => [e.path, e]));
    for (const rel of written) {
      const e = byPath.get(rel);
      // A file that failed its CRC (or its password) may be on disk, cut or wrong: never handed on.
      if (failed.has(rel)) continue;
      await spool.write(rel, Buffer.from(sz.FS.readFile(`/out/${rel}`)), { fallback: `entry-${done + 1}` });
      sz.FS.unlink(`/out/${rel}`);
      if (e) status.set(e, 'ok');
      progress(++done);
    }
    for (const e of batch) {
      if (status.get(e) === 'ok') continue;
      status.set(e, 'damaged');
      const why = failed.get(e.path);
      warnings.add(`"${e.path}" could not be unpacked${why ? `: ${why}` : ''}`);
    }
    removeTree(sz.FS, '/out');
  }
}

function* batches(files: SevenZipEntry[]): Generator<SevenZipEntry[]> {
  let batch: SevenZipEntry[] = [];
  let bytes = 0;
  for (const e of files) {
    if (batch.length && bytes + e.size > BATCH_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(e);
    bytes += e.size;
  }
  if (batch.length) yield batch;
}

/** Regular files under dir (links and devices are never handed on), as paths relative to it. */
function regularFiles(fs: SevenZipFS, dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of fs.readdir(dir).sort()) {
    if (name === '.' || name === '..') continue;
    const mode = fs.lstat(`${dir}/${name}`).mode;
    if (fs.isDir(mode)) out.push(...regularFiles(fs, `${dir}/${name}`, `${prefix}${name}/`));
    else if (fs.isFile(mode)) out.push(`${prefix}${name}`);
  }
  return out;
}

function removeTree(fs: SevenZipFS, dir: string): void {
  for (const name of fs.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const p = path.posix.join(dir, name);
    if (fs.isDir(fs.lstat(p).mode)) removeTree(fs, p);
    else fs.unlink(p);
  }
  fs.rmdir(dir);
}
