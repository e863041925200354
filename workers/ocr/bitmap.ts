/**
 * Grey bitmaps for the OCR engine, made from decoded pixels without a
 * canvas: what pdf.js hands over for a PDF image (1-bit, RGB or RGBA rows),
 * turned upright, shrunk for a probe, and written as a PGM (binary
 * portable greymap), which the engine's leptonica reads as it reads a PNG.
 * A PGM is a 15-byte header and the pixels: nothing to compress, so a page
 * costs no encoding time, and no image library has to ship.
 */

/** One byte per pixel, 0 = black, 255 = white, rows top to bottom. */
export interface GreyBitmap {
  width: number;
  height: number;
  data: Uint8Array;
}

/** pdf.js's ImageKind: how its decoded image rows are laid out. */
export const PDFJS_IMAGE_KIND = { GRAYSCALE_1BPP: 1, RGB_24BPP: 2, RGBA_32BPP: 3 } as const;

/** A decoded pdf.js image (objs.get of an image XObject, or an image mask's data). */
export interface PdfJsImage {
  width: number;
  height: number;
  kind?: number;
  data?: Uint8Array | Uint8ClampedArray;
}

/** Luma (ITU-R BT.601), in integers. */
const luma = (r: number, g: number, b: number) => (r * 77 + g * 150 + b * 29) >> 8;

/**
 * pdf.js pixels -> grey. In its 1-bit rows (CCITT, JBIG2, 1-bit Flate, and
 * image masks) a set bit is white, each row starts on a byte; RGBA is laid
 * on white paper. Undefined for a layout we do not know (or data too short).
 */
export function greyFromPdfJs(img: PdfJsImage, isMask = false): GreyBitmap | undefined {
  const { width, height, data } = img;
  if (!data || !(width > 0 && height > 0)) return undefined;
  const out = new Uint8Array(width * height);
  const kind = isMask ? PDFJS_IMAGE_KIND.GRAYSCALE_1BPP : img.kind;
  if (kind === PDFJS_IMAGE_KIND.GRAYSCALE_1BPP) {
    const stride = (width + 7) >> 3;
    if (data.length < stride * height) return undefined;
    for (let y = 0; y < height; y++) {
      const row = y * stride;
      for (let x = 0; x < width; x++) out[y * width + x] = data[row + (x >> 3)]! & (0x80 >> (x & 7)) ? 255 : 0;
    }
    return { width, height, data: out };
  }
  const channels = kind === PDFJS_IMAGE_KIND.RGB_24BPP ? 3 : kind === PDFJS_IMAGE_KIND.RGBA_32BPP ? 4 : 0;
  if (!channels || data.length < width * height * channels) return undefined;
  for (let i = 0, j = 0; i < out.length; i++, j += channels) {
    const v = luma(data[j]!, data[j + 1]!, data[j + 2]!);
    out[i] = channels === 4 ? 255 - Math.round(((255 - v) * data[j + 3]!) / 255) : v;
  }
  return { width, height, data: out };
}

/** Pixels with 1 (grey), 3 (RGB) or 4 (RGBA, alpha ignored) channels -> grey. */
export function greyFromChannels(width: number, height: number, channels: number, data: Uint8Array | Uint8ClampedArray): GreyBitmap {
  if (channels === 1) return { width, height, data: Uint8Array.from(data.subarray(0, width * height)) };
  const out = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += channels) out[i] = luma(data[j]!, data[j + 1]!, data[j + 2]!);
  return { width, height, data: out };
}

/**
 * How an image lies on the page: whether its rows run along the page's
 * width (`transposed` = false) or down it (a page scanned sideways), and
 * whether each axis runs backwards. `upright` undoes it.
 */
export interface Orientation {
  transposed: boolean;
  flipX: boolean;
  flipY: boolean;
}

/** The bitmap as it reads on the page. */
export function upright(b: GreyBitmap, o: Orientation): GreyBitmap {
  if (!o.transposed && !o.flipX && !o.flipY) return b;
  const width = o.transposed ? b.height : b.width;
  const height = o.transposed ? b.width : b.height;
  const out = new Uint8Array(width * height);
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      const a = o.flipX ? width - 1 - ox : ox;
      const c = o.flipY ? height - 1 - oy : oy;
      // Transposed: the output's columns are the source's rows.
      const sx = o.transposed ? c : a;
      const sy = o.transposed ? a : c;
      out[oy * width + ox] = b.data[sy * b.width + sx]!;
    }
  }
  return { width, height, data: out };
}

/** Shrunk so that its longer side is at most `maxSide` (box filter: every source pixel counts). */
export function downscale(b: GreyBitmap, maxSide: number): GreyBitmap {
  const f = maxSide / Math.max(b.width, b.height);
  if (f >= 1) return b;
  const width = Math.max(1, Math.round(b.width * f));
  const height = Math.max(1, Math.round(b.height * f));
  const sum = new Float64Array(width * height);
  const count = new Uint32Array(width * height);
  for (let y = 0; y < b.height; y++) {
    const oy = Math.min(height - 1, Math.floor(y * f));
    for (let x = 0; x < b.width; x++) {
      const i = oy * width + Math.min(width - 1, Math.floor(x * f));
      sum[i]! += b.data[y * b.width + x]!;
      count[i]!++;
    }
  }
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = count[i] ? Math.round(sum[i]! / count[i]!) : 255;
  return { width, height, data };
}

/** A rectangle of the bitmap (clamped to it). */
export function crop(b: GreyBitmap, x: number, y: number, width: number, height: number): GreyBitmap {
  const x0 = Math.max(0, Math.min(b.width, Math.floor(x)));
  const y0 = Math.max(0, Math.min(b.height, Math.floor(y)));
  const w = Math.max(0, Math.min(b.width - x0, Math.floor(width)));
  const h = Math.max(0, Math.min(b.height - y0, Math.floor(height)));
  const data = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) data.set(b.data.subarray((y0 + r) * b.width + x0, (y0 + r) * b.width + x0 + w), r * w);
  return { width: w, height: h, data };
}

/** Binary PGM (P5), which the OCR engine decodes like any image file. */
export function encodePgm(b: GreyBitmap): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${b.width} ${b.height}\n255\n`, 'latin1'), b.data]);
}
