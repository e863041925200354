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

type TesseractWorker = {
  recognize(image: Buffer): Promise<{ data: { text: string; confidence: number; blocks?: unknown } }>;
  terminate(): Promise<unknown>;
  /** The worker thread tesseract.js spawned. */
  worker: Worker;
};

/** What the engine's thread printed (see quietEngineThread), collected per recognize call. */
let printed: string[] = [];
let current: { lang: string; worker: Promise<TesseractWorker> } | null = null;

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
    if (typeof m?.quarryPrinted === 'string' && printed.length < 100) printed.push(m.quarryPrinted);
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
  confidence: number;
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

export async function recognize(image: Buffer, lang: string, timeoutMs: number): Promise<OcrResult> {
  if (!current || current.lang !== lang) {
    await reset();
    current = { lang, worker: start(lang) };
  }
  const mine = current;
  let timer: NodeJS.Timeout | undefined;
  printed = [];
  try {
    const worker = await mine.worker;
    const result = await Promise.race([
      worker.recognize(image),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`OCR took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]);
    return { text: result.data.text ?? '', confidence: result.data.confidence ?? 0, decoderMessages: printed };
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
