/**
 * The text of an image, by OCR (offline, tesseract.js): first a probe of
 * a small copy decides whether text is likely (ocr/text-probe.ts), and a
 * photo without any is not read whole; `ocr: "always"` skips the probe.
 * Text read with a low mean confidence is noise from a picture: kept apart,
 * with a warning, not in the text.
 */
import { OcrError, recognize } from '../../ocr/engine';
import { probeBitmap, probeCopy, type ProbeVerdict } from '../../ocr/text-probe';
import type { ExtractOptions } from '../types';

/** Formats leptonica (inside tesseract.js-core) can decode. */
const OCR_MIMES = new Set(['image/jpeg', 'image/png', 'image/tiff', 'image/gif', 'image/webp', 'image/bmp']);
/** Below this mean confidence the "text" is noise read from a photo. */
const MIN_CONFIDENCE = 50;
/** Larger images are not OCRed (tesseract's memory grows with pixels). */
const MAX_OCR_PIXELS = 50_000_000;

/** The image decoders' own words (libjpeg: "Corrupt JPEG data: ..."), as one warning. */
function damagedImage(messages: string[]): string {
  const shown = messages.slice(0, 5).join('; ');
  return `The image data is damaged; the decoder reported: ${shown}${messages.length > 5 ? ` (and ${messages.length - 5} more)` : ''}`;
}

export interface ImageText {
  text: string;
  /** For metadata.ocr: engine, language, confidence, or why OCR was skipped, and the probe's verdict. */
  ocr: Record<string, unknown>;
}

export interface ImageFacts {
  bytes: Buffer;
  mime: string | undefined;
  width: number | undefined;
  height: number | undefined;
}

export async function imageText(image: ImageFacts, options: ExtractOptions, warnings: string[]): Promise<ImageText> {
  const { mime, width, height } = image;
  const lang = options.ocrLanguage ?? 'eng';
  const timeoutMs = options.stepTimeoutMs ?? 60_000;
  if (!options.ocr) return { text: '', ocr: { skipped: 'disabled for this job' } };
  if (!mime || !OCR_MIMES.has(mime)) {
    warnings.push(`OCR is not available for ${mime ?? 'this image type'} (the OCR engine cannot decode it); metadata only`);
    return { text: '', ocr: { skipped: `unsupported image type ${mime}` } };
  }
  if (width && height && width * height > MAX_OCR_PIXELS) {
    warnings.push(`Image is ${width}×${height} pixels, over the ${MAX_OCR_PIXELS / 1e6} MP limit for OCR; metadata only`);
    return { text: '', ocr: { skipped: 'too many pixels' } };
  }
  const ocr: Record<string, unknown> = { engine: 'tesseract.js', language: lang };
  try {
    const probe = options.ocr === 'always' ? undefined : await probeFor(image, lang, timeoutMs);
    if (probe) ocr.probe = probe;
    if (probe && !probe.likely) {
      warnings.push(
        `OCR skipped: a quick look at a ${probe.width}×${probe.height} copy found no readable word, so the image is probably a photo without text (--ocr always reads it whole)`,
      );
      return { text: '', ocr: { ...ocr, skipped: 'no text likely' } };
    }
    const r = await recognize(image.bytes, lang, timeoutMs, { layout: 'page' });
    if (r.decoderMessages.length) warnings.push(damagedImage(r.decoderMessages));
    const recognised = r.text
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    ocr.confidence = Math.round(r.confidence);
    if (!recognised) {
      warnings.push('No text found in the image (OCR)');
      return { text: '', ocr };
    }
    if (r.confidence < MIN_CONFIDENCE) {
      warnings.push(
        `OCR found only unreliable text (mean confidence ${Math.round(r.confidence)}%, below ${MIN_CONFIDENCE}%): probably a photo without text; kept in metadata.ocr.lowConfidenceText, not in the text`,
      );
      return { text: '', ocr: { ...ocr, lowConfidenceText: recognised.slice(0, 2000) } };
    }
    return { text: recognised, ocr };
  } catch (err) {
    if (err instanceof OcrError && err.decoderMessages.length) warnings.push(damagedImage(err.decoderMessages));
    warnings.push(`OCR failed: ${(err as Error).message}`);
    return { text: '', ocr: { ...ocr, error: (err as Error).message } };
  }
}

/** The probe's verdict, or undefined when the image is read whole without one (small, or not decodable here). */
async function probeFor(image: ImageFacts, lang: string, timeoutMs: number): Promise<ProbeVerdict | undefined> {
  const copy = await probeCopy(image.bytes, image.mime, image.width, image.height);
  return copy && probeBitmap(copy, lang, timeoutMs);
}
