/**
 * The images a PDF page paints, decoded by pdf.js, with where they land:
 * what a scanned page is made of. No canvas: pdf.js's operator list names
 * each image (paintImageXObject and its inline and image-mask cousins), and
 * its object store hands over the decoded pixels (JPEG, CCITT, JBIG2,
 * Flate...). Following the operator list's transforms (save, restore,
 * transform, form XObjects) gives each image's place and size on the page,
 * hence its resolution and whether it was scanned sideways.
 */
import type { PDFPageProxy } from 'pdfjs-dist';
import { greyFromPdfJs, upright, type GreyBitmap, type Orientation, type PdfJsImage } from '../../ocr/bitmap';
import type { PdfJs } from './pdfjs';

type Matrix = [number, number, number, number, number, number];

const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];

/** An image as the page shows it: upright, with its resolution. */
export interface PageImage {
  bitmap: GreyBitmap;
  /** Pixels per inch along the image's width, as placed on the page. */
  dpi: number;
  /** Share of the page's area it covers (0-1). */
  coverage: number;
  /** Its top edge, in points from the page's top: images are read top to bottom. */
  top: number;
  left: number;
}

/** An image drawn on the page, before its pixels are fetched. */
interface Placement {
  /** Object id to fetch, or the image itself (inline images, image masks). */
  source: string | PdfJsImage;
  isMask: boolean;
  /** Image space (unit square) -> page space in points, y down, /Rotate applied. */
  matrix: Matrix;
}

/** A page cut into more images than this is not a scan we read. */
const MAX_IMAGES = 12;

/** Where each image of the operator list is drawn. */
function placements(pdfjs: PdfJs, ops: { fnArray: number[]; argsArray: unknown[][] }, viewport: Matrix): Placement[] {
  const OPS = pdfjs.OPS;
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const out: Placement[] = [];
  ops.fnArray.forEach((fn, i) => {
    const args = ops.argsArray[i] ?? [];
    switch (fn) {
      case OPS.save:
        stack.push(ctm);
        break;
      case OPS.restore:
        ctm = stack.pop() ?? ctm;
        break;
      case OPS.transform:
        if (args.length === 6 && args.every((a) => typeof a === 'number')) ctm = multiply(ctm, args as Matrix);
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push(ctm);
        const m = args[0];
        if (Array.isArray(m) && m.length === 6 && m.every((a) => typeof a === 'number')) ctm = multiply(ctm, m as Matrix);
        break;
      }
      case OPS.paintFormXObjectEnd:
        ctm = stack.pop() ?? ctm;
        break;
      case OPS.paintImageXObject:
        if (typeof args[0] === 'string') out.push({ source: args[0], isMask: false, matrix: multiply(viewport, ctm) });
        break;
      case OPS.paintInlineImageXObject:
        if (args[0] && typeof args[0] === 'object') out.push({ source: args[0] as PdfJsImage, isMask: false, matrix: multiply(viewport, ctm) });
        break;
      case OPS.paintImageMaskXObject:
        if (args[0] && typeof args[0] === 'object') out.push({ source: args[0] as PdfJsImage, isMask: true, matrix: multiply(viewport, ctm) });
        break;
    }
  });
  return out;
}

/** How the image's axes lie on the page (y down): see Orientation. */
export function orientationOf(m: Matrix): Orientation {
  // Image x runs along (a, b); its rows, top to bottom, along -(c, d) (row 0 is at the unit square's top).
  const [ux, uy, vx, vy] = [m[0], m[1], -m[2], -m[3]];
  if (Math.abs(ux) >= Math.abs(uy)) return { transposed: false, flipX: ux < 0, flipY: vy < 0 };
  return { transposed: true, flipX: vx < 0, flipY: uy < 0 };
}

/** Decoded pixels of an image object, waiting for pdf.js to resolve it. */
function fetchImage(page: PDFPageProxy, id: string): Promise<PdfJsImage | undefined> {
  const store = (id.startsWith('g_') ? page.commonObjs : page.objs) as unknown as {
    get(id: string, callback: (data: unknown) => void): void;
  };
  return new Promise((resolve) => {
    try {
      store.get(id, (data) => resolve((data ?? undefined) as PdfJsImage | undefined));
    } catch {
      resolve(undefined);
    }
  });
}

/**
 * The page's images large enough to be a scan of it (each covering at
 * least `minCoverage` of the page), upright, top to bottom. `problems` collects what could not
 * be decoded.
 */
export async function scannedImages(pdfjs: PdfJs, page: PDFPageProxy, problems: string[], minCoverage = 0.1): Promise<PageImage[]> {
  const ops = await page.getOperatorList({ intent: 'display' });
  const viewport = page.getViewport({ scale: 1 });
  const pageArea = viewport.width * viewport.height;
  const found: PageImage[] = [];
  for (const p of placements(pdfjs, ops, viewport.transform as Matrix)) {
    const [a, b, c, d, e, f] = p.matrix;
    const coverage = pageArea > 0 ? Math.abs(a * d - b * c) / pageArea : 0;
    if (coverage < minCoverage) continue; // a logo, a stamp, a rule: not a scan of the page
    if (found.length >= MAX_IMAGES) {
      problems.push(`more than ${MAX_IMAGES} large images; the rest were not read`);
      break;
    }
    const img = typeof p.source === 'string' ? await fetchImage(page, p.source) : p.source;
    const grey = img ? greyFromPdfJs(img, p.isMask) : undefined;
    if (!grey) {
      problems.push(`an image could not be decoded${img ? ' (pixels in a layout pdf.js does not give)' : ' (damaged image data?)'}`);
      continue;
    }
    const xs = [e, e + a, e + c, e + a + c];
    const ys = [f, f + b, f + d, f + b + d];
    const o = orientationOf(p.matrix);
    const shownWidth = o.transposed ? Math.hypot(c, d) : Math.hypot(a, b);
    const bitmap = upright(grey, o);
    found.push({ bitmap, dpi: shownWidth > 0 ? (bitmap.width * 72) / shownWidth : 0, coverage, top: Math.min(...ys), left: Math.min(...xs) });
  }
  return found.sort((x, y) => x.top - y.top || x.left - y.left);
}
