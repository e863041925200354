/**
 * A minimal Compound File (OLE2, version 3, 512-byte sectors) writer for
 * tests: each stream is padded to 4096 bytes so it lives in regular sectors
 * (no mini stream), and the directory links the streams as a chain of right
 * siblings under the root.
 */
const SECTOR = 512;
const FREE = -1;
const END = -2;
const FAT_SECT = -3;

export function compoundFile(streams: Array<{ name: string; data?: Buffer }>): Buffer {
  const bodies = streams.map((s) => {
    const data = s.data ?? Buffer.alloc(0);
    return data.length >= 4096 ? data : Buffer.concat([data, Buffer.alloc(4096 - data.length)]);
  });
  const dirSectors = Math.ceil((streams.length + 1) / 4);
  const dataSectors = bodies.map((b) => Math.ceil(b.length / SECTOR));
  const total = 1 + dirSectors + dataSectors.reduce((a, b) => a + b, 0);
  if (total > SECTOR / 4) throw new Error('fixture too large for one FAT sector');
  const fat = new Int32Array(SECTOR / 4).fill(FREE);
  fat[0] = FAT_SECT;
  const chain = (start: number, count: number) => {
    for (let i = 0; i < count; i++) fat[start + i] = i === count - 1 ? END : start + i + 1;
  };
  chain(1, dirSectors);
  const starts: number[] = [];
  let next = 1 + dirSectors;
  for (const n of dataSectors) {
    starts.push(next);
    chain(next, n);
    next += n;
  }

  const header = Buffer.alloc(SECTOR);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeInt32LE(1, 0x2c);
  header.writeInt32LE(1, 0x30);
  header.writeUInt32LE(4096, 0x38);
  header.writeInt32LE(END, 0x3c);
  header.writeInt32LE(0, 0x40);
  header.writeInt32LE(END, 0x44);
  header.writeInt32LE(0, 0x48);
  for (let i = 0; i < 109; i++) header.writeInt32LE(i === 0 ? 0 : FREE, 0x4c + 4 * i);

  const dir = Buffer.alloc(dirSectors * SECTOR);
  const entry = (i: number, name: string, type: number, right: number, child: number, start: number, size: number) => {
    const at = i * 128;
    dir.write(name, at, 'utf16le');
    dir.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    dir[at + 0x42] = type;
    dir[at + 0x43] = 1;
    dir.writeInt32LE(FREE, at + 0x44);
    dir.writeInt32LE(right, at + 0x48);
    dir.writeInt32LE(child, at + 0x4c);
    dir.writeInt32LE(start, at + 0x74);
    dir.writeUInt32LE(size, at + 0x78);
  };
  entry(0, 'Root Entry', 5, FREE, streams.length ? 1 : FREE, END, 0);
  streams.forEach((s, i) => entry(i + 1, s.name, 2, i + 1 < streams.length ? i + 2 : FREE, FREE, starts[i]!, bodies[i]!.length));
  return Buffer.concat([
    header,
    Buffer.from(fat.buffer),
    dir,
    ...bodies.map((b) => Buffer.concat([b, Buffer.alloc(Math.ceil(b.length / SECTOR) * SECTOR - b.length)])),
  ]);
}
