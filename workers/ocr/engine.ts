/**
 * OCR with tesseract.js, fully offline: the engine (tesseract.js-core's
 * wasm), the worker script and the language data (@tesseract.js-data/eng)
 * are resolved from node_modules, and the language cache is off, so nothing
 * is ever fetched or written. tesseract.js runs its engine in a worker
 * thread of its own, nested inside this piscina worker (Node allows it); the
 * engine is started once per piscina thread and reused (start-up costs
 * about 2 s), and replaced after any error or time-out.
 *
 * tesseract.js must stay external to the esbuild bundle (scripts/build.mjs):
 * its worker script and wasm are files it loads by path at run time.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';

type TesseractWord = { text: string; confidence: number };
type TesseractBlock = { paragraphs?: Array<{ lines?: Array<{ words?: TesseractWord[] }> }> };
type TesseractWorker = {
  recognize(
    image: Buffer,
    options?: Record<string, unknown>,
    output?: Record<string, boolean>,
  ): Promise<{ data: { text: string; confidence: number; blocks?: TesseractBlock[] | null } }>;
  setParameters(params: Record<string, string>): Promise<unknown>;
  terminate(): Promise<unknown>;
  /** The worker thread tesseract.js spawned. */
  worker: Worker;
};

/**
 * Lines about the image's data (libjpeg's "Corrupt JPEG data", leptonica's
 * "Error in pixReadStreamJpeg", libpng's errors): the rest is the engine
 * talking about its own work ("Estimating resolution as 193", page layout's
 * "Error in boxClipToRectangle: box outside rectangle" on a photo), which
 * says nothing about the file.
 */
const DECODER_LINE = /Corrupt|Premature end|JPEG|jpeg|libpng|PNG|png|TIFF|tiff|GIF|gif|webp|BMP|bmp|pixRead|decod/;

/** What the engine's thread printed (see quietEngineThread), collected per recognize call. */
let printed: string[] = [];
let current: { lang: string; worker: Promise<TesseractWorker>; params: string } | null = null;

function req() {
  return createRequire(import.meta.url);
}

/** Where the shipped language data lives (LSTM "best_int" models). */
export function languageDataDir(lang: string): string {
  if (!/^[a-z_]{3,10}$/.test(lang)) throw new Error(`"${lang}" is not an OCR language code (e.g. "eng")`);
  let pkg: string;
  try {
    pkg = req().resolve(`@tesseract.js-data/${lang}/package.json`);
  } catch {
    throw new Error(`OCR language "${lang}" is not installed with this app (the @tesseract.js-data/${lang} package ships its data; "eng" is included)`);
  }
  return path.join(path.dirname(pkg), '4.0.0_best_int');
}

async function start(lang: string): Promise<TesseractWorker> {
  const r = req();
  const langPath = languageDataDir(lang);
  const tesseract = r('tesseract.js') as { createWorker: (...args: unknown[]) => Promise<TesseractWorker> };
  const script = path.join(path.dirname(r.resolve('tesseract.js/package.json')), 'src/worker-script/node/index.js');
  const corePath = path.dirname(r.resolve('tesseract.js-core/package.json'));
  const worker = await tesseract.createWorker(lang, 1 /* OEM.LSTM_ONLY */, {
    langPath,
    workerPath: quietEngineThread(script),
    corePath,
    cacheMethod: 'none',
    gzip: true,
    logger: () => undefined,
    // Errors come back through the rejected promise; without a handler tesseract.js also throws them globally.
    errorHandler: () => undefined,
  });
  worker.worker.on('message', (m: { quarryPrinted?: unknown }) => {
    if (typeof m?.quarryPrinted === 'string' && printed.length < 100 && DECODER_LINE.test(m.quarryPrinted)) printed.push(m.quarryPrinted);
  });
  return worker;
}

/**
 * The engine's thread, with its console turned into messages to us. The wasm
 * engine's image decoders (libjpeg, libpng, leptonica) print to stderr through
 * console.error ("Corrupt JPEG data: 5 extraneous bytes before marker 0xd9",
 * "Error in pixReadStreamJpeg: ..."); a worker thread's stderr is the
 * process's, so that raw text reached the CLI's terminal and the app's logs.
 * Collected here, it becomes a warning of the job that caused it. A data:
 * URL (an ES module) wraps tesseract.js's own worker script: no extra file
 * to ship, and tesseract.js hands `workerPath` to `new Worker` unchanged.
 */
function quietEngineThread(script: string): URL {
  const source = `
    import { createRequire } from 'node:module';
    import { parentPort } from 'node:worker_threads';
    import { format } from 'node:util';
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
      console[level] = (...args) => parentPort.postMessage({ quarryPrinted: format(...args) });
    }
    const script = ${JSON.stringify(script)};
    createRequire(script)(script);
  `;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

async function reset(): Promise<void> {
  const c = current;
  current = null;
  if (c) await c.worker.then((w) => w.terminate()).catch(() => undefined);
}

export interface OcrResult {
  text: string;
  /** Mean word confidence, 0-100. */
  confidence: number;
  /** Each recognised word with its confidence (0-100). */
  words: TesseractWord[];
  /** What the image decoders printed while reading this image (a damaged file), one line each. */
  decoderMessages: string[];
}

/** An OCR failure, with what the decoders printed before it. */
export class OcrError extends Error {
  constructor(
    message: string,
    public readonly decoderMessages: string[],
  ) {
    super(message);
  }
}

/** How one image is read. */
export interface RecognizeOptions {
  /**
   * The image's resolution, when the image itself does not say (raw pixels
   * from a PDF): tesseract guesses badly without it (a 150 dpi book page read
   * as 70 dpi came out as noise, 44% confidence; told 150, 91%).
   */
  dpi?: number;
  /**
   * Also try each unreadable line inverted (light text on dark). Tesseract's
   * default; a probe turns it off, since on a photo nearly every line is
   * "unreadable" and is then read twice.
   */
  invert?: boolean;
  /**
   * 'page': find the columns, pictures and text blocks first (tesseract's
   * own default, PSM 3), what a scanned page with an illustration needs (a
   * book page read as one block came out as noise, 44% confidence; with
   * its layout, 91%). 'block' (tesseract.js's default, PSM 6): the image is
   * one block of text.
   */
  layout?: 'page' | 'block';
}

/** Engine parameters for these options, set only when they differ from the last call's. */
function parameters(o: RecognizeOptions): Record<string, string> {
  return {
    user_defined_dpi: o.dpi ? String(Math.round(Math.min(1200, Math.max(70, o.dpi)))) : '0',
    tessedit_do_invert: o.invert === false ? '0' : '1',
    tessedit_pageseg_mode: o.layout === 'page' ? '3' : '6',
  };
}

export async function recognize(image: Buffer, lang: string, timeoutMs: number, opts: RecognizeOptions = {}): Promise<OcrResult> {
  if (!current || current.lang !== lang) {
    await reset();
    current = { lang, worker: start(lang), params: '' };
  }
  const mine = current;
  let timer: NodeJS.Timeout | undefined;
  printed = [];
  try {
    const worker = await mine.worker;
    const params = parameters(opts);
    if (JSON.stringify(params) !== mine.params) {
      await worker.setParameters(params);
      mine.params = JSON.stringify(params);
    }
    const result = await Promise.race([
      worker.recognize(image, {}, { text: true, blocks: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`OCR took longer than ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${Math.round(timeoutMs)} ms`}`)),
          timeoutMs,
        );
      }),
    ]);
    const words = (result.data.blocks ?? []).flatMap((b) => (b.paragraphs ?? []).flatMap((p) => (p.lines ?? []).flatMap((l) => l.words ?? [])));
    return {
      text: result.data.text ?? '',
      confidence: result.data.confidence ?? 0,
      words: words.map((w) => ({ text: w.text, confidence: w.confidence })),
      decoderMessages: printed,
    };
  } catch (err) {
    if (current === mine) await reset();
    // tesseract.js rejects with its thread's error text (a string), not an Error.
    throw new OcrError(err instanceof Error ? err.message : String(err), printed);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops the OCR engine (tests; piscina ends it with the thread anyway). */
export async function stopOcr(): Promise<void> {
  await reset();
}
