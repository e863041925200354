/**
 * Scans for OCR tests, made here: text drawn into a grey bitmap with a 5×7
 * pixel font (no canvas, no font file), and PDFs written by hand whose pages
 * are nothing but such an image (8-bit Flate or 1-bit), optionally placed
 * sideways, next to a page with a real text layer.
 */
import { deflateSync } from 'node:zlib';
import type { GreyBitmap } from '../../workers/ocr/bitmap';

// Rows of 5 pixels, top to bottom.
const GLYPHS: Record<string, string[]> = {
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  B: ['11110', '10001', '10001', '11110', '10001', '10001', '11110'],
  C: ['01110', '10001', '10000', '10000', '10000', '10001', '01110'],
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  F: ['11111', '10000', '10000', '11110', '10000', '10000', '10000'],
  G: ['01110', '10001', '10000', '10111', '10001', '10001', '01111'],
  H: ['10001', '10001', '10001', '11111', '10001', '10001', '10001'],
  I: ['01110', '00100', '00100', '00100', '00100', '00100', '01110'],
  K: ['10001', '10010', '10100', '11000', '10100', '10010', '10001'],
  L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
  M: ['10001', '11011', '10101', '10101', '10001', '10001', '10001'],
  N: ['10001', '11001', '10101', '10011', '10001', '10001', '10001'],
  O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
  P: ['11110', '10001', '10001', '11110', '10000', '10000', '10000'],
  Q: ['01110', '10001', '10001', '10001', '10101', '10010', '01101'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
  S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
  T: ['11111', '00100', '00100', '00100', '00100', '00100', '00100'],
  U: ['10001', '10001', '10001', '10001', '10001', '10001', '01110'],
  V: ['10001', '10001', '10001', '10001', '10001', '01010', '00100'],
  W: ['10001', '10001', '10001', '10101', '10101', '10101', '01010'],
  Y: ['10001', '10001', '01010', '00100', '00100', '00100', '00100'],
  1: ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  2: ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  4: ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  7: ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
};

/** Black capitals on white, `scale` pixels per font pixel, with a margin. */
export function renderText(lines: string[], scale = 5): GreyBitmap {
  const cell = 6 * scale;
  const lineHeight = 11 * scale;
  const margin = 8 * scale;
  const width = margin * 2 + cell * Math.max(...lines.map((l) => l.length));
  const height = margin * 2 + lineHeight * lines.length;
  const data = new Uint8Array(width * height).fill(255);
  lines.forEach((line, row) => {
    [...line.toUpperCase()].forEach((ch, col) => {
      const glyph = GLYPHS[ch];
      if (!glyph) throw new Error(`no glyph for ${JSON.stringify(ch)}`);
      glyph.forEach((bits, gy) => {
        for (let gx = 0; gx < 5; gx++) {
          if (bits[gx] !== '1') continue;
          for (let dy = 0; dy < scale; dy++) {
            const y = margin + row * lineHeight + gy * scale + dy;
            const x0 = margin + col * cell + gx * scale;
            data.fill(0, y * width + x0, y * width + x0 + scale);
          }
        }
      });
    });
  });
  return { width, height, data };
}

/** The bitmap turned a quarter clockwise (as a page scanned sideways is stored). */
export function rotateClockwise(b: GreyBitmap): GreyBitmap {
  const out = new Uint8Array(b.width * b.height);
  for (let y = 0; y < b.height; y++) for (let x = 0; x < b.width; x++) out[x * b.height + (b.height - 1 - y)] = b.data[y * b.width + x]!;
  return { width: b.height, height: b.width, data: out };
}

/** PDF 1-bit rows: 1 = white (DeviceGray, no Decode), each row padded to a byte. */
function packBits(b: GreyBitmap): Buffer {
  const stride = (b.width + 7) >> 3;
  const out = Buffer.alloc(stride * b.height);
  for (let y = 0; y < b.height; y++) for (let x = 0; x < b.width; x++) if (b.data[y * b.width + x]! >= 128) out[y * stride + (x >> 3)]! |= 0x80 >> (x & 7);
  return out;
}

export interface ScanPage {
  /** The page's image, filling the page at `dpi` (default 200). */
  image?: GreyBitmap;
  dpi?: number;
  bits?: 1 | 8;
  /** Drawn with the image's axes turned a quarter: the bitmap must be stored sideways (rotateClockwise). */
  sideways?: boolean;
  /** A real text layer (Helvetica). */
  text?: string;
  /** Replace the image's compressed stream (a hostile or damaged scan). */
  stream?: Buffer;
}

/** A PDF written by hand, one object per part, with a correct xref table. */
export function makeScanPdf(pages: ScanPage[]): Buffer {
  const objects: Array<string | Buffer[]> = [];
  const add = (o: string | Buffer[]) => objects.push(o) && objects.length;
  const catalog = add('');
  const pagesObj = add('');
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const kids: number[] = [];
  for (const p of pages) {
    const dpi = p.dpi ?? 200;
    const w = p.image ? (p.sideways ? p.image.height : p.image.width) * (72 / dpi) : 612;
    const h = p.image ? (p.sideways ? p.image.width : p.image.height) * (72 / dpi) : 792;
    let content = '';
    let xobject = '';
    if (p.image) {
      const bits = p.bits ?? 8;
      const raw = bits === 1 ? packBits(p.image) : Buffer.from(p.image.data);
      const data = p.stream ?? deflateSync(raw);
      const img = add([
        Buffer.from(
          `<< /Type /XObject /Subtype /Image /Width ${p.image.width} /Height ${p.image.height} /ColorSpace /DeviceGray /BitsPerComponent ${bits} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
          'latin1',
        ),
        data,
        Buffer.from('\nendstream', 'latin1'),
      ]);
      xobject = `/XObject << /Im1 ${img} 0 R >>`;
      // Sideways: the image's x axis runs up the page, its rows from left to right.
      const cm = p.sideways ? `0 ${h} ${-w} 0 ${w} 0` : `${w} 0 0 ${h} 0 0`;
      content += `q ${cm} cm /Im1 Do Q\n`;
    }
    if (p.text) content += `BT /F1 12 Tf 36 ${h - 48} Td (${p.text}) Tj ET\n`;
    const stream = add(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${w.toFixed(2)} ${h.toFixed(2)}] /Contents ${stream} 0 R /Resources << /Font << /F1 ${font} 0 R >> ${xobject} >> >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const parts: Buffer[] = [Buffer.from('%PDF-1.5\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets = objects.map((body, i) => {
    const at = length;
    const chunks = [
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      ...(typeof body === 'string' ? [Buffer.from(body, 'latin1')] : body),
      Buffer.from('\nendobj\n', 'latin1'),
    ];
    for (const c of chunks) {
      parts.push(c);
      length += c.length;
    }
    return at;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}
