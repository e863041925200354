/**
 * A structural check of a Compound File (CFB/OLE2, the container of an
 * Outlook .msg) before @kenjiuno/msgreader reads it.
 *
 * Why: msgreader follows sector chains until it meets END_OF_CHAIN, pushing
 * every sector number into an array. A chain that loops (a zeroed mini FAT
 * makes mini sector 0 point to itself) grows that array until V8 aborts the
 * whole process ("Fatal JavaScript invalid size error"): no try/catch and no
 * worker heap cap contains that. So every chain and tree msgreader will walk
 * is walked here first, the way msgreader walks it (same tables, same stop
 * conditions), but with each sector allowed once: a loop, a sector outside the
 * file or a stream that declares more bytes than its sectors hold fails the
 * file as corrupt_file before msgreader allocates anything for it.
 *
 * Layout (MS-CFB): a 512-byte header; sector n starts at (n + 1) * sectorSize;
 * the FAT maps a sector to the next one of its chain; directory entries are
 * 128 bytes, linked as a tree by left/right sibling and child indices; streams
 * under 4096 bytes live in 64-byte mini sectors inside the root entry's stream,
 * chained by the mini FAT.
 */
import { ExtractionError } from '../../../shared/extraction';

const END_OF_CHAIN = -2;
const NO_STREAM = -1;
const HEADER_DIFAT_ENTRIES = 109;
const DIR_ENTRY_SIZE = 128;
const MINI_SECTOR_SIZE = 64;
const MINI_STREAM_CUTOFF = 4096;
const TYPE_STORAGE = 1;
const TYPE_STREAM = 2;
const TYPE_ROOT = 5;

interface DirEntry {
  index: number;
  type: number;
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
  name: string;
}

class Corrupt extends ExtractionError {
  constructor(why: string) {
    super('corrupt_file', `Not a readable Outlook message: damaged compound file structure (${why})`, { structure: why });
  }
}

/** Throws corrupt_file unless every structure msgreader walks is finite and inside the file. */
export function checkCompoundFile(bytes: Uint8Array): void {
  new CompoundFileCheck(bytes).run();
}

/**
 * The names of every storage and stream reachable from the root (with the
 * same checks as checkCompoundFile: a damaged file throws corrupt_file).
 * Detection uses them to tell an Outlook message from an encrypted Office
 * document or a legacy Office binary by what the file really holds.
 */
export function compoundFileNames(bytes: Uint8Array): string[] {
  return new CompoundFileCheck(bytes).names();
}

/** One stream's bytes by name (checked as checkCompoundFile checks); undefined when there is none. */
export function compoundFileStream(bytes: Uint8Array, name: string): Buffer | undefined {
  return new CompoundFileCheck(bytes).stream(name);
}

/** A checked compound file: its entry names and its streams by name. */
export interface CompoundFile {
  names: string[];
  stream(name: string): Buffer | undefined;
}

/**
 * Checks the whole file once (as checkCompoundFile does) and answers names
 * and streams from that one reading: an extractor that reads several streams
 * does not walk the FAT and the directory again for each.
 */
export function openCompoundFile(bytes: Uint8Array): CompoundFile {
  const file = new CompoundFileCheck(bytes);
  file.run();
  return { names: file.names(), stream: (name) => file.stream(name) };
}

class CompoundFileCheck {
  private readonly view: DataView;
  private readonly sectorSize: number;
  private readonly entriesPerSector: number;
  /** Sectors that start inside the file (the last one may be short). */
  private readonly sectorCount: number;
  /** stamp[sector] = id of the last chain that used it: one allocation for every chain's loop check. */
  private readonly stamp: Int32Array;
  private chainId = 0;
  /** The FAT, directory and reachable entries, read once per file. */
  private read?: { dir: DirEntry[]; root: DirEntry; next: (s: number) => number; entries: DirEntry[] };
  /** The mini stream's bytes and the mini FAT's sectors, read once, when a small stream is first asked for. */
  private mini?: { bytes: Buffer; fat: number[] };

  constructor(bytes: Uint8Array) {
    if (bytes.length < 512) throw new Corrupt(`file is ${bytes.length} bytes, shorter than a header`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // As msgreader decides it: sector shift 12 means 4096-byte sectors, anything else 512.
    this.sectorSize = bytes[30] === 12 ? 4096 : 512;
    this.entriesPerSector = this.sectorSize / 4;
    this.sectorCount = Math.max(0, Math.ceil((bytes.length - this.sectorSize) / this.sectorSize));
    this.stamp = new Int32Array(this.sectorCount);
  }

  /** A top-level-or-nested stream's bytes by name, every chain checked as in run(); undefined when absent. */
  stream(name: string): Buffer | undefined {
    const { root, next, entries } = this.tree();
    const e = entries.find((x) => x.type === TYPE_STREAM && x.name === name);
    if (!e || e.size <= 0) return e ? Buffer.alloc(0) : undefined;
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset, this.view.byteLength);
    const gather = (sectors: number[], offsetOf: (s: number) => number, size: number) =>
      Buffer.concat(sectors.map((s) => bytes.subarray(offsetOf(s), offsetOf(s) + size)));
    if (e.size >= MINI_STREAM_CUTOFF) {
      const data = gather(this.chain(e.start, next, `stream ${e.index}`, Math.ceil(e.size / this.sectorSize)), (s) => this.sectorOffset(s), this.sectorSize);
      if (data.length < e.size) throw new Corrupt(`stream ${e.index} declares ${e.size} bytes but its sectors hold ${data.length}`);
      return data.subarray(0, e.size);
    }
    this.mini ??= { bytes: gather(this.chain(root.start, next, 'mini stream'), (s) => this.sectorOffset(s), this.sectorSize), fat: this.miniFatSectors(next) };
    const { bytes: miniStream, fat: miniFat } = this.mini;
    const miniSectors = miniStream.length / MINI_SECTOR_SIZE;
    this.miniChain(e, miniFat, miniSectors, new Int32Array(miniSectors));
    const chain: number[] = [];
    for (let s = e.start; s !== END_OF_CHAIN && chain.length * MINI_SECTOR_SIZE < e.size; s = this.nextIn(miniFat, s, 'mini FAT')) chain.push(s);
    const data = Buffer.concat(chain.map((s) => miniStream.subarray(s * MINI_SECTOR_SIZE, (s + 1) * MINI_SECTOR_SIZE)));
    if (data.length < e.size) throw new Corrupt(`stream ${e.index} declares ${e.size} bytes but its mini sectors hold ${data.length}`);
    return Buffer.from(data.subarray(0, e.size));
  }

  names(): string[] {
    return this.tree().entries.map((e) => e.name);
  }

  private tree() {
    if (this.read) return this.read;
    const fat = this.fatSectors();
    const next = (s: number) => this.nextIn(fat, s, 'FAT');
    const dir = this.directory(this.chain(this.int(0x30), next, 'directory'));
    const root = dir[0];
    if (!root || root.type !== TYPE_ROOT) throw new Corrupt('no root directory entry');
    return (this.read = { dir, root, next, entries: this.treeEntries(dir, root) });
  }

  run(): void {
    const { root, next, entries } = this.tree();
    const streams = entries.filter((e) => e.type === TYPE_STREAM);
    const miniStream = this.chain(root.start, next, 'mini stream');
    const miniFat = this.miniFatSectors(next);
    const miniSectors = (miniStream.length * this.sectorSize) / MINI_SECTOR_SIZE;
    const miniStamp = new Int32Array(miniSectors);
    for (const e of streams) {
      if (e.size === 0) continue;
      if (e.size < 0) throw new Corrupt(`stream ${e.index} declares a negative size`);
      if (e.size < MINI_STREAM_CUTOFF) {
        this.miniChain(e, miniFat, miniSectors, miniStamp);
      } else {
        const held = this.chain(e.start, next, `stream ${e.index}`, Math.ceil(e.size / this.sectorSize)).length * this.sectorSize;
        if (held < e.size) throw new Corrupt(`stream ${e.index} declares ${e.size} bytes but its sectors hold ${held}`);
      }
    }
  }

  private int(offset: number): number {
    if (offset < 0 || offset + 4 > this.view.byteLength) throw new Corrupt(`a table reaches past the end of the file (offset ${offset})`);
    return this.view.getInt32(offset, true);
  }

  private sectorOffset(s: number): number {
    return (s + 1) * this.sectorSize;
  }

  /** The FAT's sectors, as msgreader collects them: up to 109 listed in the header, the rest through the DIFAT chain. */
  private fatSectors(): number[] {
    const count = this.int(0x2c);
    if (count < 0 || count > this.sectorCount) throw new Corrupt(`header claims ${count} FAT sectors in a file of ${this.sectorCount}`);
    const sectors: number[] = [];
    for (let i = 0; i < Math.min(count, HEADER_DIFAT_ENTRIES); i++) sectors.push(this.int(0x4c + 4 * i));
    const difatCount = this.int(0x48);
    let remaining = count - sectors.length;
    let at = this.int(0x44);
    const id = ++this.chainId;
    for (let i = 0; i < difatCount; i++) {
      this.claim(at, id, 'DIFAT');
      const base = this.sectorOffset(at);
      const take = Math.min(remaining, this.entriesPerSector - 1);
      for (let j = 0; j < take; j++) {
        const s = this.int(base + 4 * j);
        if (s === NO_STREAM || s === END_OF_CHAIN) break;
        sectors.push(s);
      }
      remaining -= take;
      at = this.int(base + 4 * (this.entriesPerSector - 1));
      if (at === NO_STREAM || at === END_OF_CHAIN) break;
    }
    return sectors;
  }

  /** The mini FAT's sectors, with msgreader's own stop conditions (at most the header's count; a start of 0 reads as none). */
  private miniFatSectors(next: (s: number) => number): number[] {
    const count = this.int(0x40);
    const sectors: number[] = [];
    const id = ++this.chainId;
    for (let s = this.int(0x3c), i = 0; i < count && s && s !== END_OF_CHAIN; i++) {
      this.claim(s, id, 'mini FAT');
      sectors.push(s);
      s = next(s);
    }
    return sectors;
  }

  /** msgreader's getNextBlockInner: the entry for sector s in a table whose sectors are listed; an unlisted table sector ends the chain. */
  private nextIn(tableSectors: number[], s: number, what: string): number {
    const tableSector = tableSectors[Math.floor(s / this.entriesPerSector)];
    if (tableSector === undefined) return END_OF_CHAIN;
    if (tableSector < 0 || tableSector >= this.sectorCount) throw new Corrupt(`a ${what} sector (${tableSector}) lies outside the file`);
    return this.int(this.sectorOffset(tableSector) + 4 * (s % this.entriesPerSector));
  }

  /** Marks sector s as used by chain id; a second use by the same chain is a loop. */
  private claim(s: number, id: number, what: string): void {
    if (s < 0 || s >= this.sectorCount) throw new Corrupt(`the ${what} chain points to sector ${s}, outside the file's ${this.sectorCount} sectors`);
    if (this.stamp[s] === id) throw new Corrupt(`the ${what} chain loops back to sector ${s}`);
    this.stamp[s] = id;
  }

  /** Follows a chain to END_OF_CHAIN (or `max` sectors), each sector once. */
  private chain(start: number, next: (s: number) => number, what: string, max = Infinity): number[] {
    const sectors: number[] = [];
    const id = ++this.chainId;
    for (let s = start; s !== END_OF_CHAIN && sectors.length < max; s = next(s)) {
      this.claim(s, id, what);
      sectors.push(s);
    }
    return sectors;
  }

  /** Directory entries as msgreader reads them: every 128 bytes of the directory chain's sectors, up to the end of the file. */
  private directory(sectors: number[]): DirEntry[] {
    const entries: DirEntry[] = [];
    const perSector = this.sectorSize / DIR_ENTRY_SIZE;
    for (const s of sectors) {
      for (let k = 0, at = this.sectorOffset(s); k < perSector && at + 0x42 <= this.view.byteLength; k++, at += DIR_ENTRY_SIZE) {
        const type = this.view.getUint8(at + 0x42);
        const linked = type === TYPE_STORAGE || type === TYPE_STREAM || type === TYPE_ROOT;
        entries.push(
          linked
            ? {
                index: entries.length,
                type,
                left: this.int(at + 0x44),
                right: this.int(at + 0x48),
                child: this.int(at + 0x4c),
                start: this.int(at + 0x74),
                size: this.int(at + 0x78),
                name: this.entryName(at),
              }
            : { index: entries.length, type, left: NO_STREAM, right: NO_STREAM, child: NO_STREAM, start: 0, size: 0, name: '' },
        );
      }
    }
    return entries;
  }

  /** The entry's name: UTF-16LE, its byte length (terminator included) at 0x40, at most 64 bytes. */
  private entryName(at: number): string {
    const bytes = Math.min(64, this.view.getUint16(at + 0x40, true));
    const raw = new Uint8Array(this.view.buffer, this.view.byteOffset + at, Math.max(0, bytes - 2));
    return Buffer.from(raw).toString('utf16le');
  }

  /**
   * Walks the tree from the root as msgreader's createPropertyHierarchy does
   * (siblings of every storage, into storages' children) and returns the
   * storages and streams it reaches. Each entry may be reached once: a loop
   * would make msgreader's walk endless.
   */
  private treeEntries(dir: DirEntry[], root: DirEntry): DirEntry[] {
    const seen = new Uint8Array(dir.length);
    const reached: DirEntry[] = [];
    const pending = root.child === NO_STREAM ? [] : [root.child];
    while (pending.length) {
      const i = pending.pop()!;
      const e = dir[i];
      if (!e || i === 0) throw new Corrupt(`a directory link points to entry ${i} of ${dir.length}`);
      if (seen[i]) throw new Corrupt(`the directory tree reaches entry ${i} twice`);
      seen[i] = 1;
      if (e.type === TYPE_STREAM || e.type === TYPE_STORAGE) reached.push(e);
      if (e.type === TYPE_STORAGE && e.child !== NO_STREAM) pending.push(e.child);
      if (e.right !== NO_STREAM) pending.push(e.right);
      if (e.left !== NO_STREAM) pending.push(e.left);
    }
    return reached;
  }

  /** A small stream's chain through the mini FAT, each mini sector once and inside the mini stream. */
  private miniChain(e: DirEntry, miniFat: number[], miniSectors: number, stamp: Int32Array): void {
    const id = ++this.chainId;
    for (let s = e.start; s !== END_OF_CHAIN; s = this.nextIn(miniFat, s, 'mini FAT')) {
      if (s < 0 || s >= miniSectors) throw new Corrupt(`stream ${e.index} points to mini sector ${s}, outside the mini stream's ${miniSectors}`);
      if (stamp[s] === id) throw new Corrupt(`the chain of stream ${e.index} loops back to mini sector ${s}`);
      stamp[s] = id;
    }
  }
}
