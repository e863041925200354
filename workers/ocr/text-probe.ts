/**
 * Is there text in this image worth a full OCR pass? A holiday photo read
 * whole costs seconds (its foliage and tiles look like lines of text to the
 * engine, and every "line" is read twice, once inverted) and yields noise
 * that is then set aside. The probe reads a small copy instead (at most
 * 640 px a side, never below a third of the original, so that text a
 * person could read in the original stays readable) without the inverted
 * second reading, and counts the words it is sure of. No word → no text
 * likely, and the full pass is skipped.
 *
 * The copy is decoded here, without the engine: JPEG with pdf.js's own
 * decoder (the pdfjs-dist package already ships it), PNG with zlib. Other
 * formats, and images too small to shrink, go straight to the full pass.
 */
import { inflateSync } from 'node:zlib';
import { downscale, encodePgm, greyFromChannels, type GreyBitmap } from './bitmap';
import { recognize } from './engine';

/** The probe's longer side, in pixels. */
export const PROBE_SIDE = 640;
/** Never shrink more than this: text 30 px tall in the original is still 10 px in the probe. */
const MIN_SCALE = 1 / 3;
/** A copy at least this large is no cheaper to read than the original: no probe. */
const MAX_PROBE_SCALE = 0.8;
/** A word the probe is sure of: this confident, with at least three letters or digits in a row. */
const SURE_CONFIDENCE = 70;
const SURE_WORD = /[\p{L}\p{N}]{3,}/u;
/** Sure words needed to call text likely. */
const MIN_SURE_WORDS = 2;

export interface ProbeVerdict {
  likely: boolean;
  /** The size of the copy read. */
  width: number;
  height: number;
  /** Words read, and those the probe was sure of. */
  words: number;
  sureWords: number;
  ms: number;
}

/** How much to shrink an image of this size for the probe; undefined = no probe (small enough to read whole). */
export function probeScale(width: number, height: number): number | undefined {
  const scale = Math.max(MIN_SCALE, PROBE_SIDE / Math.max(width, height));
  return scale >= MAX_PROBE_SCALE ? undefined : scale;
}

/** Reads the copy and judges. */
export async function probeBitmap(copy: GreyBitmap, lang: string, timeoutMs: number): Promise<ProbeVerdict> {
  const started = performance.now();
  const r = await recognize(encodePgm(copy), lang, timeoutMs, { invert: false, layout: 'page' });
  const sureWords = r.words.filter((w) => w.confidence >= SURE_CONFIDENCE && SURE_WORD.test(w.text)).length;
  return {
    likely: sureWords >= MIN_SURE_WORDS,
    width: copy.width,
    height: copy.height,
    words: r.words.length,
    sureWords,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * The image's probe copy, grey, or undefined when there is to be no probe
 * (small image, a format not decoded here, or data the decoder refuses:
 * the full pass then reads it, and reports what the engine's decoder says).
 */
export async function probeCopy(bytes: Buffer, mime: string | undefined, width?: number, height?: number): Promise<GreyBitmap | undefined> {
  if (!width || !height) return undefined;
  const scale = probeScale(width, height);
  if (scale === undefined) return undefined;
  const target = Math.round(Math.max(width, height) * scale);
  try {
    const grey = mime === 'image/jpeg' ? await decodeJpeg(bytes, scale * 2) : mime === 'image/png' ? decodePng(bytes) : undefined;
    return grey && downscale(grey, target);
  } catch {
    return undefined;
  }
}

type JpegDecoder = typeof import('pdfjs-dist/legacy/image_decoders/pdf.image_decoders.mjs');
let jpegDecoder: Promise<JpegDecoder> | undefined;

/** A JPEG decoded at `scale` of its size (at most full size), grey. */
async function decodeJpeg(bytes: Buffer, scale: number): Promise<GreyBitmap> {
  jpegDecoder ??= import('pdfjs-dist/legacy/image_decoders/pdf.image_decoders.mjs');
  const { JpegImage } = await jpegDecoder;
  const jpeg = new JpegImage();
  jpeg.parse(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const f = Math.min(1, scale);
  const width = Math.max(1, Math.round(jpeg.width * f));
  const height = Math.max(1, Math.round(jpeg.height * f));
  return greyFromChannels(width, height, 3, jpeg.getData({ width, height, forceRGB: true, isSourcePDF: false }));
}

/** Channels per PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** An 8-bit, non-interlaced PNG, grey; undefined for other kinds (no probe for them). */
export function decodePng(bytes: Buffer): GreyBitmap | undefined {
  if (bytes.length < 33 || bytes.readUInt32BE(12) !== 0x49484452) return undefined; // IHDR first
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const [depth, type, , , interlace] = bytes.subarray(24, 29);
  const channels = PNG_CHANNELS[type!];
  if (depth !== 8 || !channels || interlace !== 0 || width * height > 50_000_000) return undefined;
  const idat: Buffer[] = [];
  let palette: Buffer | undefined;
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const kind = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (kind === 'IDAT') idat.push(data);
    else if (kind === 'PLTE') palette = data;
    else if (kind === 'IEND') break;
    at += 12 + length;
  }
  const stride = width * channels;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height });
  } catch {
    return undefined; // damaged or cut short: the full pass reads what it can, and says what its decoder found
  }
  if (raw.length < (stride + 1) * height) return undefined;
  const pixels = unfilter(raw, stride, height, channels);
  if (type === 3) {
    if (!palette) return undefined;
    const rgb = new Uint8Array(width * height * 3);
    pixels.forEach((index, i) => rgb.set(palette!.subarray(index * 3, index * 3 + 3), i * 3));
    return greyFromChannels(width, height, 3, rgb);
  }
  // Grey + alpha: take the grey; RGBA: take the colour (alpha is rarely used in scans and screenshots).
  if (channels === 2) return { width, height, data: Uint8Array.from({ length: width * height }, (_, i) => pixels[i * 2]!) };
  return greyFromChannels(width, height, channels, pixels);
}

/** PNG row filters undone (None, Sub, Up, Average, Paeth). */
function unfilter(raw: Buffer, stride: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[row - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp]! : 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[row + x] = (raw[src + x]! + predicted) & 0xff;
    }
  }
  return out;
}
