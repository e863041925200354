/**
 * Pixel dimensions from the container itself (exifr reports EXIF's claims,
 * which may describe the original before resizing, or be absent, as in
 * most HEIC files). Reads only headers; never decodes pixels.
 */
export interface Dimensions {
  width: number;
  height: number;
}

function jpeg(b: Buffer): Dimensions | null {
  let p = 2;
  while (p + 9 < b.length) {
    if (b[p] !== 0xff) {
      p++;
      continue;
    }
    const marker = b[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    const len = b.readUInt16BE(p + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(p + 5), width: b.readUInt16BE(p + 7) };
    }
    if (marker === 0xda || len < 2) return null; // start of scan: no frame header before it
    p += 2 + len;
  }
  return null;
}

/** HEIF/AVIF: the 'ispe' (image spatial extent) property of the largest image (tiles are smaller than the grid). */
function isoBmff(b: Buffer): Dimensions | null {
  let best: Dimensions | null = null;
  const limit = Math.min(b.length, 4 * 1024 * 1024);
  for (let i = b.indexOf('ispe', 0, 'latin1'); i >= 0 && i + 16 <= limit; i = b.indexOf('ispe', i + 4, 'latin1')) {
    const width = b.readUInt32BE(i + 8);
    const height = b.readUInt32BE(i + 12);
    if (width > 0 && height > 0 && (!best || width * height > best.width * best.height)) best = { width, height };
  }
  return best;
}

export function imageDimensions(b: Buffer, mime: string | undefined): Dimensions | null {
  try {
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
    if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpeg(b);
    if (b.length >= 10 && b.toString('latin1', 0, 3) === 'GIF') return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
    if (b.length >= 26 && b.toString('latin1', 0, 2) === 'BM') return { width: Math.abs(b.readInt32LE(18)), height: Math.abs(b.readInt32LE(22)) };
    if (b.length >= 30 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
      const chunk = b.toString('latin1', 12, 16);
      if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
      if (chunk === 'VP8L') {
        const bits = b.readUInt32LE(21);
        return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    }
    if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') return isoBmff(b);
  } catch {
    return null;
  }
  void mime;
  return null;
}
